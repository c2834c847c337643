#include "smartcamrt/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot write '" + temp + "': " + errno_text());
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = errno_text();
      ::close(fd);
      throw Error("cannot write '" + temp + "': " + reason);
    }
    done += static_cast<size_t>(n);
  }
  // On the card before the rename: otherwise a power cut may leave the new name on empty data.
  if (::fsync(fd) != 0 || ::close(fd) != 0) throw Error("cannot write '" + temp + "': " + errno_text());
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    throw Error("cannot rename '" + temp + "' to '" + path + "': " + errno_text());
  }
  // The rename itself is durable once the folder is synced.
  std::string dir = std::filesystem::path(path).parent_path().string();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace smartcamrt
