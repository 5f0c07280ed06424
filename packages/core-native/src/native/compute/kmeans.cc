// Lloyd k-means: distances by blocked matrix products, greedy k-means++ seeding (several
// candidate centres per step, the one that lowers the potential most wins), restarts.
#include "kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "compute_common.h"
#include "kmeans_cpu.h"

namespace audiomap::compute {
namespace {

struct Assignment {
  at::Tensor labels;   // int64 [n]
  at::Tensor minDist;  // float32 [n], squared euclidean to the nearest centre
};

// Nearest centre of every row; xn holds the squared row norms [n].
Assignment Assign(const at::Tensor &x, const at::Tensor &xn, const at::Tensor &centers,
                  int64_t blockBytes) {
  const int64_t n = x.size(0), k = centers.size(0);
  at::Tensor cn = centers.pow(2).sum(1).unsqueeze(0);
  Assignment out{at::empty({n}, x.options().dtype(at::kLong)), at::empty({n}, x.options())};
  const int64_t rows = std::min(BlockRows(k, n, blockBytes), BlockRows(x.size(1), n, blockBytes));
  for (int64_t s = 0; s < n; s += rows) {
    const int64_t e = std::min(s + rows, n);
    at::Tensor d = at::addmm(cn, x.slice(0, s, e), centers.t(), 1.0, -2.0);
    auto [v, i] = d.min(1);
    out.labels.slice(0, s, e).copy_(i);
    out.minDist.slice(0, s, e).copy_((v + xn.slice(0, s, e)).clamp_min_(0.0));
  }
  return out;
}

// Sum of squared distances to the assigned centres, computed directly (not by the expanded
// form) and accumulated in float64.
double Inertia(const at::Tensor &x, const at::Tensor &labels, const at::Tensor &centers,
               int64_t blockBytes) {
  const int64_t n = x.size(0);
  // Small blocks: a [rows, d] difference per block, reused from the allocator's cache.
  const int64_t rows = BlockRows(x.size(1), n, std::min<int64_t>(blockBytes, 16LL << 20));
  double total = 0;
  for (int64_t s = 0; s < n; s += rows) {
    const int64_t e = std::min(s + rows, n);
    at::Tensor diff = x.slice(0, s, e) - centers.index_select(0, labels.slice(0, s, e));
    total += diff.pow_(2).sum(at::kDouble).item<double>();
  }
  return total;
}

at::Tensor PlusPlus(const at::Tensor &x, const at::Tensor &xn, int64_t k, SplitMix64 &rng,
                    int64_t blockBytes) {
  const int64_t n = x.size(0);
  const int64_t trials = 2 + static_cast<int64_t>(std::log(static_cast<double>(k)));
  std::vector<int64_t> chosen{rng.Below(n)};
  at::Tensor closest = Assign(x, xn, x.slice(0, chosen[0], chosen[0] + 1), blockBytes).minDist;
  auto dopts = x.options().dtype(at::kDouble);
  for (int64_t c = 1; c < k; ++c) {
    at::Tensor cum = closest.to(at::kDouble).cumsum(0);
    const double pot = cum[n - 1].item<double>();
    std::vector<double> draws(trials);
    for (auto &v : draws) v = rng.Uniform() * pot;
    at::Tensor target = at::tensor(draws, dopts.device(at::kCPU)).to(x.device());
    at::Tensor ids = at::searchsorted(cum, target).clamp_max_(n - 1);
    at::Tensor cand = x.index_select(0, ids);
    // Distance of every row to every candidate, [n, trials], then the potential per candidate.
    at::Tensor d2 = at::addmm(cand.pow(2).sum(1).unsqueeze(0), x, cand.t(), 1.0, -2.0)
                        .add_(xn.unsqueeze(1))
                        .clamp_min_(0.0);
    at::Tensor updated = at::minimum(d2, closest.unsqueeze(1));
    const int64_t best = updated.sum(0, false, at::kDouble).argmin().item<int64_t>();
    closest = updated.select(1, best).contiguous();
    chosen.push_back(ids[best].item<int64_t>());
  }
  at::Tensor idx = at::tensor(chosen, at::TensorOptions().dtype(at::kLong)).to(x.device());
  return x.index_select(0, idx);
}

// Rows per block of the fused Lloyd step: small enough that the block of data stays in cache
// between the distance product and the centroid-sum product.
constexpr int64_t kLloydBlockRows = 4096;

struct LloydStep {
  at::Tensor labels;   // int64 [n]
  at::Tensor minDist;  // float32 [n]
  at::Tensor sums;     // [k, d]
  at::Tensor counts;   // [k]
};

// One pass over the data: nearest centres and, per cluster, the sum and count of its points.
LloydStep AssignAndSum(const at::Tensor &x, const at::Tensor &xn, const at::Tensor &centers) {
  const int64_t n = x.size(0), k = centers.size(0);
  at::Tensor cn = centers.pow(2).sum(1).unsqueeze(0);
  LloydStep out{at::empty({n}, x.options().dtype(at::kLong)), at::empty({n}, x.options()),
                at::zeros_like(centers), at::zeros({k}, x.options())};
  for (int64_t s = 0; s < n; s += kLloydBlockRows) {
    const int64_t e = std::min(s + kLloydBlockRows, n);
    at::Tensor xb = x.slice(0, s, e);
    auto [v, i] = at::addmm(cn, xb, centers.t(), 1.0, -2.0).min(1);
    out.labels.slice(0, s, e).copy_(i);
    out.minDist.slice(0, s, e).copy_((v + xn.slice(0, s, e)).clamp_min_(0.0));
    // Per-cluster sums as one-hot^T x, a matrix product (index_add_ on CPU loops over rows).
    at::Tensor onehot = at::zeros({e - s, k}, x.options()).scatter_(1, i.unsqueeze(1), 1.0);
    out.sums.addmm_(onehot.t(), xb);
    out.counts.add_(onehot.sum(0));
  }
  return out;
}

KmeansResult Lloyd(const at::Tensor &x, const at::Tensor &xn, at::Tensor centers,
                   const KmeansOptions &opt, double tolAbs) {
  at::Tensor previous;
  bool strict = false;
  int64_t it = 0;
  while (it < opt.maxIter) {
    LloydStep a = AssignAndSum(x, xn, centers);
    ++it;
    at::Tensor empty = (a.counts == 0).nonzero().flatten();
    if (empty.numel() > 0) {
      // An empty cluster restarts at the points farthest from their centres.
      at::Tensor far = std::get<1>(a.minDist.topk(empty.numel()));
      a.sums.index_copy_(0, empty, x.index_select(0, far));
      a.counts.index_fill_(0, empty, 1.0);
    }
    at::Tensor next = a.sums / a.counts.unsqueeze(1);
    const double shift = (next - centers).pow(2).sum(at::kDouble).item<double>();
    centers = next;
    if (previous.defined() && at::equal(previous, a.labels)) {
      strict = true;
      break;
    }
    previous = a.labels;
    if (shift <= tolAbs) break;
  }
  at::Tensor labels = strict ? previous : Assign(x, xn, centers, opt.blockBytes).labels;
  return {labels, centers, Inertia(x, labels, centers, opt.blockBytes), it};
}

// An empty cluster restarts at the row farthest from its centre, as in scikit-learn: the rows
// farthest from their current centres (exact distances) move to the empty clusters, one each,
// and become those clusters' centres; the clusters they leave lose them from their sums.
void RelocateEmpty(const at::Tensor &x, const at::Tensor &xn, const at::Tensor &centers,
                   const std::vector<int64_t> &empty, int64_t *labels, cpu::HamerlyState *state,
                   at::Tensor &next) {
  const int64_t n = x.size(0), d = x.size(1), k = centers.size(0);
  const float *px = x.data_ptr<float>();
  at::Tensor minDist = at::empty({n}, at::kFloat);
  at::Tensor nearest = at::empty({n}, at::kLong);
  cpu::NearestCenters(px, xn.data_ptr<float>(), n, d, centers.data_ptr<float>(), k,
                      nearest.data_ptr<int64_t>(), minDist.data_ptr<float>());
  at::Tensor far = std::get<1>(minDist.topk(static_cast<int64_t>(empty.size())));
  float *pc = next.data_ptr<float>();
  for (size_t e = 0; e < empty.size(); ++e) {
    const int64_t row = far[static_cast<int64_t>(e)].item<int64_t>(), to = empty[e];
    const int64_t from = labels[row];
    if (from >= 0) {
      for (int64_t j = 0; j < d; ++j) state->sums[from * d + j] -= px[row * d + j];
      state->counts[from] -= 1;
      // A cluster left with no rows keeps its centre until the next step.
      for (int64_t j = 0; state->counts[from] > 0 && j < d; ++j) {
        pc[from * d + j] = static_cast<float>(state->sums[from * d + j] / state->counts[from]);
      }
    }
    for (int64_t j = 0; j < d; ++j) state->sums[to * d + j] = px[row * d + j];
    state->counts[to] = 1;
    std::copy(px + row * d, px + (row + 1) * d, pc + to * d);
    labels[row] = to;
  }
}

// Lloyd iterations on the CPU, with the same stopping rules as Lloyd() (scikit-learn's): stop
// when an assignment step changes no label (strict convergence) or when the centres moved by at
// most tolAbs in total squared shift, then one more assignment step so that the labels match
// the final centres. The assignment steps use Hamerly's bounds: the same labels as plain Lloyd,
// but a row whose bounds rule out a change costs O(1) instead of k distances, which is most rows
// once the centres move little (the long tail of iterations in a poor local minimum).
KmeansResult LloydCpu(const at::Tensor &x, const at::Tensor &xn, at::Tensor centers,
                      const KmeansOptions &opt, double tolAbs) {
  const int64_t n = x.size(0), d = x.size(1), k = centers.size(0);
  const float *px = x.data_ptr<float>();
  const float *pn = xn.data_ptr<float>();
  at::Tensor labels = at::full({n}, -1, at::kLong);
  int64_t *pl = labels.data_ptr<int64_t>();
  cpu::HamerlyState state;
  std::vector<double> shift(k);
  bool strict = false;
  int64_t it = 0;
  while (it < opt.maxIter) {
    const int64_t changed = cpu::HamerlyAssign(px, pn, n, d, centers.data_ptr<float>(), k, pl,
                                               &state);
    ++it;
    at::Tensor next = at::empty({k, d}, at::kFloat);
    float *pc = next.data_ptr<float>();
    std::vector<int64_t> empty;
    for (int64_t c = 0; c < k; ++c) {
      if (state.counts[c] <= 0) {
        empty.push_back(c);
        continue;
      }
      for (int64_t j = 0; j < d; ++j) {
        pc[c * d + j] = static_cast<float>(state.sums[c * d + j] / state.counts[c]);
      }
    }
    bool relocated = false;
    if (!empty.empty()) {
      RelocateEmpty(x, xn, centers, empty, pl, &state, next);
      relocated = true;
    }
    const float *old = centers.data_ptr<float>();
    double total = 0;
    for (int64_t c = 0; c < k; ++c) {
      double s = 0;
      for (int64_t j = 0; j < d; ++j) {
        const double v = static_cast<double>(pc[c * d + j]) - old[c * d + j];
        s += v * v;
      }
      shift[c] = std::sqrt(s);
      total += s;
    }
    centers = next;
    if (relocated) {
      // Moved rows and a centre that jumped: start the bounds afresh.
      std::fill(state.upper.begin(), state.upper.end(), std::numeric_limits<float>::infinity());
      std::fill(state.lower.begin(), state.lower.end(), 0.0f);
    } else {
      cpu::HamerlyMoveBounds(pl, n, shift, &state);
    }
    if (changed == 0 && !relocated) {
      strict = true;
      break;
    }
    if (total <= tolAbs) break;
  }
  // The final centres differ from those of the last assignment unless it changed nothing.
  if (!strict) cpu::HamerlyAssign(px, pn, n, d, centers.data_ptr<float>(), k, pl, &state);
  return {labels, centers, Inertia(x, labels, centers, opt.blockBytes), it};
}

}  // namespace

// The seeding on the CPU with the fused kernel (one pass over the data per centre).
at::Tensor PlusPlusSeeds(const at::Tensor &x, const at::Tensor &xn, int64_t k, SplitMix64 &rng) {
  const int64_t n = x.size(0), d = x.size(1);
  const int64_t trials = 2 + static_cast<int64_t>(std::log(static_cast<double>(k)));
  const float *px = x.data_ptr<float>();
  const float *pn = xn.data_ptr<float>();
  std::vector<int64_t> chosen{rng.Below(n)};
  std::vector<float> closest(n, std::numeric_limits<float>::infinity());
  std::vector<float> updated(n);
  std::vector<double> pot;
  cpu::CandidatePotentials(px, pn, n, d, px + chosen[0] * d, 1, closest.data(), updated.data(),
                           &pot);
  closest.swap(updated);
  std::vector<float> cand(trials * d);
  std::vector<float> next(n * trials);
  std::vector<double> cum(n);
  for (int64_t c = 1; c < k; ++c) {
    double total = 0;
    for (int64_t i = 0; i < n; ++i) cum[i] = total += closest[i];
    std::vector<int64_t> ids(trials);
    for (int64_t j = 0; j < trials; ++j) {
      const double target = rng.Uniform() * total;
      // First index whose cumulative potential reaches the target (numpy's searchsorted).
      ids[j] = std::min<int64_t>(std::lower_bound(cum.begin(), cum.end(), target) - cum.begin(),
                                 n - 1);
      std::copy(px + ids[j] * d, px + (ids[j] + 1) * d, cand.begin() + j * d);
    }
    cpu::CandidatePotentials(px, pn, n, d, cand.data(), trials, closest.data(), next.data(), &pot);
    const int64_t best = std::min_element(pot.begin(), pot.end()) - pot.begin();
    for (int64_t i = 0; i < n; ++i) closest[i] = next[i * trials + best];
    chosen.push_back(ids[best]);
  }
  at::Tensor idx = at::tensor(chosen, at::TensorOptions().dtype(at::kLong));
  return x.index_select(0, idx).contiguous();
}

double KmeansInertia(const at::Tensor &x, const at::Tensor &labels, const at::Tensor &centers,
                     int64_t blockBytes) {
  c10::InferenceMode guard;
  return Inertia(x, labels, centers, blockBytes);
}

KmeansResult Kmeans(const at::Tensor &data, const KmeansOptions &opt) {
  c10::InferenceMode guard;
  at::Tensor x = data.contiguous();
  const int64_t n = x.size(0);
  if (opt.k < 1 || opt.k > n) {
    throw std::invalid_argument("k=" + std::to_string(opt.k) + " must be in [1, " +
                                std::to_string(n) + "]");
  }
  if (opt.nInit < 1) throw std::invalid_argument("nInit must be at least 1");
  const bool fused = x.is_cpu() && x.scalar_type() == at::kFloat;
  at::Tensor xn = fused ? cpu::SquaredNorms(x) : x.pow(2).sum(1);
  const double tolAbs = opt.tol * x.var(0, /*unbiased=*/false).mean().item<double>();
  SplitMix64 master(opt.seed);
  KmeansResult best;
  for (int64_t r = 0; r < opt.nInit; ++r) {
    SplitMix64 rng(master.Next());
    // Float32 rows on the CPU take the fused kernels; other devices and dtypes LibTorch's ops.
    KmeansResult run =
        fused
            ? LloydCpu(x, xn, PlusPlusSeeds(x, xn, opt.k, rng), opt, tolAbs)
            : Lloyd(x, xn, PlusPlus(x, xn, opt.k, rng, opt.blockBytes), opt, tolAbs);
    if (r == 0 || run.inertia < best.inertia) best = run;
  }
  return best;
}

}  // namespace audiomap::compute
