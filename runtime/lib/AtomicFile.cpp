//===- AtomicFile.cpp - Files that appear whole or not at all -------------===//

#include "ade/runtime/AtomicFile.h"

#include "ade/runtime/Error.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ade {

namespace {
[[noreturn]] void fail(const std::string &what, const std::string &path) {
  throw Error("cannot " + what + " '" + path + "': " + std::strerror(errno));
}

/// The file a chain of symbolic links at `path` ends in (`path` itself
/// when it is no link): replacing the link by a file would cut it. Fails
/// with ELOOP after 40 links. `special` is set when the chain passes
/// through /proc or /dev/fd (/dev/stdout is /proc/self/fd/1): those name a
/// file some process has open, which must be written in place, not
/// replaced.
bool followLinks(std::string &path, bool &special) {
  auto isSpecial = [](const std::string &p) {
    return p.rfind("/proc/", 0) == 0 || p.rfind("/dev/fd/", 0) == 0;
  };
  special = isSpecial(path);
  for (int depth = 0; depth < 40; ++depth) {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode))
      return true;
    char buffer[PATH_MAX];
    ssize_t n = readlink(path.c_str(), buffer, sizeof buffer - 1);
    if (n <= 0)
      return true;
    std::string target(buffer, static_cast<size_t>(n));
    size_t slash = path.rfind('/');
    if (target[0] != '/' && slash != std::string::npos)
      target = path.substr(0, slash + 1) + target;
    path = target;
    special |= isSpecial(path);
  }
  errno = ELOOP;
  return false;
}

/// Writes all of `contents` to `fd`; false with errno set on failure.
bool writeAll(int fd, std::string_view contents) {
  const char *data = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    ssize_t n = write(fd, data, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO;
      return false;
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}
} // namespace

void writeFileAtomically(const std::string &path, std::string_view contents) {
  struct stat st;
  bool exists = stat(path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT)
    fail("write", path);
  if (exists && S_ISDIR(st.st_mode)) {
    errno = EISDIR;
    fail("write", path);
  }
  std::string target = path;
  bool special = false;
  if (!followLinks(target, special))
    fail("write", path);
  // A device, a pipe or an open file named through /proc (/dev/stdout) is
  // written to, not replaced; appended to, as a shell's >> wants it.
  if (exists && (!S_ISREG(st.st_mode) || special)) {
    int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
      fail("write", path);
    bool written = writeAll(fd, contents);
    int saved = errno;
    if (close(fd) != 0 || !written) {
      if (!written)
        errno = saved;
      fail("write", path);
    }
    return;
  }
  std::string temp = target + ".tmp." + std::to_string(getpid());
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    fail("write", path);
  if (!writeAll(fd, contents)) {
    int saved = errno;
    close(fd);
    unlink(temp.c_str());
    errno = saved;
    fail("write", path);
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
  if (rename(temp.c_str(), target.c_str()) != 0) {
    int saved = errno;
    unlink(temp.c_str());
    errno = saved;
    fail("replace", path);
  }
}

} // namespace ade
