// Approximate kNN with a hierarchical navigable small-world graph (hnswlib 0.6.2, Debian's
// libhnswlib-dev), built in parallel over all cores.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "knn.h"

namespace audiomap::compute {

struct HnswOptions {
  /// Links per node and layer (hnswlib's M; layer 0 keeps 2M). More links: higher recall, more
  /// memory (8M bytes per point on layer 0) and a slower build.
  int64_t m = 24;
  /// Candidate list size while inserting (hnswlib's ef_construction).
  int64_t efConstruction = 200;
  /// Candidate list size per query (hnswlib's ef); raised to k + 1 when smaller.
  int64_t efSearch = 200;
  /// Seed of the node levels. With one thread the graph, and so every result, is a function of
  /// the data and this seed; with more threads the insertion order varies between runs.
  uint64_t seed = 0;
  /// Threads for the build and the queries; <= 0: OMP_NUM_THREADS, else all hardware threads.
  int threads = 0;
};

/// Throws std::invalid_argument unless every option is in range (m in [2, 256], efConstruction
/// and efSearch in [1, 1e6]).
void CheckHnswOptions(const HnswOptions &options);

/// Approximate kNN of `queries` (float32 [m, d], CPU) among `data` (float32 [n, d], CPU) through
/// an HNSW index over `data`. When `queries` is undefined the data are their own queries and
/// `excludeSelf` applies. Distances are euclidean or 1 - cosine similarity, as in ExactKnn.
KnnResult HnswKnn(const at::Tensor &data, const at::Tensor &queries, const KnnOptions &options,
                  const HnswOptions &hnsw);

}  // namespace audiomap::compute
