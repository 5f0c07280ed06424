// Exact kNN by blocked matrix products.
#include "knn.h"

#include <limits>
#include <stdexcept>
#include <string>

namespace audiomap::compute {
namespace {

// Unit-length rows; an all-zero row stays zero (its cosine distance to anything is then 1).
at::Tensor NormalizeRows(const at::Tensor &x) {
  return x / x.norm(2, 1, true).clamp_min(1e-12);
}

// Exact distances from each query row to its candidate rows of `data`, sorted ascending and
// cut to the first `k`. `cand` is int64 [B, c]; returns indices [B, k] and distances [B, k].
std::pair<at::Tensor, at::Tensor> Rerank(const at::Tensor &data, const at::Tensor &queries,
                                         const at::Tensor &cand, int64_t k, Metric metric) {
  const int64_t b = cand.size(0), c = cand.size(1), d = data.size(1);
  at::Tensor nb = data.index_select(0, cand.reshape({-1})).view({b, c, d});
  at::Tensor dist;
  if (metric == Metric::kEuclidean) {
    dist = (nb - queries.unsqueeze(1)).pow_(2).sum(2).sqrt_();
  } else {
    // Rows are unit length here, so 1 - cos is the similarity complement.
    dist = (1.0 - (nb * queries.unsqueeze(1)).sum(2)).clamp_min_(0.0);
  }
  auto [sorted, order] = dist.topk(k, 1, /*largest=*/false, /*sorted=*/true);
  return {cand.gather(1, order), sorted};
}

}  // namespace

KnnResult ExactKnn(const at::Tensor &data, const at::Tensor &queriesIn, const KnnOptions &opt) {
  c10::InferenceMode guard;
  const bool self = !queriesIn.defined();
  at::Tensor x = opt.metric == Metric::kCosine ? NormalizeRows(data) : data.contiguous();
  at::Tensor q = self ? x : (opt.metric == Metric::kCosine ? NormalizeRows(queriesIn)
                                                           : queriesIn.contiguous());
  const int64_t n = x.size(0), nq = q.size(0), d = x.size(1);
  const bool skipSelf = self && opt.excludeSelf;
  const int64_t k = opt.k;
  if (k < 1 || k > n - (skipSelf ? 1 : 0)) {
    throw std::invalid_argument("k=" + std::to_string(k) + " must be in [1, " +
                                std::to_string(n - (skipSelf ? 1 : 0)) + "]");
  }
  at::Tensor xn = x.pow(2).sum(1).unsqueeze(0);  // [1, n]
  at::Tensor outIdx = at::empty({nq, k}, x.options().dtype(at::kLong));
  at::Tensor outDist = at::empty({nq, k}, x.options());
  // One block holds a [rows, n] distance matrix and a [rows, k, d] gather for the re-check.
  const int64_t rows = std::min(BlockRows(n, nq, opt.blockBytes), BlockRows(k * d, nq, opt.blockBytes));
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t s = 0; s < nq; s += rows) {
    const int64_t e = std::min(s + rows, nq);
    at::Tensor qb = q.slice(0, s, e);
    // Ranking only needs ||x||^2 - 2 q.x (euclidean) or -q.x (cosine); ||q||^2 is constant per row.
    at::Tensor dist = opt.metric == Metric::kEuclidean ? at::addmm(xn, qb, x.t(), 1.0, -2.0)
                                                       : qb.mm(x.t()).neg_();
    if (skipSelf) dist.diagonal(s).fill_(inf);  // entries (r, s + r): the point itself
    at::Tensor cand = std::get<1>(dist.topk(k, 1, /*largest=*/false, /*sorted=*/true));
    // The expanded form loses precision for near neighbours; recompute their distances directly.
    auto [idx, exact] = Rerank(x, qb, cand, k, opt.metric);
    outIdx.slice(0, s, e).copy_(idx);
    outDist.slice(0, s, e).copy_(exact);
  }
  return {outIdx, outDist};
}

}  // namespace audiomap::compute
