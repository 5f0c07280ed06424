// Chunked decode -> down-mix -> resample pipeline, with the decode limits enforced on the way.
#include "audio_stream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <new>
#include <string>

#include "audio_error.h"

namespace audiomap::audio {
namespace {

constexpr size_t kDecodeFrames = 1 << 16;

// "5400 s" style figures for messages, without trailing zeros.
std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.6g s", seconds);
  return text;
}

// The frames of `maxSeconds` at `rate`; the largest int64 when there is no limit.
int64_t FramesIn(double maxSeconds, int rate) {
  const double frames = std::floor(maxSeconds * rate);
  if (!(frames < 9.0e18)) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(frames);
}

}  // namespace

AudioStream::AudioStream(std::unique_ptr<SoundFile> file, int targetRate,
                         const DecodeLimits &limits)
    : file_(std::move(file)), limits_(limits),
      outputRate_(targetRate > 0 ? targetRate : file_->info().sampleRate),
      maxInputFrames_(FramesIn(limits.maxSeconds, file_->info().sampleRate)) {
  const SoundInfo &in = file_->info();
  // Both checks read the header only, so a 10-hour file is refused without decoding it. An
  // MPEG length without a Xing/VBRI header is an estimate and is not trusted here; the frame
  // count during decoding enforces the limit for it.
  if (in.declaredFrames >= 0 && in.frames > maxInputFrames_) {
    const double seconds = static_cast<double>(in.frames) / in.sampleRate;
    throw AudioError(kTooLong, file_->name() + ": " + Seconds(seconds) + " of audio (" +
                                   std::to_string(in.frames) + " frames at " +
                                   std::to_string(in.sampleRate) + " Hz) is longer than the " +
                                   Seconds(limits_.maxSeconds) +
                                   " limit (raise maxSeconds / --max-seconds)");
  }
  if (in.frames >= 0 && in.declaredFrames > in.frames && !limits_.allowTruncated) {
    throw AudioError(kTruncated, file_->name() + ": truncated: the header states " +
                                     std::to_string(in.declaredFrames) +
                                     " frames, the file holds " + std::to_string(in.frames) +
                                     " (allowTruncated / --allow-truncated keeps them)");
  }
  if (outputRate_ != in.sampleRate) {
    resampler_ = std::make_unique<Resampler>(in.sampleRate, outputRate_);
  }
  block_.resize(kDecodeFrames);
}

void AudioStream::Produced(size_t from) {
  for (size_t i = from; i < pending_.size(); ++i) {
    // Finite input can still resample to Inf/NaN: samples near the float limit (3.4e38)
    // overflow the filter's sums.
    if (!std::isfinite(pending_[i])) {
      throw AudioError(kNonFinite,
                       file_->name() + ": non-finite sample (NaN or Inf) at output frame " +
                           std::to_string(outputFrames_ + static_cast<int64_t>(i - from)) +
                           " after resampling to " + std::to_string(outputRate_) +
                           " Hz: the input holds samples near the float limit");
    }
  }
  outputFrames_ += static_cast<int64_t>(pending_.size() - from);
}

void AudioStream::Finish() {
  ended_ = true;
  const SoundInfo &in = file_->info();
  if (inputFrames_ == 0) throw AudioError(kEmpty, file_->name() + ": no audio frames");
  const std::string &readError = file_->readError();
  if (!readError.empty() || (in.declaredFrames >= 0 && inputFrames_ < in.declaredFrames)) {
    if (!limits_.allowTruncated) {
      const std::string promised = in.declaredFrames >= 0
                                       ? " of the " + std::to_string(in.declaredFrames) +
                                             " frames the header states"
                                       : "";
      throw AudioError(kTruncated, file_->name() + ": truncated: decoding ended after " +
                                       std::to_string(inputFrames_) + " frames" + promised +
                                       (readError.empty() ? "" : " (" + readError + ")") +
                                       "; allowTruncated / --allow-truncated keeps them");
    }
    truncated_ = true;
  }
  if (resampler_) {
    const size_t before = pending_.size();
    resampler_->Flush(pending_);
    Produced(before);
  }
  if (outputFrames_ == 0) {
    throw AudioError(kEmpty, file_->name() + ": " + std::to_string(inputFrames_) +
                                 " frames at " + std::to_string(in.sampleRate) +
                                 " Hz resample to 0 frames at " + std::to_string(outputRate_) +
                                 " Hz");
  }
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
    if (got == 0) {
      Finish();
      break;
    }
    inputFrames_ += static_cast<int64_t>(got);
    if (inputFrames_ > maxInputFrames_) {
      throw AudioError(kTooLong, file_->name() + ": longer than the " +
                                     Seconds(limits_.maxSeconds) + " limit (more than " +
                                     std::to_string(maxInputFrames_) + " frames at " +
                                     std::to_string(file_->info().sampleRate) +
                                     " Hz; raise maxSeconds / --max-seconds)");
    }
    const size_t before = pending_.size();
    if (resampler_) {
      resampler_->Process(block_.data(), got, pending_);
    } else {
      pending_.insert(pending_.end(), block_.begin(), block_.begin() + static_cast<std::ptrdiff_t>(got));
    }
    Produced(before);
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
  const SoundInfo &in = file_->info();
  // One allocation of the length the header states (within maxSeconds), so an honest header
  // costs one buffer of the result's size. A header that lies only reserves address space:
  // pages never written are never resident, and the spare capacity is returned below.
  if (in.frames > 0) {
    const double frames =
        std::min(static_cast<double>(in.frames), static_cast<double>(maxInputFrames_));
    const double expected = std::ceil(frames * outputRate_ / in.sampleRate) + 16;
    try {
      out.reserve(static_cast<size_t>(std::min(expected, static_cast<double>(kMaxDecodedSamples))));
    } catch (const std::bad_alloc &) {
      // No room to reserve it all: grow as the decode goes instead.
    }
  }
  for (;;) {
    std::vector<float> chunk = Read(1 << 20);
    if (chunk.empty()) break;
    if (static_cast<int64_t>(out.size() + chunk.size()) > kMaxDecodedSamples) {
      throw AudioError(kTooLong, file_->name() + ": decodes to more than " +
                                     std::to_string(kMaxDecodedSamples) +
                                     " samples, the most one decode returns; stream it instead");
    }
    out.insert(out.end(), chunk.begin(), chunk.end());
  }
  // A header that promised more than was decoded leaves spare capacity; the result's memory is
  // reported to V8 by capacity, so give it back.
  if (out.size() < out.capacity() / 2) out.shrink_to_fit();
  return out;
}

}  // namespace audiomap::audio
