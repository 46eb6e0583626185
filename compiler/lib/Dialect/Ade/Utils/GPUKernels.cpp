//===- GPUKernels.cpp - Shared pieces of the GPU kernel builders ----------===//

#include "ade/Dialect/Ade/Utils/GPUKernels.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

FailureOr<std::optional<ade::TileInfo>> ade::getTileInfo(func::FuncOp tile) {
  auto attr = tile->getAttrOfType<DictionaryAttr>("ade.tile");
  if (!attr)
    return std::optional<TileInfo>();
  auto size = attr.getAs<IntegerAttr>("size");
  auto owners = attr.getAs<ArrayAttr>("owners");
  auto owner = attr.getAs<StringAttr>("owner");
  auto kind = attr.getAs<StringAttr>("kind");
  auto inputs = attr.getAs<IntegerAttr>("inputs");
  auto outputs = attr.getAs<IntegerAttr>("outputs");
  auto gradOwners = attr.getAs<DenseI64ArrayAttr>("grad_owners");
  auto cotangents = attr.getAs<DenseI64ArrayAttr>("cotangents");
  if (!size || !owners || !owner || !kind || !inputs || !outputs ||
      !gradOwners || !cotangents) {
    tile.emitError("internal: incomplete ade.tile attribute");
    return failure();
  }
  TileInfo info;
  info.size = size.getInt();
  if (auto hoisted = attr.getAs<IntegerAttr>("hoisted")) {
    auto uniform = attr.getAs<FlatSymbolRefAttr>("uniform");
    if (!uniform) {
      tile.emitError("internal: incomplete ade.tile attribute");
      return failure();
    }
    info.numHoisted = hoisted.getInt();
    info.uniform = uniform.getValue();
  }
  info.numParams = owners.size() + info.numHoisted;
  info.numBatched = inputs.getInt() + outputs.getInt();
  info.numOutputs = outputs.getInt();
  info.numGrads = gradOwners.size();
  info.cotangent.assign(inputs.getInt(), false);
  for (int64_t i : cotangents.asArrayRef())
    if (i >= 0 && i < inputs.getInt())
      info.cotangent[i] = true;
  if (tile.getNumArguments() !=
      info.numParams + info.numBatched + info.numGrads) {
    tile.emitError("internal: a tile function's arguments do not match its "
                   "ade.tile attribute");
    return failure();
  }
  info.owner = owner.getValue();
  info.kind = kind.getValue();
  info.kernelName = ("ade_" + info.owner + "_" + info.kind).str();
  return std::optional<TileInfo>(info);
}

FailureOr<SmallVector<std::pair<func::FuncOp, ade::TileInfo>>>
ade::kernelTiles(ModuleOp module, ArrayRef<std::string> exclude, bool withVJPs,
                 function_ref<bool(int64_t)> sizeOk, StringRef sizeError) {
  SmallVector<std::pair<func::FuncOp, TileInfo>> tiles;
  for (auto tile : module.getOps<func::FuncOp>()) {
    FailureOr<std::optional<TileInfo>> info = getTileInfo(tile);
    if (failed(info))
      return failure();
    if (!*info)
      continue;
    // Values hoisted out of a tile are the CPU entries' (the GPU pipeline
    // does not run ade-hoist-uniform-work): a kernel would read them as
    // parameters that no one passes.
    if ((*info)->numHoisted) {
      tile.emitError("internal: a GPU kernel of a tile with hoisted values");
      return failure();
    }
    if (!sizeOk((*info)->size)) {
      tile.emitError(sizeError);
      return failure();
    }
    bool computes = (*info)->numOutputs > 0 || (*info)->numGrads > 0;
    if (!computes || ((*info)->isVJP() && !withVJPs) ||
        llvm::is_contained(exclude, (*info)->kernelName))
      continue;
    tiles.push_back({tile, **info});
  }
  return tiles;
}

gpu::GPUModuleOp ade::createGPUModule(ModuleOp module, StringRef name) {
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  auto gpuModule = gpu::GPUModuleOp::create(b, module.getLoc(), name);
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  b.getUnitAttr());
  return gpuModule;
}

void ade::keepOnlyGPUModule(ModuleOp module, gpu::GPUModuleOp gpuModule) {
  for (Operation &op : llvm::make_early_inc_range(*module.getBody()))
    if (&op != gpuModule.getOperation())
      op.erase();
}

LogicalResult ade::copyGlobals(gpu::GPUModuleOp gpuModule, func::FuncOp tile) {
  SymbolTable table(gpuModule);
  auto result = tile.walk([&](memref::GetGlobalOp get) {
    if (table.lookup(get.getName()))
      return WalkResult::advance();
    auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
        tile, get.getNameAttr());
    if (!global) {
      get.emitError("internal: no global ") << get.getName();
      return WalkResult::interrupt();
    }
    OpBuilder b(gpuModule.getBodyRegion());
    b.setInsertionPointToStart(gpuModule.getBody());
    table.insert(b.clone(*global));
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

bool ade::escapes(Value buffer) {
  SmallVector<Value> worklist{buffer};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
        if (view.getViewSource() == v) {
          llvm::append_range(worklist, user->getResults());
          continue;
        }
      }
      if (user->hasTrait<OpTrait::IsTerminator>() ||
          isa<RegionBranchOpInterface>(user) ||
          llvm::any_of(user->getResultTypes(), llvm::IsaPred<MemRefType>))
        return true;
    }
  }
  return false;
}

FailureOr<gpu::GPUFuncOp> ade::createKernel(gpu::GPUModuleOp gpuModule,
                                            func::FuncOp tile,
                                            const TileInfo &info,
                                            unsigned blockSize) {
  if (!tile.getBody().hasOneBlock()) {
    tile.emitError("internal: tile function with several blocks");
    return failure();
  }
  if (failed(copyGlobals(gpuModule, tile)))
    return failure();
  OpBuilder b(gpuModule.getBodyRegion());
  b.setInsertionPointToEnd(gpuModule.getBody());
  SmallVector<Type> argTypes(tile.getNumArguments());
  for (auto [i, t] : llvm::enumerate(tile.getArgumentTypes())) {
    auto type = cast<MemRefType>(t);
    if (!type.hasStaticShape()) {
      tile.emitError("internal: dynamic tile buffer");
      return failure();
    }
    size_t k = info.kernelArgument(i);
    bool batched = k >= info.numParams && k < info.numParams + info.numBatched;
    if (!batched)
      argTypes[k] = MemRefType::get(type.getShape(), type.getElementType());
    else
      argTypes[k] = MemRefType::get({kBatchedElements}, type.getElementType());
  }
  if (info.isVJP())
    argTypes.push_back(MemRefType::get({kBatchedElements}, b.getI8Type()));
  argTypes.push_back(b.getI64Type());
  auto kernel = gpu::GPUFuncOp::create(b, tile.getLoc(), info.kernelName,
                                       b.getFunctionType(argTypes, {}));
  kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  kernel.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({int32_t(blockSize), 1, 1}));
  kernel->setAttr("ade.owner", b.getStringAttr(info.owner));
  kernel->setAttr("ade.entry", b.getStringAttr(info.kind));
  return kernel;
}

void ade::markUnbuilt(gpu::GPUModuleOp gpuModule, gpu::GPUFuncOp kernel) {
  auto owner = kernel->getAttrOfType<StringAttr>("ade.owner");
  auto entry = kernel->getAttrOfType<StringAttr>("ade.entry");
  if (!owner || !entry)
    return;
  SmallVector<Attribute> unbuilt;
  if (auto list = gpuModule->getAttrOfType<ArrayAttr>("ade.unbuilt"))
    llvm::append_range(unbuilt, list);
  unbuilt.push_back(StringAttr::get(
      kernel.getContext(), "ade_" + owner.getValue() + "_" + entry.getValue()));
  gpuModule->setAttr("ade.unbuilt",
                     ArrayAttr::get(kernel.getContext(), unbuilt));
}
