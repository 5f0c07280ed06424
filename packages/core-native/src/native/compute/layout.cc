#include "layout.h"

#include <algorithm>
#include <cmath>

#include "compute_common.h"

namespace audiomap::compute {
namespace {

inline float Clip(float x) { return std::min(4.0f, std::max(-4.0f, x)); }

inline float SquaredDistance(const float *x, const float *y, int64_t dim) {
  float d2 = 0;
  for (int64_t d = 0; d < dim; ++d) {
    const float v = x[d] - y[d];
    d2 += v * v;
  }
  return d2;
}

// The learning rate of epoch n: umap-js starts at learningRate and, after epoch n, sets
// learningRate * (1 - n / nEpochs) for the next one.
inline float Alpha(const LayoutParams &p, int64_t n) {
  const double rate = n == 0 ? 1.0 : 1.0 - static_cast<double>(n - 1) / p.nEpochs;
  return static_cast<float>(p.learningRate * rate);
}

template <int Dim>
void Epoch(const LayoutBuffers &buf, const LayoutParams &p, int64_t n, int64_t dimRuntime) {
  const int64_t dim = Dim > 0 ? Dim : dimRuntime;
  const float a = static_cast<float>(p.a), b = static_cast<float>(p.b);
  const float gamma = static_cast<float>(p.repulsionStrength);
  const float alpha = Alpha(p, n);
  const double perRate = 1.0 / p.negativeSampleRate;
  const bool moveOther = buf.headEmbedding == buf.tailEmbedding;
  const double epoch = static_cast<double>(n);
  SplitMix64 rng(p.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(n) + 1);
  float *cur = buf.headEmbedding;
  float *oth = buf.tailEmbedding;
  for (int64_t i = 0; i < buf.edges; ++i) {
    if (buf.nextSample[i] > epoch) continue;
    float *x = cur + static_cast<int64_t>(buf.head[i]) * dim;
    float *y = oth + static_cast<int64_t>(buf.tail[i]) * dim;
    const float d2 = SquaredDistance(x, y, dim);
    float coeff = 0;
    if (d2 > 0) {
      const float pb = std::pow(d2, b);  // d2^b; d2^(b-1) = pb / d2
      coeff = -2.0f * a * b * (pb / d2) / (a * pb + 1.0f);
    }
    for (int64_t d = 0; d < dim; ++d) {
      const float g = Clip(coeff * (x[d] - y[d])) * alpha;
      x[d] += g;
      if (moveOther) y[d] -= g;
    }
    buf.nextSample[i] += buf.epochsPerSample[i];
    const double perNegative = buf.epochsPerSample[i] * perRate;
    const int64_t nNeg = static_cast<int64_t>(std::floor((epoch - buf.nextNegative[i]) / perNegative));
    for (int64_t s = 0; s < nNeg; ++s) {
      const int64_t k = rng.Below(p.nVertices);
      const float *z = oth + k * dim;
      const float dn = SquaredDistance(x, z, dim);
      float rc = 0;
      if (dn > 0) {
        rc = 2.0f * gamma * b / ((0.001f + dn) * (a * std::pow(dn, b) + 1.0f));
      } else if (buf.head[i] == k) {
        continue;
      }
      for (int64_t d = 0; d < dim; ++d) {
        const float g = rc > 0 ? Clip(rc * (x[d] - z[d])) : 4.0f;
        x[d] += g * alpha;
      }
    }
    buf.nextNegative[i] += static_cast<double>(nNeg) * perNegative;
  }
}

}  // namespace

void OptimizeLayout(const LayoutBuffers &buffers, const LayoutParams &params, int64_t from,
                    int64_t to) {
  for (int64_t n = from; n < to; ++n) {
    // The common output sizes get a loop the compiler can unroll.
    switch (params.dim) {
      case 2: Epoch<2>(buffers, params, n, 2); break;
      case 3: Epoch<3>(buffers, params, n, 3); break;
      default: Epoch<0>(buffers, params, n, params.dim); break;
    }
  }
}

}  // namespace audiomap::compute
