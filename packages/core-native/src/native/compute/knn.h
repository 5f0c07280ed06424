// k-nearest-neighbour kernels on LibTorch: exact (blocked matrix products) and approximate
// (candidates from a PCA projection, re-ranked with exact distances).
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "compute_common.h"

namespace audiomap::compute {

struct KnnOptions {
  int64_t k = 15;
  Metric metric = Metric::kEuclidean;
  /// Drop each point itself from its own neighbour list (only when queries are the data).
  bool excludeSelf = true;
  /// Upper bound for one [blockRows, nData] distance block, in bytes.
  int64_t blockBytes = 256LL << 20;
};

struct KnnResult {
  at::Tensor indices;    // int64 [nQuery, k], nearest first
  at::Tensor distances;  // float32 [nQuery, k]; euclidean, or 1 - cosine similarity
};

/// Exact kNN of `queries` among `data` (both float32 [n, d] on the same device). When `queries`
/// is undefined the data are their own queries and `excludeSelf` applies.
KnnResult ExactKnn(const at::Tensor &data, const at::Tensor &queries, const KnnOptions &options);

struct ApproxKnnOptions {
  /// Dimensions of the PCA projection in which candidates are searched.
  int64_t projectDims = 64;
  /// Candidates per point re-ranked in the full space (at least k + 1).
  int64_t candidates = 60;
};

/// Approximate kNN of the data among themselves: exact search in a PCA projection for
/// `candidates` neighbours, re-ranked by exact distances in the original space.
KnnResult ApproxKnn(const at::Tensor &data, const KnnOptions &options,
                    const ApproxKnnOptions &approx);

}  // namespace audiomap::compute
