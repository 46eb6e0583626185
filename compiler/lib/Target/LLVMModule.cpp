//===- LLVMModule.cpp - LLVM IR with the model.so C ABI -------------------===//
//
// The metadata structs below mirror runtime/include/ade/abi.h field by
// field; LLVM lays out non-packed structs with the C rules of the target's
// data layout, so the two agree (the loader test reads them through the
// header).
//
//===----------------------------------------------------------------------===//

#include "ade/Target/Codegen.h"

#include "ade/Conversion/TileSize.h"

#include "RuntimeSupport.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

using namespace ade;

namespace {

/// Mirrors ADE_ABI_VERSION in runtime/include/ade/abi.h.
constexpr uint32_t kAbiVersion = 15;

class MetadataBuilder {
public:
  MetadataBuilder(llvm::Module &m, mlir::ModuleOp mlir,
                  const tir::Program &program, const CodegenOptions &options)
      : m(m), ctx(m.getContext()), mlir(mlir), program(program),
        options(options), offsets(tir::computeParamOffsets(program)) {
    ptr = llvm::PointerType::getUnqual(ctx);
    i32 = llvm::Type::getInt32Ty(ctx);
    i64 = llvm::Type::getInt64Ty(ctx);
    f64 = llvm::Type::getDoubleTy(ctx);
    paramInfo = llvm::StructType::create(
        ctx, {ptr, i32, ptr, i64, i64, i32, f64, f64, i64, i64, ptr, ptr},
        "ade_param_info");
    modelFlops = llvm::StructType::create(ctx, {i64, i64, i64, i64, i64},
                                          "ade_model_flops");
    modelInfo = llvm::StructType::create(ctx,
                                         {ptr, ptr, i32, i32, ptr, i64, i32,
                                          ptr, i64, i32, ptr, ptr, ptr, i32,
                                          ptr, ptr, modelFlops},
                                         "ade_model_info");
    samplerFlops =
        llvm::StructType::create(ctx, {i64, i64, i64}, "ade_sampler_flops");
    samplerInfo = llvm::StructType::create(ctx,
                                           {ptr, ptr, i32, i32, i32, ptr, i64,
                                            i32, i32, i64, i32, ptr, i32, ptr,
                                            ptr, ptr, ptr, samplerFlops},
                                           "ade_sampler_info");
    drawInfo =
        llvm::StructType::create(ctx, {ptr, i64, i64, i32}, "ade_draw_info");
    cudaKernel = llvm::StructType::create(
        ctx, {ptr, ptr, ptr, i32, i32, i32, i32, i64, ptr}, "ade_cuda_kernel");
    cudaInfo = llvm::StructType::create(ctx, {ptr, ptr, i32, ptr, ptr, i64},
                                        "ade_cuda_info");
    libraryInfo = llvm::StructType::create(
        ctx, {i32, ptr, ptr, i32, ptr, i32, ptr, ptr, ptr, ptr},
        "ade_library_info");
  }

  bool build(std::string &error) {
    std::vector<llvm::Constant *> models;
    for (const tir::Model &model : program.models) {
      llvm::Constant *info = modelConstant(model, error);
      if (!info)
        return false;
      models.push_back(info);
    }
    std::vector<llvm::Constant *> samplers;
    for (const tir::Sampler &s : program.samplers) {
      llvm::Constant *sampler = samplerConstant(s, error);
      if (!sampler)
        return false;
      samplers.push_back(sampler);
    }

    llvm::Constant *library = llvm::ConstantStruct::get(
        libraryInfo,
        {llvm::ConstantInt::get(i32, kAbiVersion), str(options.compilerVersion),
         str(options.sourcePath), llvm::ConstantInt::get(i32, models.size()),
         array(modelInfo, models, "ade.models"),
         llvm::ConstantInt::get(i32, samplers.size()),
         array(samplerInfo, samplers, "ade.samplers"), cudaConstant(),
         str(options.target.cpu), str(options.target.features)});
    auto *global = new llvm::GlobalVariable(m, libraryInfo, /*isConstant=*/true,
                                            llvm::GlobalValue::PrivateLinkage,
                                            library, "ade.library");
    exportedFunction("ade_library", ptr,
                     [&](llvm::IRBuilder<> &b) { b.CreateRet(global); });
    exportedFunction("ade_abi_version", i32, [&](llvm::IRBuilder<> &b) {
      b.CreateRet(llvm::ConstantInt::get(i32, kAbiVersion));
    });
    return true;
  }

private:
  /// The ade_cuda_info of the embedded PTX, or null.
  llvm::Constant *cudaConstant() {
    const CUDAModule &cuda = options.cuda;
    if (cuda.ptx.empty())
      return llvm::ConstantPointerNull::get(ptr);
    std::vector<llvm::Constant *> kernels;
    for (const CUDAKernel &kernel : cuda.kernels) {
      llvm::Constant *emulated = m.getFunction(
          (llvm::Twine(kEmulatedKernelPrefix) + kernel.name).str());
      kernels.push_back(llvm::ConstantStruct::get(
          cudaKernel,
          {str(kernel.entry), str(kernel.owner), str(kernel.name),
           llvm::ConstantInt::get(i32, kernel.buffers),
           llvm::ConstantInt::get(i32, kernel.blockSize),
           llvm::ConstantInt::get(i32, kernel.particlesPerBlock),
           llvm::ConstantInt::get(i32, kernel.sharedBytes),
           llvm::ConstantInt::get(i64, kernel.scratchBytes),
           emulated ? emulated : llvm::ConstantPointerNull::get(ptr)}));
    }
    llvm::Constant *cubin = llvm::ConstantPointerNull::get(ptr);
    if (!cuda.cubin.empty())
      cubin = new llvm::GlobalVariable(
          m,
          llvm::ArrayType::get(llvm::Type::getInt8Ty(ctx), cuda.cubin.size()),
          /*isConstant=*/true, llvm::GlobalValue::PrivateLinkage,
          llvm::ConstantDataArray::getString(ctx, cuda.cubin,
                                             /*AddNull=*/false),
          "ade.cuda.cubin");
    llvm::Constant *info = llvm::ConstantStruct::get(
        cudaInfo, {str(cuda.arch), str(cuda.ptx),
                   llvm::ConstantInt::get(i32, kernels.size()),
                   array(cudaKernel, kernels, "ade.cuda.kernels"), cubin,
                   llvm::ConstantInt::get(i64, cuda.cubin.size())});
    return new llvm::GlobalVariable(m, cudaInfo, /*isConstant=*/true,
                                    llvm::GlobalValue::PrivateLinkage, info,
                                    "ade.cuda");
  }

  llvm::Constant *str(llvm::StringRef s) {
    auto it = strings.find(s);
    if (it != strings.end())
      return it->second;
    llvm::Constant *c = llvm::ConstantDataArray::getString(ctx, s);
    auto *g = new llvm::GlobalVariable(
        m, c->getType(), true, llvm::GlobalValue::PrivateLinkage, c, "ade.str");
    g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    strings[s] = g;
    return g;
  }

  llvm::Constant *array(llvm::Type *elem,
                        llvm::ArrayRef<llvm::Constant *> elems,
                        llvm::StringRef name) {
    if (elems.empty())
      return llvm::ConstantPointerNull::get(ptr);
    auto *type = llvm::ArrayType::get(elem, elems.size());
    return new llvm::GlobalVariable(
        m, type, true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(type, elems), name);
  }

  llvm::Constant *shape(llvm::ArrayRef<int64_t> dims) {
    std::vector<llvm::Constant *> values;
    for (int64_t d : dims)
      values.push_back(llvm::ConstantInt::get(i64, d));
    return array(i64, values, "ade.shape");
  }

  static int32_t dtype(tir::ScalarKind k) {
    return k == tir::ScalarKind::F64 ? 2 : 1;
  }

  llvm::Constant *paramsArray(const std::vector<unsigned> &params) {
    std::vector<llvm::Constant *> infos;
    for (unsigned i : params) {
      const tir::Param &p = program.params[i];
      static const int32_t kinds[] = {0, 0, 1, 2, 3, 4, 5};
      infos.push_back(llvm::ConstantStruct::get(
          paramInfo,
          {str(p.name), llvm::ConstantInt::get(i32, p.type.shape.size()),
           shape(p.type.shape), llvm::ConstantInt::get(i64, offsets[i]),
           llvm::ConstantInt::get(i64, p.type.numElements()),
           llvm::ConstantInt::get(i32, kinds[static_cast<int>(p.init.kind)]),
           llvm::ConstantFP::get(f64, p.init.a),
           llvm::ConstantFP::get(f64, p.init.b),
           llvm::ConstantInt::get(i64, p.init.fanIn),
           llvm::ConstantInt::get(i64, p.init.fanOut), str(p.init.str()),
           str(llvm::StringRef(p.doc).rtrim("\n"))}));
    }
    return array(paramInfo, infos, "ade.params");
  }

  /// What ade-build-entries recorded on an entry (its tile's `ade.tile`).
  mlir::DictionaryAttr entryInfo(const std::string &entry) {
    auto fn = mlir.lookupSymbol<mlir::LLVM::LLVMFuncOp>(entry);
    return fn ? fn->getAttrOfType<mlir::DictionaryAttr>("ade.entry")
              : mlir::DictionaryAttr();
  }

  /// The ade_model_flops or ade_sampler_flops constant of `entries`: what
  /// ade-count-flops recorded on each (-1 where it did not count).
  llvm::Constant *flopsConstant(llvm::StructType *type,
                                llvm::ArrayRef<std::string> entries) {
    std::vector<llvm::Constant *> counts;
    for (const std::string &entry : entries) {
      mlir::DictionaryAttr info = entryInfo(entry);
      auto flops =
          info ? info.getAs<mlir::IntegerAttr>("flops") : mlir::IntegerAttr();
      counts.push_back(
          llvm::ConstantInt::get(i64, flops ? flops.getInt() : -1));
    }
    return llvm::ConstantStruct::get(type, counts);
  }

  /// The noise layout ade-density recorded on the sampler's entry.
  mlir::ArrayAttr noiseLayout(const std::string &entry) {
    mlir::DictionaryAttr info = entryInfo(entry);
    return info ? info.getAs<mlir::ArrayAttr>("noise") : mlir::ArrayAttr();
  }

  llvm::Constant *samplerConstant(const tir::Sampler &s, std::string &error) {
    const tir::Model &model = program.models[s.model];
    std::string prefix = "ade_" + s.name + "_";
    mlir::ArrayAttr noise = noiseLayout(prefix + "sample");
    if (!noise) {
      error = "internal: no noise layout for sampler '" + s.name + "'";
      return nullptr;
    }
    std::vector<llvm::Constant *> draws;
    int64_t noiseSize = 0;
    for (auto d : noise.getAsRange<mlir::DictionaryAttr>()) {
      int64_t size = d.getAs<mlir::IntegerAttr>("size").getInt();
      draws.push_back(llvm::ConstantStruct::get(
          drawInfo,
          {str(d.getAs<mlir::StringAttr>("name").getValue()),
           llvm::ConstantInt::get(
               i64, d.getAs<mlir::IntegerAttr>("offset").getInt()),
           llvm::ConstantInt::get(i64, size),
           llvm::ConstantInt::get(
               i32,
               d.getAs<mlir::StringAttr>("distribution").getValue() == "uniform"
                   ? 1
                   : 0)}));
      noiseSize += size;
    }
    std::vector<llvm::Constant *> statNames;
    if (auto stats =
            entryInfo(prefix + "sample").getAs<mlir::ArrayAttr>("stats"))
      for (auto name : stats.getAsRange<mlir::StringAttr>())
        statNames.push_back(str(name.getValue()));
    int64_t numStats = statNames.size();
    // Buffers in the order of the MLIR entries (see ade-build-entries).
    int64_t modelSize = tir::paramBufferSize(program, model.params);
    int64_t samplerSize = tir::paramBufferSize(program, s.params);
    Buffer modelParams{false, {modelSize}, modelSize == 0};
    Buffer samplerParams{false, {samplerSize}, samplerSize == 0};
    Buffer noiseBuffer{true, {noiseSize}, noiseSize == 0};
    Buffer x{true, model.dataType.shape};
    Buffer x0{true, model.dataType.shape, !s.takesInitialState,
              !s.takesInitialState};
    Buffer v{true, model.dataType.shape, !s.returnsMomentum,
             !s.returnsMomentum};
    Buffer scalar{true, {}};
    Buffer stats{true, {numStats}, numStats == 0, numStats == 0};
    // Entries take gradient buffers only for sides with parameters.
    Buffer gradModel{false, {modelSize}, modelSize == 0, modelSize == 0};
    Buffer gradSampler{
        false, {samplerSize}, samplerSize == 0, samplerSize == 0};
    llvm::Function *sample =
        checkedEntry(prefix + "sample",
                     {modelParams, samplerParams, noiseBuffer, x0, x, v, scalar,
                      scalar, stats},
                     error);
    llvm::Function *vjp = checkedEntry(
        prefix + "sample_vjp",
        {modelParams, samplerParams, noiseBuffer, x0, x, v, scalar, scalar,
         scalar, x, v, scalar, scalar, stats, scalar, gradModel, gradSampler},
        error);
    llvm::Function *samplerVjp =
        checkedEntry(prefix + "sampler_vjp",
                     {modelParams, samplerParams, noiseBuffer, x0, x, v, scalar,
                      scalar, scalar, gradSampler},
                     error);
    if (!sample || !vjp || !samplerVjp)
      return nullptr;
    return llvm::ConstantStruct::get(
        samplerInfo,
        {str(s.name), str(llvm::StringRef(s.doc).rtrim("\n")),
         llvm::ConstantInt::get(i32, s.model),
         llvm::ConstantInt::get(i32, dtype(model.dataType.elem)),
         llvm::ConstantInt::get(i32, s.params.size()), paramsArray(s.params),
         llvm::ConstantInt::get(i64, samplerSize),
         llvm::ConstantInt::get(i32, s.takesInitialState),
         llvm::ConstantInt::get(i32, s.returnsMomentum),
         llvm::ConstantInt::get(i64, noiseSize),
         llvm::ConstantInt::get(i32, draws.size()),
         array(drawInfo, draws, "ade.draws"),
         llvm::ConstantInt::get(i32, numStats),
         array(ptr, statNames, "ade.stat_names"), sample, vjp, samplerVjp,
         flopsConstant(samplerFlops, {prefix + "sample", prefix + "sample_vjp",
                                      prefix + "sampler_vjp"})});
  }

  /// A buffer argument of an entry: flat (`shape` = {size}) or batched
  /// (`shape` = one particle's shape; the buffer is [batch, shape...]).
  struct Buffer {
    bool batched;
    std::vector<int64_t> shape;
    bool optional = false; // may be null (an empty parameter buffer)
    bool unused = false;   // not passed on (an empty gradient buffer)
  };

  /// int32_t name(void *buffers..., int64_t batch, int32_t threads):
  /// checks the arguments (ADE_ERROR_NULL_POINTER, ADE_ERROR_BAD_BATCH),
  /// then calls the MLIR entry `name` with memref descriptors.
  llvm::Function *checkedEntry(const std::string &name,
                               llvm::ArrayRef<Buffer> buffers,
                               std::string &error) {
    llvm::Function *entry = m.getFunction(name);
    if (!entry) {
      error = "internal: no entry '" + name + "' was generated";
      return nullptr;
    }
    std::vector<llvm::Type *> argTypes(buffers.size(), ptr);
    argTypes.push_back(i64);
    argTypes.push_back(i32);
    auto *type = llvm::FunctionType::get(i32, argTypes, false);
    auto *fn = llvm::Function::Create(type, llvm::GlobalValue::InternalLinkage,
                                      name + ".checked", m);
    llvm::Value *batch = fn->getArg(buffers.size()),
                *threads = fn->getArg(buffers.size() + 1);
    auto *start = llvm::BasicBlock::Create(ctx, "start", fn);
    auto *checkBatch = llvm::BasicBlock::Create(ctx, "check_batch", fn);
    auto *call = llvm::BasicBlock::Create(ctx, "call", fn);
    auto *nullError = llvm::BasicBlock::Create(ctx, "null_pointer", fn);
    auto *batchError = llvm::BasicBlock::Create(ctx, "bad_batch", fn);
    llvm::IRBuilder<> b(start);
    llvm::Value *anyNull = b.getFalse();
    for (auto [i, buffer] : llvm::enumerate(buffers))
      if (!buffer.optional)
        anyNull = b.CreateOr(anyNull, b.CreateIsNull(fn->getArg(i)));
    b.CreateCondBr(anyNull, nullError, checkBatch);
    b.SetInsertPoint(checkBatch);
    b.CreateCondBr(b.CreateICmpSLE(batch, llvm::ConstantInt::get(i64, 0)),
                   batchError, call);

    b.SetInsertPoint(call);
    auto c64 = [&](int64_t v) -> llvm::Value * {
      return llvm::ConstantInt::get(i64, v);
    };
    // Each buffer as a memref descriptor: allocated, aligned, offset,
    // sizes..., strides... (row-major).
    std::vector<llvm::Value *> args;
    for (auto [i, buffer] : llvm::enumerate(buffers)) {
      if (buffer.unused)
        continue;
      llvm::Value *p = fn->getArg(i);
      args.insert(args.end(), {p, p, c64(0)});
      std::vector<llvm::Value *> sizes;
      std::vector<int64_t> dims = buffer.shape;
      if (buffer.batched)
        sizes.push_back(batch);
      for (int64_t d : dims)
        sizes.push_back(c64(d));
      std::vector<int64_t> strides(dims.size() + 1, 1);
      for (size_t d = dims.size(); d-- > 0;)
        strides[d] = strides[d + 1] * dims[d];
      args.insert(args.end(), sizes.begin(), sizes.end());
      for (size_t d = buffer.batched ? 0 : 1; d < strides.size(); ++d)
        args.push_back(c64(strides[d]));
    }
    args.push_back(threads);
    if (entry->getFunctionType()->getNumParams() != args.size()) {
      error = "internal: entry '" + name + "' has an unexpected signature";
      return nullptr;
    }
    b.CreateCall(entry, args);
    b.CreateRet(llvm::ConstantInt::get(i32, 0));
    b.SetInsertPoint(nullError);
    b.CreateRet(llvm::ConstantInt::get(i32, 1));
    b.SetInsertPoint(batchError);
    b.CreateRet(llvm::ConstantInt::get(i32, 2));
    return fn;
  }

  /// A model's ade_model_info with its checked entries.
  llvm::Constant *modelConstant(const tir::Model &model, std::string &error) {
    int64_t size = tir::paramBufferSize(program, model.params);
    Buffer params{false, {size}, size == 0};
    Buffer x{true, model.dataType.shape};
    Buffer scalar{true, {}};
    Buffer grads{false, {size}, size == 0, size == 0};
    std::string prefix = "ade_" + model.name + "_";
    // Score matching takes a probe above the dense limit (ade-build-kernels).
    mlir::DictionaryAttr smInfo = entryInfo(prefix + "score_matching");
    bool probe = smInfo && smInfo.getAs<mlir::IntegerAttr>("inputs") &&
                 smInfo.getAs<mlir::IntegerAttr>("inputs").getInt() == 2;
    Buffer probeBuffer{true, model.dataType.shape, !probe, !probe};
    std::vector<llvm::Constant *> entries;
    std::vector<std::string> names;
    for (auto &[kind, buffers] :
         std::vector<std::pair<std::string, std::vector<Buffer>>>{
             {"energy", {params, x, scalar}},
             {"grad_energy", {params, x, scalar, x}},
             {"energy_vjp", {params, x, scalar, grads}},
             {"score_matching", {params, x, probeBuffer, scalar}},
             {"score_matching_vjp", {params, x, probeBuffer, scalar, grads}}}) {
      llvm::Function *fn = checkedEntry(prefix + kind, buffers, error);
      if (!fn)
        return nullptr;
      entries.push_back(fn);
      names.push_back(prefix + kind);
    }
    return llvm::ConstantStruct::get(
        modelInfo,
        {str(model.name), str(llvm::StringRef(model.doc).rtrim("\n")),
         llvm::ConstantInt::get(i32, dtype(model.dataType.elem)),
         llvm::ConstantInt::get(i32, model.dataType.shape.size()),
         shape(model.dataType.shape),
         llvm::ConstantInt::get(i64, model.dataType.numElements()),
         llvm::ConstantInt::get(i32, model.params.size()),
         paramsArray(model.params), llvm::ConstantInt::get(i64, size),
         llvm::ConstantInt::get(i32, tileSizeFor(size, options.tileSize,
                                                 options.mediumTileSize,
                                                 options.largeTileSize)),
         entries[0], entries[1], entries[2], llvm::ConstantInt::get(i32, probe),
         entries[3], entries[4], flopsConstant(modelFlops, names)});
  }

  void exportedFunction(llvm::StringRef name, llvm::Type *result,
                        llvm::function_ref<void(llvm::IRBuilder<> &)> body) {
    auto *fn =
        llvm::Function::Create(llvm::FunctionType::get(result, false),
                               llvm::GlobalValue::ExternalLinkage, name, m);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
    body(b);
  }

  llvm::Module &m;
  llvm::LLVMContext &ctx;
  mlir::ModuleOp mlir;
  const tir::Program &program;
  const CodegenOptions &options;
  std::vector<int64_t> offsets;
  llvm::PointerType *ptr;
  llvm::Type *i32, *i64, *f64;
  llvm::StructType *paramInfo, *modelFlops, *modelInfo, *samplerFlops,
      *samplerInfo, *drawInfo, *cudaKernel, *cudaInfo, *libraryInfo;
  llvm::StringMap<llvm::Constant *> strings;
};

} // namespace

std::unique_ptr<llvm::Module>
ade::buildLLVMModule(mlir::ModuleOp module, llvm::LLVMContext &context,
                     const tir::Program &program, const CodegenOptions &options,
                     std::string &error) {
  std::unique_ptr<llvm::Module> m =
      mlir::translateModuleToLLVMIR(module, context, "model");
  if (!m) {
    error = "internal: translation to LLVM IR failed";
    return nullptr;
  }
  // Only the ABI is exported: kernels, entries and metadata are internal.
  for (llvm::Function &f : m->functions())
    if (!f.isDeclaration())
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  defineThreadWorkspace(*m);
  MetadataBuilder builder(*m, module, program, options);
  if (!builder.build(error))
    return nullptr;
  return m;
}
