#include "layout.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <thread>
#include <vector>

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

// Where an edge's negative samples come from. `Serial` is one stream per epoch, walked in edge
// order: the original single-thread path, bit-reproducible for a seed. `PerEdge` is one stream
// per (epoch, edge), so an edge's samples do not depend on which thread runs it or on the order.
struct SerialSampler {
  SplitMix64 rng;
  SplitMix64 &For(int64_t) { return rng; }
};

struct PerEdgeSampler {
  uint64_t base;
  SplitMix64 rng{0};
  SplitMix64 &For(int64_t edge) {
    rng = SplitMix64(base + static_cast<uint64_t>(edge) * 0xD1B54A32D192ED03ULL);
    return rng;
  }
};

inline uint64_t EpochSeed(const LayoutParams &p, int64_t n) {
  return p.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(n) + 1;
}

// Edges [begin, end) of epoch n.
template <int Dim, typename Sampler>
void EpochRange(const LayoutBuffers &buf, const LayoutParams &p, int64_t n, int64_t dimRuntime,
                int64_t begin, int64_t end, Sampler &sampler) {
  const int64_t dim = Dim > 0 ? Dim : dimRuntime;
  const float a = static_cast<float>(p.a), b = static_cast<float>(p.b);
  const float gamma = static_cast<float>(p.repulsionStrength);
  const float alpha = Alpha(p, n);
  const double perRate = 1.0 / p.negativeSampleRate;
  const bool moveOther = buf.headEmbedding == buf.tailEmbedding;
  const double epoch = static_cast<double>(n);
  float *cur = buf.headEmbedding;
  float *oth = buf.tailEmbedding;
  for (int64_t i = begin; i < end; ++i) {
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
    SplitMix64 &rng = sampler.For(i);
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

template <int Dim>
void SerialEpoch(const LayoutBuffers &buf, const LayoutParams &p, int64_t n, int64_t dim) {
  SerialSampler sampler{SplitMix64(EpochSeed(p, n))};
  EpochRange<Dim>(buf, p, n, dim, 0, buf.edges, sampler);
}

// Epochs [from, to) of edges [begin, end).
template <int Dim>
void PerEdgeRange(const LayoutBuffers &buf, const LayoutParams &p, int64_t from, int64_t to,
                  int64_t dim, int64_t begin, int64_t end) {
  for (int64_t n = from; n < to; ++n) {
    PerEdgeSampler sampler{EpochSeed(p, n)};
    EpochRange<Dim>(buf, p, n, dim, begin, end, sampler);
  }
}

// Splits [0, edges) into `parts` contiguous ranges. In a transform (only head rows move, and the
// edges come grouped by head row) a boundary moves forward to the next change of head row, so no
// moving row is shared by two threads and the result is the same for any thread count.
std::vector<int64_t> Bounds(const LayoutBuffers &buf, int64_t parts, bool transform) {
  std::vector<int64_t> bounds{0};
  for (int64_t t = 1; t < parts; ++t) {
    int64_t at = std::max(bounds.back(), buf.edges * t / parts);
    if (transform) {
      while (at > 0 && at < buf.edges && buf.head[at] == buf.head[at - 1]) ++at;
    }
    bounds.push_back(at);
  }
  bounds.push_back(buf.edges);
  return bounds;
}

// Each thread runs every epoch of [from, to) over its own edge range, and the threads meet only
// at the end of the call: no barrier per epoch, which on a busy machine (more runnable threads
// than cores) would leave every epoch waiting for a descheduled thread. An edge's schedule state
// is touched by its own thread only; in a fit, the coordinates are shared and updated without
// locks (Hogwild, as umap-learn's parallel SGD), so threads may be a few epochs apart within a
// call. In a transform only the new rows move, each by one thread: the result is deterministic.
template <int Dim>
void ParallelEpochs(const LayoutBuffers &buf, const LayoutParams &p, int64_t from, int64_t to,
                    int64_t dim, int threads) {
  const bool transform = buf.headEmbedding != buf.tailEmbedding;
  // Below a few thousand edges per thread, starting threads costs more than it saves.
  const int64_t parts = std::clamp<int64_t>(buf.edges / 4096, 1, threads);
  const std::vector<int64_t> bounds = Bounds(buf, parts, transform);
  std::vector<std::thread> pool;
  pool.reserve(parts - 1);
  int64_t started = 1;
  // A thread that cannot be started leaves its range to this thread.
  try {
    for (; started < parts; ++started) {
      pool.emplace_back(PerEdgeRange<Dim>, std::cref(buf), std::cref(p), from, to, dim,
                        bounds[started], bounds[started + 1]);
    }
  } catch (const std::exception &) {
  }
  PerEdgeRange<Dim>(buf, p, from, to, dim, bounds[0], bounds[1]);
  for (int64_t t = started; t < parts; ++t) {
    PerEdgeRange<Dim>(buf, p, from, to, dim, bounds[t], bounds[t + 1]);
  }
  for (auto &thread : pool) thread.join();
}

template <int Dim>
void Epochs(const LayoutBuffers &buf, const LayoutParams &p, int64_t from, int64_t to,
            int64_t dim) {
  const bool transform = buf.headEmbedding != buf.tailEmbedding;
  if (p.threads == 1 && !transform) {
    for (int64_t n = from; n < to; ++n) SerialEpoch<Dim>(buf, p, n, dim);
    return;
  }
  int threads = p.threads;
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  ParallelEpochs<Dim>(buf, p, from, to, dim, std::max(threads, 1));
}

}  // namespace

void OptimizeLayout(const LayoutBuffers &buffers, const LayoutParams &params, int64_t from,
                    int64_t to) {
  // The common output sizes get a loop the compiler can unroll.
  switch (params.dim) {
    case 2: Epochs<2>(buffers, params, from, to, 2); break;
    case 3: Epochs<3>(buffers, params, from, to, 3); break;
    default: Epochs<0>(buffers, params, from, to, params.dim); break;
  }
}

}  // namespace audiomap::compute
