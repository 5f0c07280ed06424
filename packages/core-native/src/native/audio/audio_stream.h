// Decoded, down-mixed and resampled audio, pulled in chunks of bounded size.
#pragma once

#include <memory>
#include <vector>

#include "resampler.h"
#include "sound_file.h"

namespace audiomap::audio {

/// Pulls mono float audio at the target rate from a SoundFile. Memory stays bounded by the
/// chunk size: nothing beyond one decode block and one output chunk is held.
class AudioStream {
 public:
  /// `targetRate` 0 keeps the file's own rate (no resampling).
  AudioStream(std::unique_ptr<SoundFile> file, int targetRate);

  const SoundInfo &info() const { return file_->info(); }
  int outputRate() const { return outputRate_; }

  /// Returns up to `maxFrames` output frames; an empty vector at the end. Throws AudioError
  /// EMPTY when the input turns out to contain no frames at all.
  std::vector<float> Read(size_t maxFrames);
  /// Reads everything that is left into one vector.
  std::vector<float> ReadAll();

 private:
  void Fill(size_t wanted);

  std::unique_ptr<SoundFile> file_;
  std::unique_ptr<Resampler> resampler_;
  int outputRate_;
  bool ended_ = false;
  int64_t inputFrames_ = 0;
  std::vector<float> block_;
  std::vector<float> pending_;
  size_t pendingOffset_ = 0;
};

}  // namespace audiomap::audio
