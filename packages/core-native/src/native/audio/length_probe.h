// The length an input's header promises, read from the header itself where libsndfile does
// not say it, so that a truncated file can be told from a complete one.
#pragma once

#include <cstdint>

#include "byte_source.h"

namespace audiomap::audio {

/// Frames per channel that the header of an input states exactly, or -1 when it states none.
/// `format` and `sndfileFrames` are what libsndfile reported on opening it (`sndfileFrames`
/// -1 when unknown).
/// - WAV / RF64 and AIFF: libsndfile shortens the length to the data actually present, so the
///   'data' chunk size (or AIFF's COMM frame count) is read here. A size that is a streaming
///   writer's placeholder (0, or 0x7FFFF000 and above, as sox and ffmpeg write to a pipe)
///   counts as "not stated".
/// - MPEG: exact only when the first frame carries a Xing/Info header with a frame count or a
///   VBRI header; otherwise libsndfile's figure is an estimate from the file size (-1).
/// - Everything else (FLAC, Ogg Vorbis/Opus, ...): libsndfile's figure.
int64_t DeclaredFrames(const ByteSource &bytes, int format, int64_t sndfileFrames);

}  // namespace audiomap::audio
