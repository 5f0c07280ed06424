// libsndfile decoding of files and in-memory bytes through one virtual IO, with the down-mix
// to mono.
#include "sound_file.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

#include "audio_error.h"
#include "decode_limits.h"
#include "length_probe.h"

namespace audiomap::audio {
namespace {

// libsndfile reports open failures through a process-wide error slot (sf_error(NULL)), so
// opens on different libuv threads are serialised to keep each message with its file.
std::mutex &OpenMutex() {
  static std::mutex mutex;
  return mutex;
}

// "Not a format we can read" (UNSUPPORTED): libsndfile does not recognise the container, or
// recognises it but has no decoder for the encoding. Everything else (malformed headers,
// truncated data, system errors) is a decode failure. libsndfile reports the second kind with
// internal error numbers, so its message is the only stable signal.
const char *CodeForOpenError(int error, const char *message) {
  if (error == SF_ERR_UNRECOGNISED_FORMAT || error == SF_ERR_UNSUPPORTED_ENCODING) {
    return kUnsupported;
  }
  const std::string text = message ? message : "";
  for (const char *hint : {"not recognised", "unimplemented", "not supported", "unsupported"}) {
    if (text.find(hint) != std::string::npos) return kUnsupported;
  }
  return kDecode;
}

std::string FormatName(int format) {
  SF_FORMAT_INFO info{};
  info.format = format;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof(info)) != 0 || !info.name) {
    return "unknown";
  }
  return info.name;
}

// Read in blocks of about this many samples (all channels): 1 MiB of float, whatever the
// channel count (libsndfile allows up to 1024 channels).
constexpr size_t kBlockSamples = 1 << 18;

}  // namespace

std::unique_ptr<SoundFile> SoundFile::OpenPath(const std::string &path) {
  return Open(ByteSource::FromPath(path), path);
}

std::unique_ptr<SoundFile> SoundFile::OpenBytes(std::vector<uint8_t> bytes,
                                                const std::string &name) {
  return Open(ByteSource::FromBytes(std::move(bytes), name), name);
}

std::unique_ptr<SoundFile> SoundFile::Open(std::unique_ptr<ByteSource> bytes,
                                           const std::string &name) {
  std::unique_ptr<SoundFile> sound(new SoundFile());
  sound->bytes_ = std::move(bytes);
  sound->name_ = name;
  sound->io_.get_filelen = &SoundFile::VirtualLength;
  sound->io_.seek = &SoundFile::VirtualSeek;
  sound->io_.read = &SoundFile::VirtualRead;
  sound->io_.write = &SoundFile::VirtualWrite;
  sound->io_.tell = &SoundFile::VirtualTell;
  SF_INFO sfinfo{};
  {
    std::lock_guard<std::mutex> lock(OpenMutex());
    sound->file_ = sf_open_virtual(&sound->io_, SFM_READ, &sfinfo, sound.get());
    if (!sound->file_) {
      const char *message = sf_strerror(nullptr);
      throw AudioError(CodeForOpenError(sf_error(nullptr), message),
                       name + ": libsndfile: " + message);
    }
  }
  SoundInfo &info = sound->info_;
  info.sampleRate = sfinfo.samplerate;
  info.channels = sfinfo.channels;
  // Some containers (streamed Ogg or FLAC, raw MPEG) cannot state their length up front.
  info.frames = (sfinfo.frames < 0 || sfinfo.frames == SF_COUNT_MAX) ? -1 : sfinfo.frames;
  info.container = FormatName(sfinfo.format & SF_FORMAT_TYPEMASK);
  info.encoding = FormatName(sfinfo.format & SF_FORMAT_SUBMASK);
  if (info.channels <= 0) throw AudioError(kDecode, name + ": invalid channel count in header");
  if (info.sampleRate < kMinSampleRate || info.sampleRate > kMaxSampleRate) {
    throw AudioError(kSampleRate, name + ": the header's sample rate, " +
                                      std::to_string(info.sampleRate) + " Hz, is outside [" +
                                      std::to_string(kMinSampleRate) + ", " +
                                      std::to_string(kMaxSampleRate) + "] Hz");
  }
  if (info.frames == 0) throw AudioError(kEmpty, name + ": no audio frames");
  info.declaredFrames = DeclaredFrames(*sound->bytes_, sfinfo.format, info.frames);
  sound->blockFrames_ = std::max<size_t>(1, kBlockSamples / static_cast<size_t>(info.channels));
  sound->interleaved_.resize(sound->blockFrames_ * static_cast<size_t>(info.channels));
  return sound;
}

SoundFile::~SoundFile() {
  if (file_) sf_close(file_);
}

size_t SoundFile::ReadMono(float *out, size_t maxFrames) {
  if (!readError_.empty()) return 0;
  const size_t channels = static_cast<size_t>(info_.channels);
  size_t total = 0;
  while (total < maxFrames) {
    const size_t want = std::min(blockFrames_, maxFrames - total);
    sf_count_t got = sf_readf_float(file_, interleaved_.data(), static_cast<sf_count_t>(want));
    if (got < 0 || sf_error(file_) != SF_ERR_NO_ERROR) {
      // What libsndfile decoded before the error is kept: the caller decides whether an input
      // that stops early is acceptable (see AudioStream and ERR_AUDIO_TRUNCATED).
      const std::string message = std::string("libsndfile: ") + sf_strerror(file_);
      if (framesRead_ == 0 && got <= 0) throw AudioError(kDecode, name_ + ": " + message);
      readError_ = message;
      got = std::max<sf_count_t>(got, 0);
    }
    if (got == 0) break;
    const float *in = interleaved_.data();
    const size_t n = static_cast<size_t>(got);
    for (size_t i = 0; i < n * channels; ++i) {
      if (!std::isfinite(in[i])) {
        throw AudioError(kNonFinite, name_ + ": non-finite sample (NaN or Inf) at frame " +
                                         std::to_string(framesRead_ + i / channels));
      }
    }
    // Down-mix rule: the plain average of all channels, with equal weights. This is what
    // Hugging Face pipelines (numpy mean over the channel axis) and torchaudio users
    // (waveform.mean(0)) feed speech models, so embeddings match theirs. Averaging rather
    // than summing keeps the result within [-1, 1] and keeps mono input unchanged; no
    // surround-specific weights are applied because speech models are trained on mono mixes.
    // The sum is taken in double: channels near the float limit (3.4e38) would overflow a float
    // sum to Inf although their average is finite.
    float *dst = out + total;
    if (channels == 1) {
      std::memcpy(dst, in, n * sizeof(float));
    } else {
      const double scale = static_cast<double>(channels);
      for (size_t f = 0; f < n; ++f) {
        double sum = 0.0;
        for (size_t c = 0; c < channels; ++c) sum += in[f * channels + c];
        dst[f] = static_cast<float>(sum / scale);
      }
    }
    total += n;
    framesRead_ += static_cast<int64_t>(n);
    if (n < want || !readError_.empty()) break;
  }
  return total;
}

sf_count_t SoundFile::VirtualLength(void *self) {
  return static_cast<SoundFile *>(self)->bytes_->Size();
}

sf_count_t SoundFile::VirtualSeek(sf_count_t offset, int whence, void *self) {
  auto *sound = static_cast<SoundFile *>(self);
  const sf_count_t size = sound->bytes_->Size();
  sf_count_t target = offset;
  if (whence == SEEK_CUR) target = sound->position_ + offset;
  if (whence == SEEK_END) target = size + offset;
  if (target < 0 || target > size) return -1;
  sound->position_ = target;
  return target;
}

sf_count_t SoundFile::VirtualRead(void *ptr, sf_count_t count, void *self) {
  auto *sound = static_cast<SoundFile *>(self);
  if (count <= 0) return 0;
  const size_t n = sound->bytes_->ReadAt(sound->position_, ptr, static_cast<size_t>(count));
  sound->position_ += static_cast<sf_count_t>(n);
  return static_cast<sf_count_t>(n);
}

sf_count_t SoundFile::VirtualWrite(const void *, sf_count_t, void *) { return 0; }

sf_count_t SoundFile::VirtualTell(void *self) { return static_cast<SoundFile *>(self)->position_; }

}  // namespace audiomap::audio
