// A libsndfile handle opened on a path or on bytes in memory, read as mono float frames.
#pragma once

#include <sndfile.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace audiomap::audio {

/// What libsndfile reports about an opened file.
struct SoundInfo {
  int sampleRate = 0;
  int channels = 0;
  /// Frames per channel; -1 when the container does not say.
  int64_t frames = -1;
  std::string container;  // e.g. "WAV (Microsoft)"
  std::string encoding;   // e.g. "Signed 16 bit PCM"
};

/// One open input. Not thread-safe: one thread reads it at a time.
class SoundFile {
 public:
  /// Opens a file on disk. Throws AudioError (NOT_FOUND, UNSUPPORTED, DECODE, EMPTY).
  static std::unique_ptr<SoundFile> OpenPath(const std::string &path);
  /// Opens encoded bytes held in memory (for Parquet sources); takes ownership of them.
  static std::unique_ptr<SoundFile> OpenBytes(std::vector<uint8_t> bytes, const std::string &name);

  ~SoundFile();
  SoundFile(const SoundFile &) = delete;
  SoundFile &operator=(const SoundFile &) = delete;

  const SoundInfo &info() const { return info_; }

  /// Reads up to `maxFrames` frames, down-mixed to mono, into `out`. Returns the number read;
  /// 0 at the end. Throws AudioError DECODE on a read error and NONFINITE on NaN/Inf samples.
  size_t ReadMono(float *out, size_t maxFrames);

 private:
  SoundFile() = default;
  void Attach(SNDFILE *file, const SF_INFO &sfinfo, const std::string &name);

  static sf_count_t VirtualLength(void *self);
  static sf_count_t VirtualSeek(sf_count_t offset, int whence, void *self);
  static sf_count_t VirtualRead(void *ptr, sf_count_t count, void *self);
  static sf_count_t VirtualWrite(const void *ptr, sf_count_t count, void *self);
  static sf_count_t VirtualTell(void *self);

  SNDFILE *file_ = nullptr;
  SoundInfo info_;
  std::string name_;
  int64_t framesRead_ = 0;
  std::vector<float> interleaved_;
  // In-memory source: the bytes and the read position of the virtual file.
  std::vector<uint8_t> bytes_;
  sf_count_t position_ = 0;
  SF_VIRTUAL_IO io_{};
};

}  // namespace audiomap::audio
