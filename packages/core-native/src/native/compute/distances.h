// Dense distance kernels used by the clustering metrics and by HDBSCAN/agglomerative
// clustering: full pairwise matrices, per-cluster distance sums (silhouette) and the rank of
// given neighbours in each row's ordering (trustworthiness). Computed blockwise.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "compute_common.h"

namespace audiomap::compute {

/// Pairwise distances [nq, n] between `queries` (or the data when undefined) and `data`, in the
/// dtype of the inputs. Euclidean, or cosine distance 1 - cos clipped to [0, 2]; the diagonal is
/// exactly 0 when queries are the data.
at::Tensor PairwiseDistances(const at::Tensor &data, const at::Tensor &queries, Metric metric,
                             int64_t blockBytes);

/// sums[i, c] = sum of distances from row i to the rows labelled c (labels int64 in [0, k)),
/// computed in float64. Row i's distance to itself is 0.
at::Tensor ClusterDistanceSums(const at::Tensor &data, const at::Tensor &labels, int64_t k,
                               Metric metric, int64_t blockBytes);

/// For each row i in `rows` (int64 [m]) and each candidate j = neighbours[r, t] (int64 [m, t]):
/// 1 + the number of points l != i with d(i, l) < d(i, j), in float64 — the rank of j among
/// i's neighbours in the original space. Returns int64 [m, t].
at::Tensor NeighborRanks(const at::Tensor &data, const at::Tensor &rows,
                         const at::Tensor &neighbours, Metric metric, int64_t blockBytes);

}  // namespace audiomap::compute
