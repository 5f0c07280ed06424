// Streaming sample-rate conversion of mono float audio with libsoxr.
#pragma once

#include <soxr.h>

#include <cstdint>
#include <vector>

namespace audiomap::audio {

/// A libsoxr resampler fed in chunks. Quality: SOXR_VHQ (linear phase, 28-bit precision,
/// ~175 dB stop-band rejection, pass-band to 91.3% of the lower Nyquist frequency). Linear
/// phase with libsoxr's own delay compensation means output sample k lands at time k/outRate,
/// aligned with the input, so windows and timestamps computed downstream stay exact.
class Resampler {
 public:
  Resampler(double inRate, double outRate);
  ~Resampler();
  Resampler(const Resampler &) = delete;
  Resampler &operator=(const Resampler &) = delete;

  /// Resamples `n` input samples and appends what is ready to `out`.
  void Process(const float *in, size_t n, std::vector<float> &out);
  /// Signals the end of input and appends the remaining output. The total output length is
  /// trimmed to round(inputFrames * outRate / inRate), the length of the ideal resampling.
  void Flush(std::vector<float> &out);

 private:
  void Run(const float *in, size_t n, std::vector<float> &out);

  soxr_t soxr_ = nullptr;
  double ratio_;
  int64_t inputFrames_ = 0;
  int64_t outputFrames_ = 0;
};

}  // namespace audiomap::audio
