// UMAP's layout optimisation (stochastic gradient descent on the fuzzy set cross-entropy with
// negative sampling), natively: the same update rule, edge schedule, negative-sample schedule
// and learning-rate decay as umap-js 1.4's optimizeLayoutStep, on float32 coordinates.
#pragma once

#include <cstdint>

namespace audiomap::compute {

/// Edge list and schedule (built in TypeScript, packages/viz/src/umap/optimize.ts) and the
/// coordinates, all owned by the caller and updated in place.
struct LayoutBuffers {
  float *headEmbedding = nullptr;  // [headRows, dim], moved
  float *tailEmbedding = nullptr;  // [nVertices, dim]; == headEmbedding in a fit
  const int32_t *head = nullptr;   // [edges]
  const int32_t *tail = nullptr;   // [edges]
  const double *epochsPerSample = nullptr;
  double *nextSample = nullptr;    // schedule state, carried between calls
  double *nextNegative = nullptr;
  int64_t edges = 0;
};

struct LayoutParams {
  double a = 0, b = 0;
  double learningRate = 1.0;
  double repulsionStrength = 1.0;
  double negativeSampleRate = 5.0;
  int64_t nEpochs = 0;
  int64_t dim = 2;
  int64_t nVertices = 0;  // rows of tailEmbedding that negative samples are drawn from
  uint64_t seed = 0;
  // 1: a fit runs on the calling thread, its negative samples from one stream per epoch walked in
  //    edge order, so a seed gives the same layout bit for bit. Otherwise (0 = every hardware
  //    thread) the edges are split across threads that update the shared coordinates without
  //    locks (Hogwild, as umap-learn's parallel SGD): faster, the same quality, not reproducible.
  //    A transform moves only its own rows; its threads never share one, so it is deterministic
  //    for any count (one sample stream per (epoch, edge)).
  int threads = 1;
};

/// Runs epochs [from, to). Each epoch draws its negative samples from generators seeded by
/// (seed, epoch), so the result does not depend on how the epochs are split across calls.
/// Never throws for valid buffers: a thread that cannot be started leaves its edges to the caller.
void OptimizeLayout(const LayoutBuffers &buffers, const LayoutParams &params, int64_t from,
                    int64_t to);

}  // namespace audiomap::compute
