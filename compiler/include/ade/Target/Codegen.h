//===- Codegen.h - LLVM IR, object code and model.so ------------*- C++ -*-===//
//
// From the LLVM dialect to a loadable model.so: translation to LLVM IR, the
// C ABI of runtime/include/ade/abi.h (metadata and checked entry wrappers,
// generated as LLVM IR), optimization and object emission for the host CPU,
// and linking with the system compiler driver.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_TARGET_CODEGEN_H
#define ADE_TARGET_CODEGEN_H

#include "ade/Sema/TypedIR.h"

#include "mlir/IR/OwningOpRef.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/LogicalResult.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace ade {

struct CUDAPipelineOptions;

/// A GPU kernel in the PTX: its name and its buffer arguments (bare device
/// pointers; the batch follows them).
struct CUDAKernel {
  std::string name;
  std::string owner; // the model or sampler
  std::string entry; // energy, grad_energy, score_matching, sample, VJPs
  int32_t buffers = 0;
  int32_t blockSize = 0;         // threads per block
  int32_t particlesPerBlock = 0; // the block size, or a block kernel's tile
  int32_t sharedBytes = 0;       // dynamic shared memory per block
  int64_t scratchBytes = 0;      // global scratch per block (VJPs)
};

/// The host function that emulates kernel K is named
/// kEmulatedKernelPrefix + K.
inline constexpr llvm::StringLiteral kEmulatedKernelPrefix = "ade_emulated.";

/// The GPU side of a model.so (`adec --target all`).
struct CUDAModule {
  std::string arch;
  std::string ptx;
  /// The PTX compiled for `arch` by ptxas (empty: the driver compiles the
  /// PTX when it loads it).
  std::string cubin;
  std::vector<CUDAKernel> kernels;
};

/// Moves the functions and globals of `emulator` (compileCUDAKernels')
/// into `lowered` (the host module after the CPU lowering), where
/// buildLLVMModule finds them.
void mergeEmulatedKernels(mlir::ModuleOp lowered, mlir::ModuleOp emulator);

/// CUDA's libdevice bitcode ($CUDA_PATH, $CUDA_HOME, /usr/local/cuda or
/// Debian's toolkit), or "" when none is installed.
std::string findLibdevice();

/// CUDA's ptxas ($CUDA_PATH/bin, $CUDA_HOME/bin, /usr/local/cuda/bin, then
/// $PATH), or "" when none is installed.
std::string findPtxas();

/// Compiles `cuda.ptx` for `cuda.arch` with `ptxas` into `cuda.cubin`, on
/// all cores (ptxas --split-compile); the error names ptxas's message.
llvm::LogicalResult compileCubin(CUDAModule &cuda, const std::string &ptxas,
                                 std::string &error);

/// Lowers a copy of `module` (after the derivative pipeline) to GPU
/// kernels and PTX. With `gpuDialect`, prints the lowered GPU module there
/// instead (`adec --emit=mlir-gpu`) and stops. With `emulator`, also
/// lowers the kernels to host functions (LLVM dialect) for the runtime's
/// GPU emulator, named kEmulatedKernelPrefix + the kernel's name.
llvm::LogicalResult
compileCUDAKernels(mlir::ModuleOp module, const CUDAPipelineOptions &options,
                   CUDAModule &result, llvm::raw_ostream *gpuDialect,
                   std::string &error,
                   mlir::OwningOpRef<mlir::ModuleOp> *emulator = nullptr);

/// The CPU a library's code is generated for: LLVM's name for it and the
/// instruction-set extensions of kCheckedCPUFeatures it has, which the code
/// may use (comma-separated, e.g. "avx,avx2,fma"). Loaders refuse a
/// library on a CPU without one of them, where it would die of an illegal
/// instruction.
struct TargetDescription {
  std::string cpu;
  std::string features;
};
TargetDescription describeTarget(const std::string &cpu);

struct CodegenOptions {
  /// LLVM optimization level 0-3.
  unsigned optLevel = 2;
  /// Target CPU: "native" (the compiling machine) or an LLVM CPU name.
  std::string cpu = "native";
  /// Recorded in the library metadata.
  std::string sourcePath;
  std::string compilerVersion;
  /// Particles per tile of the kernels, and of those of medium and large
  /// models (ade::tileSizeFor; recorded in the metadata).
  int64_t tileSize = 16;
  int64_t mediumTileSize = 0;
  int64_t largeTileSize = 0;
  /// GPU kernels embedded in the library (none when `cuda.ptx` is empty).
  CUDAModule cuda;
  /// The CPU the code is for, recorded in the library metadata
  /// (describeTarget: "native" resolved).
  TargetDescription target;
};

/// Translates the lowered module to LLVM IR and adds the library metadata
/// and entry wrappers; every other symbol gets internal linkage. Returns
/// null and sets `error` on failure.
std::unique_ptr<llvm::Module> buildLLVMModule(mlir::ModuleOp module,
                                              llvm::LLVMContext &context,
                                              const tir::Program &program,
                                              const CodegenOptions &options,
                                              std::string &error);

/// The register blocks of layer products for `cpu` ("native" or an LLVM
/// CPU name): rows and particles, as many accumulator vectors as the
/// target's registers hold beside the operands.
struct RegisterBlock {
  int64_t rows = 4, columns = 16;
};
RegisterBlock registerBlock(const std::string &cpu);

/// Sets the target triple and data layout of the host (or `options.cpu`)
/// and runs LLVM's optimization pipeline at `options.optLevel`.
bool optimizeModule(llvm::Module &module, const CodegenOptions &options,
                    std::string &error);

/// Emits an ELF object for an optimized module.
bool emitObject(llvm::Module &module, const CodegenOptions &options,
                llvm::SmallVectorImpl<char> &object, std::string &error);

/// An object file's bytes.
using ObjectCode = llvm::SmallVector<char, 0>;

/// optimizeModule and emitObject in up to `jobs` threads: the module is
/// split into partitions (internal symbols become hidden ones), each
/// optimized and compiled in its own LLVMContext. One object per
/// partition, for linkSharedLibrary; `module` is left unusable.
bool compileObjects(llvm::Module &module, const CodegenOptions &options,
                    unsigned jobs, std::vector<ObjectCode> &objects,
                    std::string &error);

/// Whether LLVM knows `cpu` ("native" or a CPU name of this machine's
/// target, such as x86-64-v3): an unknown one is a warning per function,
/// then an abort, in LLVM.
bool isKnownCPU(const std::string &cpu);

/// Links `objects` into a shared library (in a temporary file) and
/// returns its bytes in `library`, for the caller to write out.
bool linkSharedLibrary(llvm::ArrayRef<ObjectCode> objects, std::string &library,
                       std::string &error);

} // namespace ade

#endif // ADE_TARGET_CODEGEN_H
