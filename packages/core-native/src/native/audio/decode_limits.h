// The bounds every decode runs under, so that a hostile or damaged header cannot make a tiny
// file cost gigabytes of memory or minutes of CPU (a "decompression bomb").
#pragma once

#include <cstdint>
#include <limits>

namespace audiomap::audio {

/// Sample rates outside [kMinSampleRate, kMaxSampleRate] are refused (ERR_AUDIO_SAMPLE_RATE).
/// A header claiming 1 Hz turns a few kilobytes into hours of audio once resampled to 16 kHz;
/// speech and music are not sampled below 1 kHz, and 768 kHz (16 x 48 kHz) is the highest
/// standard PCM rate.
inline constexpr int kMinSampleRate = 1000;
inline constexpr int kMaxSampleRate = 768000;

/// Default `maxSeconds`: 4 hours. A decoded hour at 16 kHz is 230 MB of float32, so one whole
/// decode returns at most 4 B x output rate x maxSeconds (0.92 GB at 16 kHz, 2.8 GB at 48 kHz).
/// It takes one buffer of that size when the header gives a length; otherwise (streamed Ogg or
/// FLAC) the buffer doubles as it fills, briefly holding up to 3x that. A stream holds one
/// chunk at a time.
inline constexpr double kDefaultMaxSeconds = 4 * 3600.0;

/// The most samples one whole decode returns, whatever `maxSeconds` says: the longest
/// Float32Array handed to JavaScript (8 GiB).
inline constexpr int64_t kMaxDecodedSamples = (int64_t{1} << 31) - 1;

/// Per-decode settings that come from the caller.
struct DecodeLimits {
  /// Longest accepted input, in seconds of audio at the file's own rate (ERR_AUDIO_TOO_LONG).
  /// Infinity disables the check.
  double maxSeconds = kDefaultMaxSeconds;
  /// Keep the frames present in a file that ends before its header says, instead of failing
  /// with ERR_AUDIO_TRUNCATED.
  bool allowTruncated = false;
};

}  // namespace audiomap::audio
