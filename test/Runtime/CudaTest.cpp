//===- CudaTest.cpp - The GPU runtime's choices, without a GPU ------------===//

#include "ade/runtime/Cuda.h"

#include <gtest/gtest.h>

namespace {

using ade::cuda::chooseKernel;

// An entry compiled with tiles of 64 and 16 particles, and one of one
// thread per particle (256 per block).
const ade_cuda_kernel kKernels[] = {
    {"energy", "M", "ade_M_energy_t64", 3, 256, 64, 99000},
    {"energy", "M", "ade_M_energy_t16", 3, 256, 16, 25000},
    {"sample", "S", "ade_S_sample", 5, 256, 256, 0},
};
const ade_cuda_info kInfo = {"sm_90", "", 3, kKernels};
// Shared memory a block can have on an H200 (227 KiB) and on a GPU with
// 99 KiB (sm_86, sm_89, sm_120).
constexpr int64_t kH200 = 232448, kSmall = 101376;

TEST(CudaKernels, LargestTileThatFillsTheGpu) {
  // 10 000 particles in tiles of 64: 157 blocks for 132 SMs.
  EXPECT_STREQ(chooseKernel(kInfo, "M", "energy", 10000, 132, kH200)->name,
               "ade_M_energy_t64");
  // 5 000: 79 blocks of 64 leave SMs idle, 313 of 16 do not.
  EXPECT_STREQ(chooseKernel(kInfo, "M", "energy", 5000, 132, kH200)->name,
               "ade_M_energy_t16");
  EXPECT_STREQ(chooseKernel(kInfo, "M", "energy", 8448, 132, kH200)->name,
               "ade_M_energy_t64");
}

TEST(CudaKernels, SmallestTileForSmallBatches) {
  // 100 particles fill no GPU: the most blocks (7 of 16).
  EXPECT_STREQ(chooseKernel(kInfo, "M", "energy", 100, 132, kH200)->name,
               "ade_M_energy_t16");
  EXPECT_STREQ(chooseKernel(kInfo, "M", "energy", 1, 132, kH200)->name,
               "ade_M_energy_t16");
}

TEST(CudaKernels, OneFormOrNone) {
  EXPECT_STREQ(chooseKernel(kInfo, "S", "sample", 7, 132, kH200)->name,
               "ade_S_sample");
  EXPECT_EQ(chooseKernel(kInfo, "M", "grad_energy", 100, 132, kH200), nullptr);
  EXPECT_EQ(chooseKernel(kInfo, "S", "energy", 100, 132, kH200), nullptr);
}

TEST(CudaKernels, OnlyTilesThatFitTheGpusSharedMemory) {
  // The 64-particle kernel needs 99 000 bytes: too many for 99 KiB GPUs.
  EXPECT_STREQ(chooseKernel(kInfo, "M", "energy", 10000, 84, 90000)->name,
               "ade_M_energy_t16");
  EXPECT_STREQ(chooseKernel(kInfo, "M", "energy", 10000, 84, kSmall)->name,
               "ade_M_energy_t64");
  EXPECT_EQ(chooseKernel(kInfo, "M", "energy", 10000, 84, 20000), nullptr);
}

TEST(CudaKernels, BuffersStartAt16Bytes) {
  using ade::cuda::misalignedBuffer;
  EXPECT_EQ(misalignedBuffer({0x7f0000000000, 0x7f0000000100}), -1);
  EXPECT_EQ(misalignedBuffer({0x7f0000000000, 0x7f0000000104, 0x7f0000000008}),
            1);
  EXPECT_EQ(misalignedBuffer({}), -1);
}

} // namespace
