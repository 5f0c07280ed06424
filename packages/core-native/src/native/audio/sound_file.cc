// libsndfile decoding of files and in-memory bytes, with the down-mix to mono.
#include "sound_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <mutex>

#include "audio_error.h"

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

// Read in blocks of this many frames: large enough to amortise calls, small enough that a
// 6-channel block stays around 1.5 MB.
constexpr size_t kBlockFrames = 1 << 16;

}  // namespace

std::unique_ptr<SoundFile> SoundFile::OpenPath(const std::string &path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    throw AudioError(kNotFound, path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) throw AudioError(kNotFound, path + ": not a regular file");
  if (st.st_size == 0) throw AudioError(kEmpty, path + ": the file is empty (0 bytes)");

  std::unique_ptr<SoundFile> sound(new SoundFile());
  SF_INFO sfinfo{};
  std::lock_guard<std::mutex> lock(OpenMutex());
  SNDFILE *file = sf_open(path.c_str(), SFM_READ, &sfinfo);
  if (!file) {
    const char *message = sf_strerror(nullptr);
    throw AudioError(CodeForOpenError(sf_error(nullptr), message),
                     path + ": libsndfile: " + message);
  }
  sound->Attach(file, sfinfo, path);
  return sound;
}

std::unique_ptr<SoundFile> SoundFile::OpenBytes(std::vector<uint8_t> bytes,
                                                const std::string &name) {
  if (bytes.empty()) throw AudioError(kEmpty, name + ": no bytes");
  std::unique_ptr<SoundFile> sound(new SoundFile());
  sound->bytes_ = std::move(bytes);
  sound->io_.get_filelen = &SoundFile::VirtualLength;
  sound->io_.seek = &SoundFile::VirtualSeek;
  sound->io_.read = &SoundFile::VirtualRead;
  sound->io_.write = &SoundFile::VirtualWrite;
  sound->io_.tell = &SoundFile::VirtualTell;
  SF_INFO sfinfo{};
  std::lock_guard<std::mutex> lock(OpenMutex());
  SNDFILE *file = sf_open_virtual(&sound->io_, SFM_READ, &sfinfo, sound.get());
  if (!file) {
    const char *message = sf_strerror(nullptr);
    throw AudioError(CodeForOpenError(sf_error(nullptr), message),
                     name + ": libsndfile: " + message);
  }
  sound->Attach(file, sfinfo, name);
  return sound;
}

void SoundFile::Attach(SNDFILE *file, const SF_INFO &sfinfo, const std::string &name) {
  file_ = file;
  name_ = name;
  info_.sampleRate = sfinfo.samplerate;
  info_.channels = sfinfo.channels;
  // Some containers (streamed Ogg, raw MPEG) cannot state their length up front.
  info_.frames = (sfinfo.frames < 0 || sfinfo.frames == SF_COUNT_MAX) ? -1 : sfinfo.frames;
  info_.container = FormatName(sfinfo.format & SF_FORMAT_TYPEMASK);
  info_.encoding = FormatName(sfinfo.format & SF_FORMAT_SUBMASK);
  if (info_.sampleRate <= 0 || info_.channels <= 0) {
    throw AudioError(kDecode, name + ": invalid sample rate or channel count in header");
  }
  if (info_.frames == 0) throw AudioError(kEmpty, name + ": no audio frames");
  interleaved_.resize(kBlockFrames * static_cast<size_t>(info_.channels));
}

SoundFile::~SoundFile() {
  if (file_) sf_close(file_);
}

size_t SoundFile::ReadMono(float *out, size_t maxFrames) {
  const size_t channels = static_cast<size_t>(info_.channels);
  size_t total = 0;
  while (total < maxFrames) {
    const size_t want = std::min(kBlockFrames, maxFrames - total);
    const sf_count_t got = sf_readf_float(file_, interleaved_.data(), static_cast<sf_count_t>(want));
    if (got < 0 || sf_error(file_) != SF_ERR_NO_ERROR) {
      throw AudioError(kDecode, name_ + ": libsndfile: " + sf_strerror(file_));
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
    float *dst = out + total;
    if (channels == 1) {
      std::memcpy(dst, in, n * sizeof(float));
    } else {
      const float scale = static_cast<float>(channels);
      for (size_t f = 0; f < n; ++f) {
        float sum = 0.0f;
        for (size_t c = 0; c < channels; ++c) sum += in[f * channels + c];
        dst[f] = sum / scale;
      }
    }
    total += n;
    framesRead_ += static_cast<int64_t>(n);
    if (n < want) break;
  }
  return total;
}

sf_count_t SoundFile::VirtualLength(void *self) {
  return static_cast<sf_count_t>(static_cast<SoundFile *>(self)->bytes_.size());
}

sf_count_t SoundFile::VirtualSeek(sf_count_t offset, int whence, void *self) {
  auto *sound = static_cast<SoundFile *>(self);
  const auto size = static_cast<sf_count_t>(sound->bytes_.size());
  sf_count_t target = offset;
  if (whence == SEEK_CUR) target = sound->position_ + offset;
  if (whence == SEEK_END) target = size + offset;
  if (target < 0 || target > size) return -1;
  sound->position_ = target;
  return target;
}

sf_count_t SoundFile::VirtualRead(void *ptr, sf_count_t count, void *self) {
  auto *sound = static_cast<SoundFile *>(self);
  const auto size = static_cast<sf_count_t>(sound->bytes_.size());
  const sf_count_t n = std::max<sf_count_t>(0, std::min(count, size - sound->position_));
  if (n > 0) std::memcpy(ptr, sound->bytes_.data() + sound->position_, static_cast<size_t>(n));
  sound->position_ += n;
  return n;
}

sf_count_t SoundFile::VirtualWrite(const void *, sf_count_t, void *) { return 0; }

sf_count_t SoundFile::VirtualTell(void *self) { return static_cast<SoundFile *>(self)->position_; }

}  // namespace audiomap::audio
