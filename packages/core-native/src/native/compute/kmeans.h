// Lloyd k-means with greedy k-means++ seeding and restarts, on LibTorch.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "compute_common.h"

namespace audiomap::compute {

struct KmeansOptions {
  int64_t k = 8;
  /// Independent restarts; the run with the lowest inertia wins.
  int64_t nInit = 10;
  int64_t maxIter = 300;
  /// Relative tolerance: converged when the total squared centroid shift is at most
  /// tol * mean per-feature variance of the data (scikit-learn's convention).
  double tol = 1e-4;
  uint64_t seed = 0;
  /// Upper bound for one [blockRows, k] distance block plus its share of the data, in bytes.
  int64_t blockBytes = 256LL << 20;
};

struct KmeansResult {
  at::Tensor labels;     // int64 [n]
  at::Tensor centroids;  // float32 [k, d]
  double inertia = 0;    // sum of squared distances to the assigned centroid
  int64_t iterations = 0;
};

/// Clusters the float32 [n, d] rows of `data` (on any device).
KmeansResult Kmeans(const at::Tensor &data, const KmeansOptions &options);

/// scikit-learn's greedy k-means++ on contiguous float32 CPU rows x [n, d] with squared row
/// norms xn [n]: the first centre uniform, then for each next centre 2 + floor(ln k) candidates
/// drawn with probability proportional to the squared distance to the nearest chosen centre,
/// and the candidate that lowers the total of those distances most is kept. Returns [k, d].
at::Tensor PlusPlusSeeds(const at::Tensor &x, const at::Tensor &xn, int64_t k, SplitMix64 &rng);

/// Sum of squared distances of the rows of x [n, d] to their centres (labels [n]), computed
/// directly (not by the expanded form) and accumulated in float64.
double KmeansInertia(const at::Tensor &x, const at::Tensor &labels, const at::Tensor &centers,
                     int64_t blockBytes = 16LL << 20);

}  // namespace audiomap::compute
