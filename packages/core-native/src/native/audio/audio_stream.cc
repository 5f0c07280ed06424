// Chunked decode -> down-mix -> resample pipeline.
#include "audio_stream.h"

#include <algorithm>
#include <cmath>

#include "audio_error.h"

namespace audiomap::audio {
namespace {
constexpr size_t kDecodeFrames = 1 << 16;
}

AudioStream::AudioStream(std::unique_ptr<SoundFile> file, int targetRate)
    : file_(std::move(file)),
      outputRate_(targetRate > 0 ? targetRate : file_->info().sampleRate) {
  if (outputRate_ != file_->info().sampleRate) {
    resampler_ = std::make_unique<Resampler>(file_->info().sampleRate, outputRate_);
  }
  block_.resize(kDecodeFrames);
}

void AudioStream::Fill(size_t wanted) {
  while (!ended_ && pending_.size() - pendingOffset_ < wanted) {
    // Drop what was already handed out before appending, so pending_ never grows past about
    // one chunk plus one decoded block.
    if (pendingOffset_ > 0) {
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pendingOffset_));
      pendingOffset_ = 0;
    }
    const size_t got = file_->ReadMono(block_.data(), block_.size());
    inputFrames_ += static_cast<int64_t>(got);
    if (got == 0) {
      ended_ = true;
      if (inputFrames_ == 0) throw AudioError(kEmpty, "the input contains no audio frames");
      if (resampler_) resampler_->Flush(pending_);
      break;
    }
    if (resampler_) {
      resampler_->Process(block_.data(), got, pending_);
    } else {
      pending_.insert(pending_.end(), block_.begin(), block_.begin() + static_cast<std::ptrdiff_t>(got));
    }
  }
}

std::vector<float> AudioStream::Read(size_t maxFrames) {
  Fill(maxFrames);
  const size_t n = std::min(maxFrames, pending_.size() - pendingOffset_);
  const auto first = pending_.begin() + static_cast<std::ptrdiff_t>(pendingOffset_);
  std::vector<float> out(first, first + static_cast<std::ptrdiff_t>(n));
  pendingOffset_ += n;
  return out;
}

std::vector<float> AudioStream::ReadAll() {
  std::vector<float> out;
  const auto &info = file_->info();
  if (info.frames > 0) {
    out.reserve(static_cast<size_t>(
        std::ceil(static_cast<double>(info.frames) * outputRate_ / info.sampleRate)) + 16);
  }
  for (;;) {
    std::vector<float> chunk = Read(1 << 20);
    if (chunk.empty()) break;
    out.insert(out.end(), chunk.begin(), chunk.end());
  }
  return out;
}

}  // namespace audiomap::audio
