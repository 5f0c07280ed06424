// File and memory byte sources.
#include "byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "audio_error.h"

namespace audiomap::audio {
namespace {

class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  int64_t Size() const override { return static_cast<int64_t>(bytes_.size()); }
  size_t ReadAt(int64_t offset, void *dst, size_t n) const override {
    if (offset < 0 || offset >= Size()) return 0;
    const size_t count = std::min(n, bytes_.size() - static_cast<size_t>(offset));
    std::memcpy(dst, bytes_.data() + offset, count);
    return count;
  }

 private:
  std::vector<uint8_t> bytes_;
};

// pread() on one descriptor: no shared file position, nothing read ahead of what libsndfile asks.
class FileSource : public ByteSource {
 public:
  FileSource(int fd, int64_t size) : fd_(fd), size_(size) {}
  ~FileSource() override { close(fd_); }
  int64_t Size() const override { return size_; }
  size_t ReadAt(int64_t offset, void *dst, size_t n) const override {
    size_t total = 0;
    while (total < n && offset + static_cast<int64_t>(total) < size_) {
      const ssize_t got = pread(fd_, static_cast<char *>(dst) + total, n - total,
                                static_cast<off_t>(offset + static_cast<int64_t>(total)));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      total += static_cast<size_t>(got);
    }
    return total;
  }

 private:
  int fd_;
  int64_t size_;
};

}  // namespace

std::unique_ptr<ByteSource> ByteSource::FromPath(const std::string &path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below); it has
  // no effect on reads of a regular file.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int error = errno;
    throw AudioError(error == ENOENT || error == ENOTDIR ? kNotFound : kDecode,
                     path + ": " + std::strerror(error));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    throw AudioError(kNotFound, path + ": not a regular file");
  }
  if (st.st_size == 0) {
    close(fd);
    throw AudioError(kEmpty, path + ": the file is empty (0 bytes)");
  }
  return std::make_unique<FileSource>(fd, static_cast<int64_t>(st.st_size));
}

std::unique_ptr<ByteSource> ByteSource::FromBytes(std::vector<uint8_t> bytes,
                                                  const std::string &name) {
  if (bytes.empty()) throw AudioError(kEmpty, name + ": no bytes");
  return std::make_unique<MemorySource>(std::move(bytes));
}

}  // namespace audiomap::audio
