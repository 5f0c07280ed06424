// The encoded bytes of one input, from a file or from memory, behind one interface. libsndfile
// reads both through the same virtual IO, so a path and its bytes decode identically: the
// format is always found from the content, never from the file name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace audiomap::audio {

/// Random-access reads of an input's bytes. Not thread-safe: one thread reads it at a time.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Total length in bytes (fixed when the source was opened).
  virtual int64_t Size() const = 0;
  /// Copies up to `n` bytes starting at `offset` into `dst`; returns how many were copied
  /// (0 at or past the end, fewer on a read error).
  virtual size_t ReadAt(int64_t offset, void *dst, size_t n) const = 0;

  /// Opens a regular file. Throws AudioError NOT_FOUND (missing, not a regular file), EMPTY
  /// (0 bytes) or DECODE (cannot be opened).
  static std::unique_ptr<ByteSource> FromPath(const std::string &path);
  /// Takes ownership of bytes held in memory. Throws AudioError EMPTY when there are none.
  static std::unique_ptr<ByteSource> FromBytes(std::vector<uint8_t> bytes, const std::string &name);
};

}  // namespace audiomap::audio
