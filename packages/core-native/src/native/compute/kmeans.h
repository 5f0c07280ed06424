// Lloyd k-means with greedy k-means++ seeding and restarts, on LibTorch.
#pragma once

#include <torch/torch.h>

#include <cstdint>

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

}  // namespace audiomap::compute
