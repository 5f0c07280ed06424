// Errors raised by the audio module. Each carries a stable code that the TypeScript layer
// exposes as `error.code`, so callers can account for failed inputs without parsing messages.
#pragma once

#include "coded_error.h"

namespace audiomap::audio {

/// Stable codes; keep in sync with AudioErrorCode in core-native/src/binding.ts.
inline constexpr const char *kNotFound = "ERR_AUDIO_NOT_FOUND";
inline constexpr const char *kUnsupported = "ERR_AUDIO_UNSUPPORTED";
inline constexpr const char *kDecode = "ERR_AUDIO_DECODE";
inline constexpr const char *kEmpty = "ERR_AUDIO_EMPTY";
inline constexpr const char *kNonFinite = "ERR_AUDIO_NONFINITE";
inline constexpr const char *kResample = "ERR_AUDIO_RESAMPLE";
/// The header's sample rate is outside [kMinSampleRate, kMaxSampleRate] (decode_limits.h).
inline constexpr const char *kSampleRate = "ERR_AUDIO_SAMPLE_RATE";
/// The input is longer than the caller's `maxSeconds`.
inline constexpr const char *kTooLong = "ERR_AUDIO_TOO_LONG";
/// The input ends (or stops decoding) before the length its header states.
inline constexpr const char *kTruncated = "ERR_AUDIO_TRUNCATED";

/// Audio failures carry one of the codes above.
using AudioError = ::audiomap::CodedError;

}  // namespace audiomap::audio
