// Mini-batch k-means, step by step as scikit-learn 1.2's MiniBatchKMeans.fit: seeding on
// subsets, per-centre learning rate 1 / (rows the centre has absorbed), random reassignment of
// starved centres, and early stopping on the exponentially weighted batch inertia.
#include "kmeans_minibatch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "compute_common.h"
#include "kmeans_cpu.h"

namespace audiomap::compute {
namespace {

// Rows `ids` of x, gathered into a contiguous [ids.size(), d] tensor.
at::Tensor Gather(const at::Tensor &x, const std::vector<int64_t> &ids) {
  at::Tensor idx = at::from_blob(const_cast<int64_t *>(ids.data()),
                                 {static_cast<int64_t>(ids.size())}, at::kLong);
  return x.index_select(0, idx).contiguous();
}

std::vector<int64_t> Draw(SplitMix64 &rng, int64_t n, int64_t count) {
  std::vector<int64_t> ids(count);
  for (auto &i : ids) i = rng.Below(n);
  return ids;
}

// Nearest centres of the rows of xb; returns the sum of their squared distances.
double Assign(const at::Tensor &xb, const at::Tensor &xbn, const at::Tensor &centers,
              std::vector<int64_t> *labels, std::vector<float> *minDist) {
  const int64_t b = xb.size(0);
  labels->resize(b);
  minDist->resize(b);
  cpu::NearestCenters(xb.data_ptr<float>(), xbn.data_ptr<float>(), b, xb.size(1),
                      centers.data_ptr<float>(), centers.size(0), labels->data(),
                      minDist->data());
  double total = 0;
  for (float v : *minDist) total += v;
  return total;
}

// The early-stopping rule of scikit-learn's MiniBatchKMeans._mini_batch_convergence.
class Convergence {
 public:
  Convergence(int64_t batch, int64_t n, int64_t maxNoImprovement, double tolAbs)
      : alpha_(std::min(1.0, batch * 2.0 / (n + 1.0))), batch_(batch),
        maxNoImprovement_(maxNoImprovement), tolAbs_(tolAbs) {}

  bool Done(int64_t step, double batchInertia, double centerShift) {
    batchInertia /= static_cast<double>(batch_);
    // The first step's inertia is that of the seeding: ignored.
    if (step == 0) return false;
    ewa_ = first_ ? batchInertia : ewa_ * (1 - alpha_) + batchInertia * alpha_;
    first_ = false;
    if (tolAbs_ > 0 && centerShift <= tolAbs_) return true;
    if (ewa_ < ewaMin_) {
      noImprovement_ = 0;
      ewaMin_ = ewa_;
    } else {
      ++noImprovement_;
    }
    return maxNoImprovement_ > 0 && noImprovement_ >= maxNoImprovement_;
  }

 private:
  double alpha_;
  int64_t batch_, maxNoImprovement_;
  double tolAbs_;
  bool first_ = true;
  double ewa_ = 0, ewaMin_ = std::numeric_limits<double>::infinity();
  int64_t noImprovement_ = 0;
};

// Moves every centre whose count is below ratio * the largest count to a distinct random row of
// the batch, and gives it the smallest count among the others (scikit-learn's rule, including
// its cap of half the batch size on the number of moved centres).
void Reassign(const at::Tensor &xb, double ratio, SplitMix64 &rng, at::Tensor &centers,
              std::vector<double> &counts) {
  const int64_t k = static_cast<int64_t>(counts.size()), b = xb.size(0), d = xb.size(1);
  const double top = *std::max_element(counts.begin(), counts.end());
  std::vector<char> move(k, 0);
  int64_t moving = 0;
  for (int64_t c = 0; c < k; ++c) moving += move[c] = counts[c] < ratio * top;
  if (moving > b / 2) {
    // Keep the centres with the largest counts (all but the b/2 smallest) in place.
    std::vector<int64_t> order(k);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t c) { return counts[a] < counts[c]; });
    for (int64_t r = b / 2; r < k; ++r) move[order[r]] = 0;
    moving = std::count(move.begin(), move.end(), 1);
  }
  if (moving == 0) return;
  // Distinct rows of the batch: a partial Fisher-Yates shuffle.
  std::vector<int64_t> rows(b);
  std::iota(rows.begin(), rows.end(), 0);
  for (int64_t r = 0; r < moving; ++r) std::swap(rows[r], rows[r + rng.Below(b - r)]);
  double keptMin = std::numeric_limits<double>::infinity();
  for (int64_t c = 0; c < k; ++c) {
    if (!move[c]) keptMin = std::min(keptMin, counts[c]);
  }
  const float *px = xb.data_ptr<float>();
  float *pc = centers.data_ptr<float>();
  int64_t r = 0;
  for (int64_t c = 0; c < k; ++c) {
    if (!move[c]) continue;
    std::copy(px + rows[r] * d, px + (rows[r] + 1) * d, pc + c * d);
    ++r;
    if (std::isfinite(keptMin)) counts[c] = keptMin;
  }
}

// One step's centre update: each centre moves to the running mean of every row it has absorbed
// (learning rate 1 / count), counts updated. Returns the total squared shift of the centres.
double Update(const at::Tensor &xb, const std::vector<int64_t> &labels, at::Tensor &centers,
              std::vector<double> &counts) {
  const int64_t k = centers.size(0), d = centers.size(1), b = xb.size(0);
  std::vector<double> sums(k * d, 0.0), batchCounts(k, 0.0);
  const float *px = xb.data_ptr<float>();
  for (int64_t i = 0; i < b; ++i) {
    const int64_t c = labels[i];
    batchCounts[c] += 1;
    for (int64_t j = 0; j < d; ++j) sums[c * d + j] += px[i * d + j];
  }
  float *pc = centers.data_ptr<float>();
  double shift = 0;
  for (int64_t c = 0; c < k; ++c) {
    if (batchCounts[c] == 0) continue;
    const double total = counts[c] + batchCounts[c];
    for (int64_t j = 0; j < d; ++j) {
      const double next = (pc[c * d + j] * counts[c] + sums[c * d + j]) / total;
      shift += (next - pc[c * d + j]) * (next - pc[c * d + j]);
      pc[c * d + j] = static_cast<float>(next);
    }
    counts[c] = total;
  }
  return shift;
}

}  // namespace

MiniBatchKmeansResult MiniBatchKmeans(const at::Tensor &data, const MiniBatchKmeansOptions &opt) {
  c10::InferenceMode guard;
  at::Tensor x = data.to(at::kCPU, at::kFloat).contiguous();
  const int64_t n = x.size(0), d = x.size(1), k = opt.k;
  if (k < 1 || k > n) {
    throw std::invalid_argument("k=" + std::to_string(k) + " must be in [1, " +
                                std::to_string(n) + "]");
  }
  if (opt.nInit < 1) throw std::invalid_argument("nInit must be at least 1");
  if (opt.batchSize < 1) throw std::invalid_argument("batchSize must be at least 1");
  if (opt.maxIter < 1) throw std::invalid_argument("maxIter must be at least 1");
  if (opt.reassignmentRatio < 0) throw std::invalid_argument("reassignmentRatio must be >= 0");
  const int64_t batch = std::min(opt.batchSize, n);
  int64_t initSize = opt.initSize > 0 ? opt.initSize : 3 * batch;
  if (initSize < k) initSize = 3 * k;
  initSize = std::min(initSize, n);
  const double tolAbs =
      opt.tol > 0 ? opt.tol * x.var(0, /*unbiased=*/false).mean().item<double>() : 0.0;
  SplitMix64 rng(opt.seed);

  // Seedings on random subsets, judged on one validation subset.
  at::Tensor valid = Gather(x, Draw(rng, n, initSize));
  at::Tensor validNorms = cpu::SquaredNorms(valid);
  std::vector<int64_t> labels;
  std::vector<float> minDist;
  at::Tensor centers;
  double bestInertia = std::numeric_limits<double>::infinity();
  for (int64_t r = 0; r < opt.nInit; ++r) {
    at::Tensor sub = Gather(x, Draw(rng, n, initSize));
    at::Tensor seeds = PlusPlusSeeds(sub, cpu::SquaredNorms(sub), k, rng);
    const double inertia = Assign(valid, validNorms, seeds, &labels, &minDist);
    if (inertia < bestInertia) {
      bestInertia = inertia;
      centers = seeds;
    }
  }

  std::vector<double> counts(k, 0.0);
  Convergence convergence(batch, n, opt.maxNoImprovement, tolAbs);
  const int64_t maxSteps = std::max<int64_t>(1, (opt.maxIter * n) / batch);
  int64_t sinceReassign = 0, step = 0;
  while (step < maxSteps) {
    at::Tensor xb = Gather(x, Draw(rng, n, batch));
    // Reassign every 10 * k rows seen, and whenever a centre has absorbed nothing yet.
    sinceReassign += batch;
    bool reassign = false;
    if (std::find(counts.begin(), counts.end(), 0.0) != counts.end() ||
        sinceReassign >= 10 * k) {
      sinceReassign = 0;
      reassign = true;
    }
    const double inertia = Assign(xb, cpu::SquaredNorms(xb), centers, &labels, &minDist);
    const double shift = Update(xb, labels, centers, counts);
    if (reassign && opt.reassignmentRatio > 0) Reassign(xb, opt.reassignmentRatio, rng, centers, counts);
    if (convergence.Done(step++, inertia, tolAbs > 0 ? shift : 0.0)) break;
  }

  MiniBatchKmeansResult out;
  out.labels = at::empty({n}, at::kLong);
  at::Tensor all = at::empty({n}, at::kFloat);
  cpu::NearestCenters(x.data_ptr<float>(), cpu::SquaredNorms(x).data_ptr<float>(), n, d,
                      centers.data_ptr<float>(), k, out.labels.data_ptr<int64_t>(),
                      all.data_ptr<float>());
  out.centroids = centers;
  out.inertia = KmeansInertia(x, out.labels, centers);
  out.steps = step;
  out.iterations = (step * batch + n - 1) / n;
  return out;
}

}  // namespace audiomap::compute
