//===- LLVMModule.cpp - LLVM IR with the model.so C ABI -------------------===//
//
// The metadata structs below mirror runtime/include/ade/abi.h field by
// field; LLVM lays out non-packed structs with the C rules of the target's
// data layout, so the two agree (the loader test reads them through the
// header).
//
//===----------------------------------------------------------------------===//

#include "ade/Target/Codegen.h"

#include "RuntimeSupport.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

using namespace ade;

namespace {

/// Mirrors ADE_ABI_VERSION in runtime/include/ade/abi.h.
constexpr uint32_t kAbiVersion = 1;

class MetadataBuilder {
public:
  MetadataBuilder(llvm::Module &m, const tir::Program &program,
                  const CodegenOptions &options)
      : m(m), ctx(m.getContext()), program(program), options(options),
        offsets(tir::computeParamOffsets(program)) {
    ptr = llvm::PointerType::getUnqual(ctx);
    i32 = llvm::Type::getInt32Ty(ctx);
    i64 = llvm::Type::getInt64Ty(ctx);
    f64 = llvm::Type::getDoubleTy(ctx);
    paramInfo = llvm::StructType::create(
        ctx,
        {ptr, i32, ptr, i64, i64, i32, f64, f64, i64, i64, ptr, ptr},
        "ade_param_info");
    modelInfo = llvm::StructType::create(
        ctx, {ptr, ptr, i32, i32, ptr, i64, i32, ptr, i64, i32, ptr},
        "ade_model_info");
    samplerInfo = llvm::StructType::create(
        ctx, {ptr, ptr, i32, i32, i32, ptr, i64, i32, i32, ptr},
        "ade_sampler_info");
    libraryInfo = llvm::StructType::create(
        ctx, {i32, ptr, ptr, i32, ptr, i32, ptr}, "ade_library_info");
  }

  bool build(std::string &error) {
    std::vector<llvm::Constant *> models;
    for (const tir::Model &model : program.models) {
      llvm::Function *wrapper = energyWrapper(model, error);
      if (!wrapper)
        return false;
      models.push_back(modelConstant(model, wrapper));
    }
    std::vector<llvm::Constant *> samplers;
    for (const tir::Sampler &s : program.samplers)
      samplers.push_back(samplerConstant(s));

    llvm::Constant *library = llvm::ConstantStruct::get(
        libraryInfo,
        {llvm::ConstantInt::get(i32, kAbiVersion),
         str(options.compilerVersion), str(options.sourcePath),
         llvm::ConstantInt::get(i32, models.size()),
         array(modelInfo, models, "ade.models"),
         llvm::ConstantInt::get(i32, samplers.size()),
         array(samplerInfo, samplers, "ade.samplers")});
    auto *global = new llvm::GlobalVariable(
        m, libraryInfo, /*isConstant=*/true,
        llvm::GlobalValue::PrivateLinkage, library, "ade.library");
    exportedFunction("ade_library", ptr, [&](llvm::IRBuilder<> &b) {
      b.CreateRet(global);
    });
    exportedFunction("ade_abi_version", i32, [&](llvm::IRBuilder<> &b) {
      b.CreateRet(llvm::ConstantInt::get(i32, kAbiVersion));
    });
    return true;
  }

private:
  llvm::Constant *str(llvm::StringRef s) {
    auto it = strings.find(s);
    if (it != strings.end())
      return it->second;
    llvm::Constant *c = llvm::ConstantDataArray::getString(ctx, s);
    auto *g = new llvm::GlobalVariable(m, c->getType(), true,
                                       llvm::GlobalValue::PrivateLinkage, c,
                                       "ade.str");
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
    return new llvm::GlobalVariable(m, type, true,
                                    llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(type, elems),
                                    name);
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
           llvm::ConstantInt::get(
               i32, kinds[static_cast<int>(p.init.kind)]),
           llvm::ConstantFP::get(f64, p.init.a),
           llvm::ConstantFP::get(f64, p.init.b),
           llvm::ConstantInt::get(i64, p.init.fanIn),
           llvm::ConstantInt::get(i64, p.init.fanOut), str(p.init.str()),
           str(llvm::StringRef(p.doc).rtrim("\n"))}));
    }
    return array(paramInfo, infos, "ade.params");
  }

  llvm::Constant *modelConstant(const tir::Model &model,
                                llvm::Function *energy) {
    return llvm::ConstantStruct::get(
        modelInfo,
        {str(model.name), str(llvm::StringRef(model.doc).rtrim("\n")),
         llvm::ConstantInt::get(i32, dtype(model.dataType.elem)),
         llvm::ConstantInt::get(i32, model.dataType.shape.size()),
         shape(model.dataType.shape),
         llvm::ConstantInt::get(i64, model.dataType.numElements()),
         llvm::ConstantInt::get(i32, model.params.size()),
         paramsArray(model.params),
         llvm::ConstantInt::get(i64,
                                tir::paramBufferSize(program, model.params)),
         llvm::ConstantInt::get(i32, options.tileSize), energy});
  }

  llvm::Constant *samplerConstant(const tir::Sampler &s) {
    const tir::Model &model = program.models[s.model];
    return llvm::ConstantStruct::get(
        samplerInfo,
        {str(s.name), str(llvm::StringRef(s.doc).rtrim("\n")),
         llvm::ConstantInt::get(i32, s.model),
         llvm::ConstantInt::get(i32, dtype(model.dataType.elem)),
         llvm::ConstantInt::get(i32, s.params.size()),
         paramsArray(s.params),
         llvm::ConstantInt::get(i64, tir::paramBufferSize(program, s.params)),
         llvm::ConstantInt::get(i32, s.takesInitialState),
         llvm::ConstantInt::get(i32, s.returnsMomentum),
         llvm::ConstantPointerNull::get(ptr)});
  }

  /// int32_t energy(const void *params, const void *x, void *f,
  ///                int64_t batch, int32_t threads): checks the arguments,
  /// then calls the MLIR entry with memref descriptors.
  llvm::Function *energyWrapper(const tir::Model &model, std::string &error) {
    std::string entryName = "ade_" + model.name + "_energy";
    llvm::Function *entry = m.getFunction(entryName);
    if (!entry) {
      error = "internal: no entry '" + entryName + "' was generated";
      return nullptr;
    }
    auto *type =
        llvm::FunctionType::get(i32, {ptr, ptr, ptr, i64, i32}, false);
    auto *fn = llvm::Function::Create(type, llvm::GlobalValue::InternalLinkage,
                                      entryName + ".checked", m);
    llvm::Value *params = fn->getArg(0), *x = fn->getArg(1),
                *f = fn->getArg(2), *batch = fn->getArg(3),
                *threads = fn->getArg(4);
    auto *start = llvm::BasicBlock::Create(ctx, "start", fn);
    auto *checkBatch = llvm::BasicBlock::Create(ctx, "check_batch", fn);
    auto *call = llvm::BasicBlock::Create(ctx, "call", fn);
    auto *nullError = llvm::BasicBlock::Create(ctx, "null_pointer", fn);
    auto *batchError = llvm::BasicBlock::Create(ctx, "bad_batch", fn);
    llvm::IRBuilder<> b(start);
    int64_t paramsSize = tir::paramBufferSize(program, model.params);
    llvm::Value *anyNull = b.CreateOr(b.CreateIsNull(x), b.CreateIsNull(f));
    if (paramsSize > 0)
      anyNull = b.CreateOr(anyNull, b.CreateIsNull(params));
    b.CreateCondBr(anyNull, nullError, checkBatch);
    b.SetInsertPoint(checkBatch);
    b.CreateCondBr(b.CreateICmpSLE(batch, llvm::ConstantInt::get(i64, 0)),
                   batchError, call);

    b.SetInsertPoint(call);
    auto c64 = [&](int64_t v) { return llvm::ConstantInt::get(i64, v); };
    // memref<?xE> params, memref<?xdata...xE> x, memref<?xE> f: (allocated,
    // aligned, offset, sizes..., strides...) each.
    std::vector<llvm::Value *> args{params, params, c64(0), c64(paramsSize),
                                    c64(1), x, x, c64(0), batch};
    const std::vector<int64_t> &data = model.dataType.shape;
    for (int64_t d : data)
      args.push_back(c64(d));
    // Row-major strides of [batch, data...].
    std::vector<int64_t> strides(data.size() + 1, 1);
    for (size_t i = data.size(); i-- > 0;)
      strides[i] = strides[i + 1] * data[i];
    for (int64_t s : strides)
      args.push_back(c64(s));
    for (llvm::Value *v : {f, f, (llvm::Value *)c64(0), batch,
                           (llvm::Value *)c64(1)})
      args.push_back(v);
    args.push_back(threads);
    if (entry->getFunctionType()->getNumParams() != args.size()) {
      error = "internal: entry '" + entryName + "' has an unexpected "
              "signature";
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

  void exportedFunction(llvm::StringRef name, llvm::Type *result,
                        llvm::function_ref<void(llvm::IRBuilder<> &)> body) {
    auto *fn = llvm::Function::Create(llvm::FunctionType::get(result, false),
                                      llvm::GlobalValue::ExternalLinkage, name,
                                      m);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
    body(b);
  }

  llvm::Module &m;
  llvm::LLVMContext &ctx;
  const tir::Program &program;
  const CodegenOptions &options;
  std::vector<int64_t> offsets;
  llvm::PointerType *ptr;
  llvm::Type *i32, *i64, *f64;
  llvm::StructType *paramInfo, *modelInfo, *samplerInfo, *libraryInfo;
  llvm::StringMap<llvm::Constant *> strings;
};

} // namespace

std::unique_ptr<llvm::Module>
ade::buildLLVMModule(mlir::ModuleOp module, llvm::LLVMContext &context,
                     const tir::Program &program,
                     const CodegenOptions &options, std::string &error) {
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
  MetadataBuilder builder(*m, program, options);
  if (!builder.build(error))
    return nullptr;
  return m;
}
