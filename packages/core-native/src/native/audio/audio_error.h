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

/// Audio failures carry one of the codes above.
using AudioError = ::audiomap::CodedError;

}  // namespace audiomap::audio
