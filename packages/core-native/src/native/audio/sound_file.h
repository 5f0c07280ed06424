// A libsndfile handle opened on a path or on bytes in memory, read as mono float frames.
#pragma once

#include <sndfile.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "byte_source.h"

namespace audiomap::audio {

/// What libsndfile reports about an opened file.
struct SoundInfo {
  int sampleRate = 0;
  int channels = 0;
  /// Frames per channel present in the file; -1 when the container does not say. For raw MPEG
  /// without a Xing/VBRI header this is libsndfile's estimate.
  int64_t frames = -1;
  /// Frames the header states exactly (more than `frames` when a WAV or AIFF is truncated);
  /// -1 when it states none. See DeclaredFrames in length_probe.h.
  int64_t declaredFrames = -1;
  std::string container;  // e.g. "WAV (Microsoft)"
  std::string encoding;   // e.g. "Signed 16 bit PCM"
};

/// One open input. Not thread-safe: one thread reads it at a time. Files and bytes are read
/// through the same libsndfile virtual IO, so both decode alike.
class SoundFile {
 public:
  /// Opens a file on disk. Throws AudioError (NOT_FOUND, UNSUPPORTED, DECODE, EMPTY,
  /// SAMPLE_RATE).
  static std::unique_ptr<SoundFile> OpenPath(const std::string &path);
  /// Opens encoded bytes held in memory (for Parquet sources); takes ownership of them.
  static std::unique_ptr<SoundFile> OpenBytes(std::vector<uint8_t> bytes, const std::string &name);

  ~SoundFile();
  SoundFile(const SoundFile &) = delete;
  SoundFile &operator=(const SoundFile &) = delete;

  const SoundInfo &info() const { return info_; }

  const std::string &name() const { return name_; }

  /// Reads up to `maxFrames` frames, down-mixed to mono, into `out`. Returns the number read;
  /// 0 at the end. A read error after some frames ends the input there and is kept in
  /// `readError()`; one before any frame throws AudioError DECODE. Throws NONFINITE on a NaN
  /// or Inf sample.
  size_t ReadMono(float *out, size_t maxFrames);
  /// libsndfile's message for the error that ended the input early, or "" when none did.
  const std::string &readError() const { return readError_; }
  /// Frames read so far.
  int64_t framesRead() const { return framesRead_; }

 private:
  SoundFile() = default;
  static std::unique_ptr<SoundFile> Open(std::unique_ptr<ByteSource> bytes,
                                         const std::string &name);

  static sf_count_t VirtualLength(void *self);
  static sf_count_t VirtualSeek(sf_count_t offset, int whence, void *self);
  static sf_count_t VirtualRead(void *ptr, sf_count_t count, void *self);
  static sf_count_t VirtualWrite(const void *ptr, sf_count_t count, void *self);
  static sf_count_t VirtualTell(void *self);

  SNDFILE *file_ = nullptr;
  SoundInfo info_;
  std::string name_;
  int64_t framesRead_ = 0;
  std::string readError_;
  size_t blockFrames_ = 0;
  std::vector<float> interleaved_;
  // The encoded bytes and the read position of the virtual file over them.
  std::unique_ptr<ByteSource> bytes_;
  sf_count_t position_ = 0;
  SF_VIRTUAL_IO io_{};
};

}  // namespace audiomap::audio
