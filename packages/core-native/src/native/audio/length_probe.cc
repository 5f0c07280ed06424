// Header parsing for DeclaredFrames: RIFF/RF64 'data', AIFF 'COMM', MPEG Xing/Info/VBRI.
#include "length_probe.h"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace audiomap::audio {
namespace {

// Sizes at or above this are placeholders written by streaming encoders (sox writes
// 0x7FFFF000, ffmpeg 0xFFFFFFFF), not lengths.
constexpr uint64_t kPlaceholderSize = 0x7FFFF000;
// Chunks visited before giving up on finding 'data' / 'COMM'.
constexpr int kMaxChunks = 64;

uint32_t Le32(const uint8_t *p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint64_t Le64(const uint8_t *p) { return uint64_t{Le32(p)} | uint64_t{Le32(p + 4)} << 32; }
uint32_t Be32(const uint8_t *p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}
uint16_t Le16(const uint8_t *p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

bool ReadExact(const ByteSource &bytes, int64_t offset, uint8_t *dst, size_t n) {
  return bytes.ReadAt(offset, dst, n) == n;
}

int64_t ToFrames(uint64_t frames) {
  return frames > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(frames);
}

// The 'data' chunk of a RIFF/RF64 WAVE file against the bytes that follow it.
int64_t WavDeclaredFrames(const ByteSource &bytes, int64_t sndfileFrames) {
  uint8_t head[12];
  if (!ReadExact(bytes, 0, head, 12) || std::memcmp(head + 8, "WAVE", 4) != 0) {
    return sndfileFrames;
  }
  const bool rf64 = std::memcmp(head, "RF64", 4) == 0;
  if (!rf64 && std::memcmp(head, "RIFF", 4) != 0) return sndfileFrames;
  uint64_t ds64Data = 0;
  uint16_t formatTag = 0, blockAlign = 0;
  int64_t pos = 12;
  for (int i = 0; i < kMaxChunks && pos + 8 <= bytes.Size(); ++i) {
    uint8_t chunk[8];
    if (!ReadExact(bytes, pos, chunk, 8)) break;
    const uint32_t size = Le32(chunk + 4);
    uint8_t body[24];
    if (std::memcmp(chunk, "ds64", 4) == 0 && ReadExact(bytes, pos + 8, body, 24)) {
      ds64Data = Le64(body + 8);
    } else if (std::memcmp(chunk, "fmt ", 4) == 0 && ReadExact(bytes, pos + 8, body, 14)) {
      formatTag = Le16(body);
      blockAlign = Le16(body + 12);
    } else if (std::memcmp(chunk, "data", 4) == 0) {
      const uint64_t declared = rf64 && size == 0xFFFFFFFF ? ds64Data : size;
      const uint64_t present = static_cast<uint64_t>(bytes.Size() - (pos + 8));
      if (declared <= present) return sndfileFrames;
      if (declared == 0 || (!rf64 && declared >= kPlaceholderSize)) return -1;
      // PCM, float, A-law, mu-law and extensible (PCM/float) frames are blockAlign bytes each;
      // block codecs (ADPCM...) are scaled from libsndfile's count of the bytes present.
      const bool fixedFrames = formatTag == 1 || formatTag == 3 || formatTag == 6 ||
                               formatTag == 7 || formatTag == 0xFFFE;
      if (fixedFrames && blockAlign > 0) return ToFrames(declared / blockAlign);
      if (sndfileFrames <= 0 || present == 0) return -1;
      return ToFrames(static_cast<uint64_t>(std::llround(
          static_cast<double>(sndfileFrames) * static_cast<double>(declared) / present)));
    }
    pos += 8 + static_cast<int64_t>(size) + (size & 1);
  }
  return sndfileFrames;
}

// AIFF/AIFC: COMM's numSampleFrames.
int64_t AiffDeclaredFrames(const ByteSource &bytes, int64_t sndfileFrames) {
  uint8_t head[12];
  if (!ReadExact(bytes, 0, head, 12) || std::memcmp(head, "FORM", 4) != 0) return sndfileFrames;
  int64_t pos = 12;
  for (int i = 0; i < kMaxChunks && pos + 8 <= bytes.Size(); ++i) {
    uint8_t chunk[14];
    if (!ReadExact(bytes, pos, chunk, 8)) break;
    const uint32_t size = Be32(chunk + 4);
    if (std::memcmp(chunk, "COMM", 4) == 0) {
      if (!ReadExact(bytes, pos + 8, chunk + 8, 6)) break;
      const uint32_t frames = Be32(chunk + 10);
      if (frames >= kPlaceholderSize) return -1;
      return std::max<int64_t>(frames, sndfileFrames);
    }
    pos += 8 + static_cast<int64_t>(size) + (size & 1);
  }
  return sndfileFrames;
}

// True when the first MPEG audio frame (after any ID3v2 tag) holds a Xing/Info header with a
// frame count, or a VBRI header: then mpg123 knows the exact length.
bool MpegStatesLength(const ByteSource &bytes) {
  int64_t start = 0;
  uint8_t id3[10];
  if (ReadExact(bytes, 0, id3, 10) && std::memcmp(id3, "ID3", 3) == 0) {
    const int64_t size = (id3[6] & 0x7F) << 21 | (id3[7] & 0x7F) << 14 | (id3[8] & 0x7F) << 7 |
                         (id3[9] & 0x7F);
    start = 10 + size + ((id3[5] & 0x10) ? 10 : 0);
  }
  // The first frame sync in the next 4 KiB, with enough of its frame to reach the farthest tag
  // field: Xing at 4 + 32 plus 8 bytes, VBRI at 36 plus 4.
  constexpr size_t kFrameHead = 44;
  uint8_t window[4096 + kFrameHead];
  const size_t got = bytes.ReadAt(start, window, sizeof(window));
  for (size_t i = 0; i + kFrameHead <= got; ++i) {
    if (window[i] != 0xFF || (window[i + 1] & 0xE0) != 0xE0) continue;
    const int version = (window[i + 1] >> 3) & 3;  // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    if (version == 1 || ((window[i + 1] >> 1) & 3) == 0) continue;  // reserved version/layer
    const bool mono = ((window[i + 3] >> 6) & 3) == 3;
    const size_t side = version == 3 ? (mono ? 17 : 32) : (mono ? 9 : 17);
    const uint8_t *xing = window + i + 4 + side;
    if ((std::memcmp(xing, "Xing", 4) == 0 || std::memcmp(xing, "Info", 4) == 0) &&
        (Be32(xing + 4) & 1) != 0) {
      return true;
    }
    return std::memcmp(window + i + 36, "VBRI", 4) == 0;
  }
  return false;
}

}  // namespace

int64_t DeclaredFrames(const ByteSource &bytes, int format, int64_t sndfileFrames) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV:
    case SF_FORMAT_WAVEX:
    case SF_FORMAT_RF64:
      return WavDeclaredFrames(bytes, sndfileFrames);
    case SF_FORMAT_AIFF:
      return AiffDeclaredFrames(bytes, sndfileFrames);
    case SF_FORMAT_MPEG:
      return MpegStatesLength(bytes) ? sndfileFrames : -1;
    default:
      return sndfileFrames;
  }
}

}  // namespace audiomap::audio
