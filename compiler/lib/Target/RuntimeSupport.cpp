//===- RuntimeSupport.cpp - Functions the lowered code calls --------------===//

#include "RuntimeSupport.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

using namespace llvm;

void ade::defineThreadWorkspace(Module &m) {
  Function *acquire = m.getFunction("ade.thread_workspace");
  if (!acquire || !acquire->isDeclaration())
    return;
  LLVMContext &ctx = m.getContext();
  Type *ptr = PointerType::getUnqual(ctx);
  Type *i32 = Type::getInt32Ty(ctx);
  Type *i64 = Type::getInt64Ty(ctx);
  Type *voidTy = Type::getVoidTy(ctx);
  StructType *slotType = StructType::get(ctx, {ptr, i64});
  FunctionCallee freeFn = m.getOrInsertFunction(
      "free", FunctionType::get(voidTy, {ptr}, false));
  FunctionCallee alignedAlloc = m.getOrInsertFunction(
      "aligned_alloc", FunctionType::get(ptr, {i64, i64}, false));
  FunctionCallee fputs = m.getOrInsertFunction(
      "fputs", FunctionType::get(i32, {ptr, ptr}, false));
  FunctionCallee abortFn =
      m.getOrInsertFunction("abort", FunctionType::get(voidTy, false));
  // glibc's hook behind C++ thread_local destructors.
  FunctionCallee atThreadExit = m.getOrInsertFunction(
      "__cxa_thread_atexit_impl",
      FunctionType::get(i32, {ptr, ptr, ptr}, false));
  auto *stderrVar = cast<GlobalVariable>(m.getOrInsertGlobal("stderr", ptr));
  auto *dsoHandle = cast<GlobalVariable>(
      m.getOrInsertGlobal("__dso_handle", Type::getInt8Ty(ctx)));
  dsoHandle->setVisibility(GlobalValue::HiddenVisibility);

  // At thread exit: free the slot's buffer.
  Function *release = Function::Create(FunctionType::get(voidTy, {ptr}, false),
                                       GlobalValue::InternalLinkage,
                                       "ade.thread_workspace.release", m);
  {
    IRBuilder<> b(BasicBlock::Create(ctx, "entry", release));
    Value *slot = release->getArg(0);
    b.CreateCall(freeFn, {b.CreateLoad(ptr, slot)});
    b.CreateStore(ConstantPointerNull::get(cast<PointerType>(ptr)), slot);
    b.CreateStore(ConstantInt::get(i64, 0), b.CreateStructGEP(slotType, slot, 1));
    b.CreateRetVoid();
  }

  acquire->setLinkage(GlobalValue::InternalLinkage);
  Value *slot = acquire->getArg(0);
  Value *bytes = acquire->getArg(1);
  auto *entry = BasicBlock::Create(ctx, "entry", acquire);
  auto *grow = BasicBlock::Create(ctx, "grow", acquire);
  auto *failed = BasicBlock::Create(ctx, "out_of_memory", acquire);
  auto *store = BasicBlock::Create(ctx, "store", acquire);
  auto *registerRelease = BasicBlock::Create(ctx, "register", acquire);
  auto *done = BasicBlock::Create(ctx, "done", acquire);
  IRBuilder<> b(entry);
  Value *sizeAddr = b.CreateStructGEP(slotType, slot, 1);
  Value *current = b.CreateLoad(ptr, slot);
  Value *size = b.CreateLoad(i64, sizeAddr);
  b.CreateCondBr(b.CreateICmpUGE(size, bytes), done, grow);

  b.SetInsertPoint(grow);
  b.CreateCall(freeFn, {current});
  // aligned_alloc wants a multiple of the alignment.
  Value *rounded = b.CreateAnd(b.CreateAdd(bytes, ConstantInt::get(i64, 63)),
                               ConstantInt::get(i64, ~int64_t(63)));
  Value *fresh =
      b.CreateCall(alignedAlloc, {ConstantInt::get(i64, 64), rounded});
  b.CreateCondBr(b.CreateIsNull(fresh), failed, store);

  b.SetInsertPoint(failed);
  Value *message = b.CreateGlobalString(
      "ade: out of memory for a kernel workspace\n", "ade.oom_message");
  b.CreateCall(fputs, {message, b.CreateLoad(ptr, stderrVar)});
  b.CreateCall(abortFn);
  b.CreateUnreachable();

  b.SetInsertPoint(store);
  b.CreateStore(fresh, slot);
  b.CreateStore(rounded, sizeAddr);
  b.CreateCondBr(b.CreateIsNull(current), registerRelease, done);

  b.SetInsertPoint(registerRelease);
  b.CreateCall(atThreadExit, {release, slot, dsoHandle});
  b.CreateBr(done);

  b.SetInsertPoint(done);
  PHINode *result = b.CreatePHI(ptr, 3);
  result->addIncoming(current, entry);
  result->addIncoming(fresh, store);
  result->addIncoming(fresh, registerRelease);
  b.CreateRet(result);
}
