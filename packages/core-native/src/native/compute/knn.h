// Exact k-nearest-neighbour search on LibTorch (blocked matrix products). The approximate
// search is an HNSW graph: knn_hnsw.h.
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

}  // namespace audiomap::compute
