// HNSW kNN on hnswlib. hnswlib.h defines non-inline functions, so this is the only translation
// unit that may include it.
#include "knn_hnsw.h"
#include "vector_kernels.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace audiomap::compute {
namespace {

int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  const char *env = std::getenv("OMP_NUM_THREADS");
  int n = env ? std::atoi(env) : 0;
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  return std::max(n, 1);
}

// Runs fn(i) for i in [begin, end) on `threads` threads pulling indices from a shared counter.
// The first exception stops the others and is rethrown here, on the calling thread.
template <typename Fn>
void ParallelFor(int64_t begin, int64_t end, int threads, Fn fn) {
  std::atomic<int64_t> next{begin};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex errorLock;
  auto work = [&] {
    for (int64_t i; !failed && (i = next++) < end;) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(errorLock);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  const int n = static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(end - begin, 1)));
  std::vector<std::thread> pool;
  pool.reserve(n - 1);
  for (int t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto &t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

// hnswlib's space interface over the run-time dispatched kernels of vector_kernels.h (its own
// L2Space / InnerProductSpace would be SSE-only in this baseline-x86-64 build).
class DispatchedSpace : public hnswlib::SpaceInterface<float> {
 public:
  DispatchedSpace(Metric metric, size_t dim, SimdLevel level)
      : dim_(dim),
        distance_(metric == Metric::kEuclidean ? SquaredL2Kernel(level)
                                               : InnerProductDistanceKernel(level)) {}
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return distance_; }
  void *get_dist_func_param() override { return &dim_; }

 private:
  size_t dim_;
  hnswlib::DISTFUNC<float> distance_;
};

}  // namespace

void CheckHnswOptions(const HnswOptions &o) {
  if (o.m < 2 || o.m > 256) {
    throw std::invalid_argument("hnswM=" + std::to_string(o.m) + " must be in [2, 256]");
  }
  if (o.efConstruction < 1 || o.efConstruction > 1000000) {
    throw std::invalid_argument("efConstruction=" + std::to_string(o.efConstruction) +
                                " must be in [1, 1000000]");
  }
  if (o.efSearch < 1 || o.efSearch > 1000000) {
    throw std::invalid_argument("efSearch=" + std::to_string(o.efSearch) +
                                " must be in [1, 1000000]");
  }
}

KnnResult HnswKnn(const at::Tensor &dataIn, const at::Tensor &queriesIn, const KnnOptions &opt,
                  const HnswOptions &hnsw) {
  c10::InferenceMode guard;
  CheckHnswOptions(hnsw);
  if (!dataIn.device().is_cpu() || (queriesIn.defined() && !queriesIn.device().is_cpu())) {
    throw std::invalid_argument("method 'hnsw' runs on the CPU (device must be 'cpu')");
  }
  const bool self = !queriesIn.defined();
  const bool cosine = opt.metric == Metric::kCosine;
  // Cosine distance is 1 - a.b on unit rows: hnswlib's inner-product space on normalised copies.
  auto prepare = [cosine](const at::Tensor &t) {
    at::Tensor c = t.to(at::kFloat).contiguous();
    return cosine ? (c / c.norm(2, 1, true).clamp_min(1e-12)).contiguous() : c;
  };
  const at::Tensor x = prepare(dataIn);
  const at::Tensor q = self ? x : prepare(queriesIn);
  const int64_t n = x.size(0), d = x.size(1), nq = q.size(0);
  const bool skipSelf = self && opt.excludeSelf;
  const int64_t k = opt.k;
  if (k < 1 || k > n - (skipSelf ? 1 : 0)) {
    throw std::invalid_argument("k=" + std::to_string(k) + " must be in [1, " +
                                std::to_string(n - (skipSelf ? 1 : 0)) + "]");
  }
  const int threads = ResolveThreads(hnsw.threads);
  DispatchedSpace space(opt.metric, static_cast<size_t>(d), ActiveSimdLevel());
  hnswlib::HierarchicalNSW<float> index(&space, static_cast<size_t>(n),
                                        static_cast<size_t>(hnsw.m),
                                        static_cast<size_t>(hnsw.efConstruction), hnsw.seed);
  // Node levels come from a seeded SplitMix64 in point order, so they do not depend on which
  // thread inserts which point. hnswlib still draws a level of its own from a generator shared
  // by the inserting threads and keeps it unless the given level is positive; with mult_ = 0 its
  // draw is always 0, so the level used is always ours.
  std::vector<int> levels(static_cast<size_t>(n));
  SplitMix64 rng(hnsw.seed);
  const double mult = index.mult_;  // 1 / ln(M), hnswlib's level scale
  for (auto &level : levels) {
    const double u = 1.0 - rng.Uniform();  // (0, 1]
    level = static_cast<int>(std::min(-std::log(u) * mult, 64.0));
  }
  index.mult_ = 0.0;
  const float *xs = x.data_ptr<float>();
  // The first point goes in alone: it becomes the entry point every later insertion starts from.
  index.addPoint(xs, 0, levels[0]);
  ParallelFor(1, n, threads, [&](int64_t i) {
    index.addPoint(xs + i * d, static_cast<size_t>(i), levels[static_cast<size_t>(i)]);
  });

  const int64_t want = k + (skipSelf ? 1 : 0);
  index.setEf(static_cast<size_t>(std::max(hnsw.efSearch, want)));
  at::Tensor outIdx = at::empty({nq, k}, at::kLong);
  at::Tensor outDist = at::empty({nq, k}, at::kFloat);
  int64_t *idx = outIdx.data_ptr<int64_t>();
  float *dist = outDist.data_ptr<float>();
  const float *qs = q.data_ptr<float>();
  std::vector<char> shortList(static_cast<size_t>(nq), 0);
  ParallelFor(0, nq, threads, [&](int64_t i) {
    auto found = index.searchKnn(qs + i * d, static_cast<size_t>(want));
    // A max-heap: farthest on top. Read it into nearest-first order.
    std::vector<std::pair<float, size_t>> hits(found.size());
    for (size_t j = found.size(); j-- > 0; found.pop()) hits[j] = found.top();
    int64_t c = 0;
    for (const auto &[distance, label] : hits) {
      if (c == k) break;
      if (skipSelf && static_cast<int64_t>(label) == i) continue;
      idx[i * k + c] = static_cast<int64_t>(label);
      // L2Space gives squared distances; the inner-product space gives 1 - a.b.
      dist[i * k + c] = cosine ? std::max(distance, 0.0f) : std::sqrt(std::max(distance, 0.0f));
      ++c;
    }
    if (c < k) shortList[static_cast<size_t>(i)] = 1;
  });

  // A query that reached fewer than k points (a graph cut off by many duplicates) gets its
  // exact neighbours instead, so every list is full and valid.
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < nq; ++i) {
    if (shortList[static_cast<size_t>(i)]) rows.push_back(i);
  }
  if (!rows.empty()) {
    at::Tensor rowIdx = at::tensor(rows, at::kLong);
    KnnOptions exactOpt = opt;
    exactOpt.k = want;
    exactOpt.metric = opt.metric;
    KnnResult exact = ExactKnn(dataIn, q.index_select(0, rowIdx), exactOpt);
    auto ei = exact.indices.accessor<int64_t, 2>();
    auto ed = exact.distances.accessor<float, 2>();
    for (size_t r = 0; r < rows.size(); ++r) {
      const int64_t i = rows[r];
      int64_t c = 0;
      for (int64_t j = 0; j < want && c < k; ++j) {
        if (skipSelf && ei[r][j] == i) continue;
        idx[i * k + c] = ei[r][j];
        dist[i * k + c] = ed[r][j];
        ++c;
      }
    }
  }
  return {outIdx, outDist};
}

}  // namespace audiomap::compute
