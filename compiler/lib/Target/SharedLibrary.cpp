//===- SharedLibrary.cpp - Link model.so ----------------------------------===//

#include "ade/Target/Codegen.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace ade;

/// Where the OpenMP runtime the kernels call lives (LLVM's libomp: the
/// OpenMP lowering emits __kmpc_* calls, which libgomp does not provide).
static constexpr const char *kOpenMPLibDir = "/usr/lib/llvm-22/lib";

bool ade::linkSharedLibrary(llvm::ArrayRef<ObjectCode> objects,
                            llvm::StringRef output, std::string &error) {
  llvm::SmallVector<std::string> objectPaths;
  llvm::scope_exit removeObjects([&] {
    for (const std::string &path : objectPaths)
      llvm::sys::fs::remove(path);
  });
  for (const ObjectCode &object : objects) {
    llvm::SmallString<128> objectPath;
    int fd;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "ade-model", "o", fd, objectPath)) {
      error = "cannot create a temporary object file: " + ec.message();
      return false;
    }
    objectPaths.push_back(objectPath.str().str());
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(object.data(), object.size());
  }

  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName("clang-22");
  if (!driver)
    driver = llvm::sys::findProgramByName("cc");
  if (!driver) {
    error = "no linker driver found (clang-22 or cc)";
    return false;
  }

  // Link next to the output, then rename: the output appears complete or
  // not at all.
  std::string temporary = (output + ".tmp").str();
  std::string rpath = std::string("-Wl,-rpath,") + kOpenMPLibDir;
  std::string libDir = std::string("-L") + kOpenMPLibDir;
  llvm::SmallVector<llvm::StringRef> args{*driver, "-shared", "-o", temporary};
  args.append(objectPaths.begin(), objectPaths.end());
  args.append({libDir, "-lomp", rpath, "-lm", "-Wl,--no-undefined"});
  std::string message;
  int status = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, {}, 0, 0,
                                         &message);
  if (status != 0) {
    llvm::sys::fs::remove(temporary);
    error = "linking '" + output.str() + "' failed" +
            (message.empty() ? "" : ": " + message);
    return false;
  }
  if (std::error_code ec = llvm::sys::fs::rename(temporary, output)) {
    llvm::sys::fs::remove(temporary);
    error = "cannot write '" + output.str() + "': " + ec.message();
    return false;
  }
  return true;
}
