// Decoded, down-mixed and resampled audio, pulled in chunks of bounded size.
#pragma once

#include <memory>
#include <vector>

#include "decode_limits.h"
#include "resampler.h"
#include "sound_file.h"

namespace audiomap::audio {

/// Pulls mono float audio at the target rate from a SoundFile. Memory stays bounded by the
/// chunk size: nothing beyond one decode block and one output chunk is held. Every sample
/// handed out is finite, and an input that breaks `limits` fails with a coded AudioError.
class AudioStream {
 public:
  /// `targetRate` 0 keeps the file's own rate (no resampling). Throws AudioError TOO_LONG or
  /// TRUNCATED when the header alone shows that the input breaks `limits`.
  AudioStream(std::unique_ptr<SoundFile> file, int targetRate, const DecodeLimits &limits);

  const SoundInfo &info() const { return file_->info(); }
  int outputRate() const { return outputRate_; }
  /// True once the input ended before the length its header states and `allowTruncated` kept
  /// the frames present.
  bool truncated() const { return truncated_; }

  /// Returns up to `maxFrames` output frames; an empty vector at the end. Throws AudioError:
  /// EMPTY (no frames in or out), NONFINITE (NaN/Inf in the file or after resampling),
  /// TOO_LONG (past `maxSeconds`), TRUNCATED (shorter than the header states, or a read error
  /// after some frames; not with `allowTruncated`).
  std::vector<float> Read(size_t maxFrames);
  /// Reads everything that is left into one vector (at most kMaxDecodedSamples).
  std::vector<float> ReadAll();

 private:
  void Fill(size_t wanted);
  void Finish();
  /// Counts and checks the output appended to pending_ since `from`.
  void Produced(size_t from);

  std::unique_ptr<SoundFile> file_;
  std::unique_ptr<Resampler> resampler_;
  DecodeLimits limits_;
  int outputRate_;
  int64_t maxInputFrames_;
  bool ended_ = false;
  bool truncated_ = false;
  int64_t inputFrames_ = 0;
  int64_t outputFrames_ = 0;
  std::vector<float> block_;
  std::vector<float> pending_;
  size_t pendingOffset_ = 0;
};

}  // namespace audiomap::audio
