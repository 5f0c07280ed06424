// libsoxr wrapper: chunked processing with an explicit flush.
#include "resampler.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "audio_error.h"

namespace audiomap::audio {

Resampler::Resampler(double inRate, double outRate) : ratio_(outRate / inRate) {
  soxr_error_t error = nullptr;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_VHQ, 0);
  // One thread: the addon already decodes several files in parallel on libuv's pool.
  const soxr_runtime_spec_t runtime = soxr_runtime_spec(1);
  soxr_ = soxr_create(inRate, outRate, 1, &error, &io, &quality, &runtime);
  if (error || !soxr_) {
    throw AudioError(kResample, std::string("libsoxr: ") + (error ? error : "create failed"));
  }
}

Resampler::~Resampler() {
  if (soxr_) soxr_delete(soxr_);
}

void Resampler::Run(const float *in, size_t n, std::vector<float> &out) {
  size_t consumed = 0;
  for (;;) {
    const size_t room = static_cast<size_t>(std::ceil((n - consumed) * ratio_)) + 1024;
    const size_t start = out.size();
    out.resize(start + room);
    size_t used = 0, produced = 0;
    soxr_error_t error = soxr_process(soxr_, in ? in + consumed : nullptr, in ? n - consumed : 0,
                                      &used, out.data() + start, room, &produced);
    out.resize(start + produced);
    if (error) throw AudioError(kResample, std::string("libsoxr: ") + error);
    consumed += used;
    outputFrames_ += static_cast<int64_t>(produced);
    // Input left over, or a full output buffer, means soxr has more to give.
    if (consumed < n || produced == room) continue;
    break;
  }
}

void Resampler::Process(const float *in, size_t n, std::vector<float> &out) {
  if (n == 0) return;
  inputFrames_ += static_cast<int64_t>(n);
  Run(in, n, out);
}

void Resampler::Flush(std::vector<float> &out) {
  const size_t before = out.size();
  Run(nullptr, 0, out);
  const auto expected = static_cast<int64_t>(std::llround(inputFrames_ * ratio_));
  if (outputFrames_ > expected) {
    const size_t drop =
        std::min(static_cast<size_t>(outputFrames_ - expected), out.size() - before);
    out.resize(out.size() - drop);
    outputFrames_ -= static_cast<int64_t>(drop);
  }
}

}  // namespace audiomap::audio
