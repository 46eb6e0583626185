//===- AtomicFile.cpp - Files that appear whole or not at all -------------===//

#include "ade/runtime/AtomicFile.h"

#include "ade/runtime/Error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace ade {

namespace {
[[noreturn]] void fail(const std::string &what, const std::string &path) {
  throw Error("cannot " + what + " '" + path + "': " + std::strerror(errno));
}
} // namespace

void writeFileAtomically(const std::string &path, std::string_view contents) {
  std::string temp = path + ".tmp." + std::to_string(getpid());
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    fail("write", path);
  const char *data = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    ssize_t n = write(fd, data, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int saved = errno;
      close(fd);
      unlink(temp.c_str());
      errno = saved;
      fail("write", path);
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  bool synced = fsync(fd) == 0;
  int syncErrno = errno;
  if (close(fd) != 0 || !synced) {
    if (!synced)
      errno = syncErrno;
    int saved = errno;
    unlink(temp.c_str());
    errno = saved;
    fail("write", path);
  }
  if (rename(temp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    unlink(temp.c_str());
    errno = saved;
    fail("replace", path);
  }
}

} // namespace ade
