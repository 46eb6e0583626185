//===- SharedLibrary.cpp - Link model.so ----------------------------------===//

#include "ade/Target/Codegen.h"

#include "lld/Common/Driver.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

LLD_HAS_DRIVER(elf)

using namespace ade;

/// Where the OpenMP runtime the kernels call lives (LLVM's libomp: the
/// OpenMP lowering emits __kmpc_* calls, which libgomp does not provide).
static constexpr const char *kOpenMPLibDir = "/usr/lib/llvm-22/lib";

bool ade::linkSharedLibrary(llvm::ArrayRef<ObjectCode> objects,
                            std::string &library, std::string &error) {
  llvm::SmallVector<std::string> temporaries;
  llvm::scope_exit removeTemporaries([&] {
    for (const std::string &path : temporaries)
      llvm::sys::fs::remove(path);
  });
  auto temporaryFile = [&](llvm::StringRef suffix, int &fd) {
    llvm::SmallString<128> path;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("ade-model", suffix, fd, path)) {
      error = "cannot create a temporary file: " + ec.message();
      return std::string();
    }
    temporaries.push_back(path.str().str());
    return temporaries.back();
  };
  llvm::SmallVector<std::string> objectPaths;
  for (const ObjectCode &object : objects) {
    int fd;
    std::string path = temporaryFile("o", fd);
    if (path.empty())
      return false;
    objectPaths.push_back(path);
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(object.data(), object.size());
    os.close();
    if (os.has_error()) {
      error = "cannot write a temporary object file: " + os.error().message();
      os.clear_error();
      return false;
    }
  }

  int fd;
  std::string linked = temporaryFile("so", fd);
  if (linked.empty())
    return false;
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  // No C runtime start files: the kernels have no static constructors, and
  // lld defines the __dso_handle of thread-local destructors itself.
  llvm::SmallVector<const char *> args{
      "ld.lld",  "--hash-style=gnu", "--build-id", "--eh-frame-hdr",
      "-shared", "--no-undefined",   "-o",         linked.c_str()};
  for (const std::string &path : objectPaths)
    args.push_back(path.c_str());
  args.append({"-L", kOpenMPLibDir, "-lomp", "-rpath", kOpenMPLibDir,
               ADE_LIBM_PATH, ADE_LIBC_PATH});
  std::string message;
  llvm::raw_string_ostream messages(message);
  lld::Result result =
      lld::lldMain(args, messages, messages, {{lld::Gnu, &lld::elf::link}});
  if (result.retCode != 0) {
    error = "linking failed" + (message.empty() ? "" : ": " + message);
    return false;
  }
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> bytes =
      llvm::MemoryBuffer::getFile(linked, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!bytes) {
    error = "cannot read the linked library: " + bytes.getError().message();
    return false;
  }
  library = (*bytes)->getBuffer().str();
  return true;
}
