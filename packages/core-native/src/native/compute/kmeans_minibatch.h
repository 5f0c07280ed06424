// Mini-batch k-means (Sculley 2010) with scikit-learn 1.2's MiniBatchKMeans rules, for data
// too large for full Lloyd iterations.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

#include "kmeans.h"

namespace audiomap::compute {

/// Options of MiniBatchKmeans; the defaults are scikit-learn 1.2's.
struct MiniBatchKmeansOptions {
  int64_t k = 8;
  /// Rows per step, drawn uniformly with replacement.
  int64_t batchSize = 1024;
  /// Passes over the data at most: the run stops after maxIter * n / batchSize steps.
  int64_t maxIter = 100;
  /// Stop when the smoothed batch inertia has not improved for this many steps (0 = never).
  int64_t maxNoImprovement = 10;
  /// k-means++ seedings, each on its own random subset of initSize rows; the one with the lowest
  /// inertia on a validation subset wins.
  int64_t nInit = 3;
  /// Rows of each seeding subset; 0 = 3 * batchSize (at least 3 * k), at most n.
  int64_t initSize = 0;
  /// Clusters whose count falls below this fraction of the largest count move to random rows
  /// of the batch (every 10 * k rows seen, or whenever a cluster is empty).
  double reassignmentRatio = 0.01;
  /// Relative tolerance on the squared centre change of a step (0 = off, the default), scaled
  /// by the mean per-feature variance as in KmeansOptions::tol.
  double tol = 0;
  uint64_t seed = 0;
};

struct MiniBatchKmeansResult {
  at::Tensor labels;     // int64 [n], nearest final centre
  at::Tensor centroids;  // float32 [k, d]
  double inertia = 0;    // over all n rows, to the final centres
  int64_t steps = 0;     // mini-batch steps taken
  int64_t iterations = 0;  // ceil(steps * batchSize / n), scikit-learn's n_iter_
};

/// Clusters the float32 [n, d] rows of `data` (copied to the CPU if elsewhere).
MiniBatchKmeansResult MiniBatchKmeans(const at::Tensor &data, const MiniBatchKmeansOptions &opt);

}  // namespace audiomap::compute
