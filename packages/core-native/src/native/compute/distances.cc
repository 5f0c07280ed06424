// Blockwise dense distances. The expanded euclidean form and the cosine clip follow the usual
// conventions (scikit-learn's pairwise_distances does the same), so metrics built on top agree
// with it to float64 rounding.
#include "distances.h"

#include <limits>

namespace audiomap::compute {
namespace {

at::Tensor UnitRows(const at::Tensor &x) { return x / x.norm(2, 1, true).clamp_min(1e-300); }

// Distances from the rows of `q` to every row of `x` (both already unit length for cosine).
// xn: squared norms of x as [1, n]. When selfOffset >= 0, entry (r, selfOffset + r) is a
// point's distance to itself and is set to exactly 0.
at::Tensor Block(const at::Tensor &x, const at::Tensor &xn, const at::Tensor &q, Metric metric,
                 int64_t selfOffset) {
  at::Tensor d;
  if (metric == Metric::kEuclidean) {
    at::Tensor qn = q.pow(2).sum(1, true);
    d = at::addmm(xn, q, x.t(), 1.0, -2.0).add_(qn).clamp_min_(0.0);
    if (selfOffset >= 0) d.diagonal(selfOffset).fill_(0.0);
    d.sqrt_();
  } else {
    d = q.mm(x.t()).neg_().add_(1.0).clamp_(0.0, 2.0);
    if (selfOffset >= 0) d.diagonal(selfOffset).fill_(0.0);
  }
  return d;
}

struct Prepared {
  at::Tensor x;
  at::Tensor xn;
};

Prepared Prepare(const at::Tensor &data, Metric metric) {
  at::Tensor x = metric == Metric::kCosine ? UnitRows(data) : data.contiguous();
  at::Tensor xn = metric == Metric::kEuclidean ? x.pow(2).sum(1).unsqueeze(0) : at::Tensor();
  return {x, xn};
}

int64_t Rows(int64_t bytesPerRow, int64_t total, int64_t budget) {
  return std::clamp<int64_t>(budget / std::max<int64_t>(bytesPerRow, 1), 1,
                             std::max<int64_t>(total, 1));
}

}  // namespace

at::Tensor PairwiseDistances(const at::Tensor &data, const at::Tensor &queries, Metric metric,
                             int64_t blockBytes) {
  c10::InferenceMode guard;
  Prepared p = Prepare(data, metric);
  const bool self = !queries.defined();
  at::Tensor q = self ? p.x : (metric == Metric::kCosine ? UnitRows(queries) : queries.contiguous());
  const int64_t n = p.x.size(0), nq = q.size(0);
  at::Tensor out = at::empty({nq, n}, p.x.options());
  const int64_t rows = Rows(n * p.x.element_size() * 2, nq, blockBytes);
  for (int64_t s = 0; s < nq; s += rows) {
    const int64_t e = std::min(s + rows, nq);
    out.slice(0, s, e).copy_(Block(p.x, p.xn, q.slice(0, s, e), metric, self ? s : -1));
  }
  return out;
}

at::Tensor ClusterDistanceSums(const at::Tensor &data, const at::Tensor &labels, int64_t k,
                               Metric metric, int64_t blockBytes) {
  c10::InferenceMode guard;
  Prepared p = Prepare(data.to(at::kDouble), metric);
  const int64_t n = p.x.size(0);
  at::Tensor onehot = at::zeros({n, k}, p.x.options());
  onehot.scatter_(1, labels.to(p.x.device()).unsqueeze(1), 1.0);
  at::Tensor out = at::empty({n, k}, p.x.options());
  const int64_t rows = Rows(n * 8 * 2, n, blockBytes);
  for (int64_t s = 0; s < n; s += rows) {
    const int64_t e = std::min(s + rows, n);
    out.slice(0, s, e).copy_(Block(p.x, p.xn, p.x.slice(0, s, e), metric, s).mm(onehot));
  }
  return out;
}

at::Tensor NeighborRanks(const at::Tensor &data, const at::Tensor &rowsIn,
                         const at::Tensor &neighbours, Metric metric, int64_t blockBytes) {
  c10::InferenceMode guard;
  Prepared p = Prepare(data.to(at::kDouble), metric);
  at::Tensor rowIdx = rowsIn.to(p.x.device(), at::kLong);
  at::Tensor nb = neighbours.to(p.x.device(), at::kLong);
  const int64_t n = p.x.size(0), m = rowIdx.size(0), t = nb.size(1);
  at::Tensor out = at::empty({m, t}, nb.options());
  const double inf = std::numeric_limits<double>::infinity();
  // A block holds [rows, n] float64 distances and a [rows, t, n] comparison mask.
  const int64_t rows = Rows(n * (8 + t), m, blockBytes);
  for (int64_t s = 0; s < m; s += rows) {
    const int64_t e = std::min(s + rows, m);
    at::Tensor ids = rowIdx.slice(0, s, e);
    at::Tensor d = Block(p.x, p.xn, p.x.index_select(0, ids), metric, -1);
    d.scatter_(1, ids.unsqueeze(1), inf);  // a point is not its own neighbour
    at::Tensor dj = d.gather(1, nb.slice(0, s, e));
    out.slice(0, s, e).copy_(d.unsqueeze(1).lt(dj.unsqueeze(2)).sum(2).add_(1));
  }
  return out;
}

}  // namespace audiomap::compute
