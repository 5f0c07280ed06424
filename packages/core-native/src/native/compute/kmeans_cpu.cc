#include "kmeans_cpu.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace audiomap::compute::cpu {
namespace {

// Smallest range of rows per parallel task.
constexpr int64_t kGrain = 64;

// Dot product with 32 independent accumulators: four 8-wide vector chains, so the loop is not
// held up by the latency of one chain of fused multiply-adds, and the compiler vectorises it
// without reassociating a single sum. Always inlined, so that it is compiled for the
// instruction set of the chunk function that calls it (below).
__attribute__((always_inline)) inline float Dot(const float *a, const float *b, int64_t d) {
  constexpr int kLanes = 32;
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= d; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) acc[j] += a[i + j] * b[i + j];
  }
  for (int j = 8; j < kLanes; ++j) acc[j % 8] += acc[j];
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < d; ++i) s += a[i] * b[i];
  return s;
}

// x.c for one row against centres [k, d], four centres at a time: each 8-float slice of the row
// is loaded once and feeds four independent FMA chains. AVX2 + FMA only.
__attribute__((target("avx2,fma"))) inline void DotsAvx2(const float *row, const float *centers,
                                                         int64_t k, int64_t d, float *out) {
  int64_t j = 0;
  for (; j + 4 <= k; j += 4) {
    const float *c0 = centers + j * d, *c1 = c0 + d, *c2 = c1 + d, *c3 = c2 + d;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
           a3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= d; i += 8) {
      const __m256 r = _mm256_loadu_ps(row + i);
      a0 = _mm256_fmadd_ps(r, _mm256_loadu_ps(c0 + i), a0);
      a1 = _mm256_fmadd_ps(r, _mm256_loadu_ps(c1 + i), a1);
      a2 = _mm256_fmadd_ps(r, _mm256_loadu_ps(c2 + i), a2);
      a3 = _mm256_fmadd_ps(r, _mm256_loadu_ps(c3 + i), a3);
    }
    alignas(32) float lanes[4][8];
    _mm256_store_ps(lanes[0], a0);
    _mm256_store_ps(lanes[1], a1);
    _mm256_store_ps(lanes[2], a2);
    _mm256_store_ps(lanes[3], a3);
    for (int q = 0; q < 4; ++q) {
      float s = ((lanes[q][0] + lanes[q][1]) + (lanes[q][2] + lanes[q][3])) +
                ((lanes[q][4] + lanes[q][5]) + (lanes[q][6] + lanes[q][7]));
      const float *c = centers + (j + q) * d;
      for (int64_t t = i; t < d; ++t) s += row[t] * c[t];
      out[j + q] = s;
    }
  }
  for (; j < k; ++j) out[j] = Dot(row, centers + j * d, d);
}

// Two rows against the centres at once: eight FMA chains per slice, and each centre slice loaded
// once for both rows.
__attribute__((target("avx2,fma"))) inline void Dots2Avx2(const float *r0, const float *r1,
                                                          const float *centers, int64_t k,
                                                          int64_t d, float *out0, float *out1) {
  int64_t j = 0;
  for (; j + 4 <= k; j += 4) {
    const float *c[4] = {centers + j * d, centers + (j + 1) * d, centers + (j + 2) * d,
                         centers + (j + 3) * d};
    __m256 a[2][4];
    for (int r = 0; r < 2; ++r)
      for (int q = 0; q < 4; ++q) a[r][q] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= d; i += 8) {
      const __m256 x0 = _mm256_loadu_ps(r0 + i), x1 = _mm256_loadu_ps(r1 + i);
      for (int q = 0; q < 4; ++q) {
        const __m256 cq = _mm256_loadu_ps(c[q] + i);
        a[0][q] = _mm256_fmadd_ps(x0, cq, a[0][q]);
        a[1][q] = _mm256_fmadd_ps(x1, cq, a[1][q]);
      }
    }
    for (int r = 0; r < 2; ++r) {
      const float *row = r == 0 ? r0 : r1;
      float *out = r == 0 ? out0 : out1;
      for (int q = 0; q < 4; ++q) {
        alignas(32) float lanes[8];
        _mm256_store_ps(lanes, a[r][q]);
        float s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
                  ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
        for (int64_t t = i; t < d; ++t) s += row[t] * c[q][t];
        out[j + q] = s;
      }
    }
  }
  for (; j < k; ++j) {
    out0[j] = Dot(r0, centers + j * d, d);
    out1[j] = Dot(r1, centers + j * d, d);
  }
}

inline void Dots2Base(const float *r0, const float *r1, const float *centers, int64_t k,
                      int64_t d, float *out0, float *out1) {
  for (int64_t j = 0; j < k; ++j) {
    out0[j] = Dot(r0, centers + j * d, d);
    out1[j] = Dot(r1, centers + j * d, d);
  }
}

// The same with the portable dot product.
inline void DotsBase(const float *row, const float *centers, int64_t k, int64_t d, float *out) {
  for (int64_t j = 0; j < k; ++j) out[j] = Dot(row, centers + j * d, d);
}

struct LloydArgs {
  const float *x, *xn, *centers, *cn;
  int64_t d, k;
  int64_t *labels;
  float *minDist;
};

using Dots2Fn = void (*)(const float *, const float *, const float *, int64_t, int64_t, float *,
                         float *);

template <Dots2Fn Dots2>
__attribute__((always_inline)) inline void LloydRows(const LloydArgs &a, int64_t begin,
                                                     int64_t end, float *sums, double *counts) {
  std::vector<float> dots(2 * a.k);
  for (int64_t i = begin; i < end; i += 2) {
    const int64_t rows = std::min<int64_t>(2, end - i);
    const float *r0 = a.x + i * a.d;
    // An odd last row is paired with itself.
    const float *r1 = rows == 2 ? r0 + a.d : r0;
    Dots2(r0, r1, a.centers, a.k, a.d, dots.data(), dots.data() + a.k);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t row = i + r;
      const float *dr = dots.data() + r * a.k;
      int64_t best = 0;
      float bestD = std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < a.k; ++j) {
        // ||x||^2 is the same for every centre: rank by ||c||^2 - 2 x.c.
        const float dist = a.cn[j] - 2.0f * dr[j];
        if (dist < bestD) {
          bestD = dist;
          best = j;
        }
      }
      a.labels[row] = best;
      a.minDist[row] = std::max(0.0f, bestD + a.xn[row]);
      // Per-thread sums in float32, as scikit-learn keeps them for float32 data; the threads'
      // sums are added in float64.
      const float *src = a.x + row * a.d;
      float *dst = sums + best * a.d;
      for (int64_t c = 0; c < a.d; ++c) dst[c] += src[c];
      counts[best] += 1;
    }
  }
}

struct PotentialArgs {
  const float *x, *xn, *candidates, *cn, *closest;
  int64_t d, t;
  float *updated;
};

template <void (*Dots)(const float *, const float *, int64_t, int64_t, float *)>
__attribute__((always_inline)) inline void PotentialRows(const PotentialArgs &a, int64_t begin,
                                                         int64_t end, double *pot) {
  std::vector<float> dots(a.t);
  for (int64_t i = begin; i < end; ++i) {
    const float *row = a.x + i * a.d;
    Dots(row, a.candidates, a.t, a.d, dots.data());
    for (int64_t j = 0; j < a.t; ++j) {
      const float d2 = std::max(0.0f, a.xn[i] + a.cn[j] - 2.0f * dots[j]);
      const float m = std::min(a.closest[i], d2);
      a.updated[i * a.t + j] = m;
      pot[j] += m;
    }
  }
}

// Each row loop twice: for AVX2 + FMA, used when the CPU has both, and for the baseline.
__attribute__((target("avx2,fma"))) void LloydRowsAvx2(const LloydArgs &a, int64_t begin,
                                                       int64_t end, float *sums, double *counts) {
  LloydRows<Dots2Avx2>(a, begin, end, sums, counts);
}
void LloydRowsBase(const LloydArgs &a, int64_t begin, int64_t end, float *sums, double *counts) {
  LloydRows<Dots2Base>(a, begin, end, sums, counts);
}
__attribute__((target("avx2,fma"))) void PotentialRowsAvx2(const PotentialArgs &a, int64_t begin,
                                                           int64_t end, double *pot) {
  PotentialRows<DotsAvx2>(a, begin, end, pot);
}
void PotentialRowsBase(const PotentialArgs &a, int64_t begin, int64_t end, double *pot) {
  PotentialRows<DotsBase>(a, begin, end, pot);
}

// Slack of the bounds, relative to ||x||^2 + ||c||^2: the expanded squared distance
// ||x||^2 + ||c||^2 - 2 x.c in float32 is off by a few float32 epsilons of that sum, so an upper
// bound is taken above and a lower bound below the computed value by far more than that.
constexpr float kBoundSlack = 1e-5f;

struct HamerlyArgs {
  const float *x, *xn, *centers, *cn, *half;
  int64_t d, k;
  int64_t *labels;
  float *upper, *lower;
};

__attribute__((always_inline)) inline void AddRow(double *dst, const float *src, int64_t d,
                                                  double sign) {
  for (int64_t c = 0; c < d; ++c) dst[c] += sign * src[c];
}

template <void (*Dots)(const float *, const float *, int64_t, int64_t, float *)>
__attribute__((always_inline)) inline int64_t HamerlyRows(const HamerlyArgs &a, int64_t begin,
                                                          int64_t end, double *sums,
                                                          double *counts) {
  std::vector<float> dots(a.k);
  int64_t changed = 0;
  for (int64_t i = begin; i < end; ++i) {
    const float *row = a.x + i * a.d;
    const int64_t label = a.labels[i];
    const float scale = kBoundSlack * a.xn[i];
    if (label >= 0) {
      // No other centre is nearer than max(half the distance from this centre to its nearest
      // other centre, the lower bound): the row keeps its label.
      const float m = std::max(a.half[label], a.lower[i]);
      if (a.upper[i] <= m) continue;
      Dots(row, a.centers + label * a.d, 1, a.d, dots.data());
      const float d2 = a.xn[i] + a.cn[label] - 2.0f * dots[0];
      a.upper[i] = std::sqrt(std::max(0.0f, d2 + scale + kBoundSlack * a.cn[label]));
      if (a.upper[i] <= m) continue;
    }
    Dots(row, a.centers, a.k, a.d, dots.data());
    int64_t best = 0, next = 0;
    float first = std::numeric_limits<float>::infinity(), second = first;
    for (int64_t j = 0; j < a.k; ++j) {
      // ||x||^2 is the same for every centre: rank by ||c||^2 - 2 x.c (as the Lloyd step does).
      const float dist = a.cn[j] - 2.0f * dots[j];
      if (dist < first) {
        second = first;
        next = best;
        first = dist;
        best = j;
      } else if (dist < second) {
        second = dist;
        next = j;
      }
    }
    a.upper[i] = std::sqrt(std::max(0.0f, a.xn[i] + first + scale + kBoundSlack * a.cn[best]));
    a.lower[i] =
        a.k > 1
            ? std::sqrt(std::max(0.0f, a.xn[i] + second - scale - kBoundSlack * a.cn[next]))
            : 0.0f;
    if (best != label) {
      ++changed;
      if (label >= 0) {
        AddRow(sums + label * a.d, row, a.d, -1.0);
        counts[label] -= 1;
      }
      AddRow(sums + best * a.d, row, a.d, 1.0);
      counts[best] += 1;
      a.labels[i] = best;
    }
  }
  return changed;
}

__attribute__((target("avx2,fma"))) int64_t HamerlyRowsAvx2(const HamerlyArgs &a, int64_t begin,
                                                            int64_t end, double *sums,
                                                            double *counts) {
  return HamerlyRows<DotsAvx2>(a, begin, end, sums, counts);
}
int64_t HamerlyRowsBase(const HamerlyArgs &a, int64_t begin, int64_t end, double *sums,
                        double *counts) {
  return HamerlyRows<DotsBase>(a, begin, end, sums, counts);
}

template <void (*Dots)(const float *, const float *, int64_t, int64_t, float *)>
__attribute__((always_inline)) inline void NearestRows(const float *x, const float *xn, int64_t d,
                                                       const float *centers, const float *cn,
                                                       int64_t k, int64_t begin, int64_t end,
                                                       int64_t *labels, float *minDist) {
  std::vector<float> dots(k);
  for (int64_t i = begin; i < end; ++i) {
    Dots(x + i * d, centers, k, d, dots.data());
    int64_t best = 0;
    float bestD = std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < k; ++j) {
      const float dist = cn[j] - 2.0f * dots[j];
      if (dist < bestD) {
        bestD = dist;
        best = j;
      }
    }
    labels[i] = best;
    minDist[i] = std::max(0.0f, bestD + xn[i]);
  }
}

__attribute__((target("avx2,fma"))) void NearestRowsAvx2(const float *x, const float *xn,
                                                         int64_t d, const float *centers,
                                                         const float *cn, int64_t k,
                                                         int64_t begin, int64_t end,
                                                         int64_t *labels, float *minDist) {
  NearestRows<DotsAvx2>(x, xn, d, centers, cn, k, begin, end, labels, minDist);
}
void NearestRowsBase(const float *x, const float *xn, int64_t d, const float *centers,
                     const float *cn, int64_t k, int64_t begin, int64_t end, int64_t *labels,
                     float *minDist) {
  NearestRows<DotsBase>(x, xn, d, centers, cn, k, begin, end, labels, minDist);
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

std::vector<float> RowNorms(const float *rows, int64_t k, int64_t d) {
  std::vector<float> out(k);
  for (int64_t c = 0; c < k; ++c) out[c] = Dot(rows + c * d, rows + c * d, d);
  return out;
}

// Per-thread partial results, merged after the parallel loop.
template <typename T>
std::vector<std::vector<T>> PerThread(size_t size) {
  return std::vector<std::vector<T>>(at::get_num_threads(), std::vector<T>(size, T(0)));
}

}  // namespace

at::Tensor SquaredNorms(const at::Tensor &x) {
  const int64_t n = x.size(0), d = x.size(1);
  at::Tensor out = at::empty({n}, at::kFloat);
  const float *px = x.data_ptr<float>();
  float *po = out.data_ptr<float>();
  at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) po[i] = Dot(px + i * d, px + i * d, d);
  });
  return out;
}

void LloydStep(const float *x, const float *xn, int64_t n, int64_t d, const float *centers,
               int64_t k, int64_t *labels, float *minDist, std::vector<double> *sums,
               std::vector<double> *counts) {
  const std::vector<float> cn = RowNorms(centers, k, d);
  const LloydArgs args{x, xn, centers, cn.data(), d, k, labels, minDist};
  auto partSums = PerThread<float>(static_cast<size_t>(k * d));
  auto partCounts = PerThread<double>(static_cast<size_t>(k));
  const auto rows = HasAvx2() ? &LloydRowsAvx2 : &LloydRowsBase;
  at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
    const int t = at::get_thread_num();
    rows(args, begin, end, partSums[t].data(), partCounts[t].data());
  });
  sums->assign(static_cast<size_t>(k * d), 0.0);
  counts->assign(static_cast<size_t>(k), 0.0);
  for (size_t t = 0; t < partSums.size(); ++t) {
    for (size_t i = 0; i < sums->size(); ++i) (*sums)[i] += partSums[t][i];
    for (size_t i = 0; i < counts->size(); ++i) (*counts)[i] += partCounts[t][i];
  }
}

int64_t HamerlyAssign(const float *x, const float *xn, int64_t n, int64_t d, const float *centers,
                      int64_t k, int64_t *labels, HamerlyState *state) {
  const std::vector<float> cn = RowNorms(centers, k, d);
  // half[j]: half the distance from centre j to its nearest other centre (slightly shrunk, so
  // that rounding cannot make it a bound that is too large).
  std::vector<float> half(k, std::numeric_limits<float>::infinity());
  for (int64_t a = 0; a < k; ++a) {
    for (int64_t b = a + 1; b < k; ++b) {
      double s = 0;
      for (int64_t c = 0; c < d; ++c) {
        const double v = static_cast<double>(centers[a * d + c]) - centers[b * d + c];
        s += v * v;
      }
      const float h = static_cast<float>(0.5 * std::sqrt(s) * (1.0 - 1e-6));
      half[a] = std::min(half[a], h);
      half[b] = std::min(half[b], h);
    }
  }
  if (k == 1) half[0] = 0;
  if (state->upper.size() != static_cast<size_t>(n)) {
    state->upper.assign(n, std::numeric_limits<float>::infinity());
    state->lower.assign(n, 0.0f);
    state->sums.assign(static_cast<size_t>(k * d), 0.0);
    state->counts.assign(static_cast<size_t>(k), 0.0);
  }
  const HamerlyArgs args{x, xn, centers, cn.data(), half.data(), d, k, labels,
                         state->upper.data(), state->lower.data()};
  // Each thread keeps the changes to the cluster sums apart; they are merged afterwards.
  auto partSums = PerThread<double>(static_cast<size_t>(k * d));
  auto partCounts = PerThread<double>(static_cast<size_t>(k));
  std::vector<int64_t> changed(partSums.size(), 0);
  const auto rows = HasAvx2() ? &HamerlyRowsAvx2 : &HamerlyRowsBase;
  at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
    const int t = at::get_thread_num();
    changed[t] += rows(args, begin, end, partSums[t].data(), partCounts[t].data());
  });
  int64_t total = 0;
  for (size_t t = 0; t < partSums.size(); ++t) {
    total += changed[t];
    for (size_t i = 0; i < state->sums.size(); ++i) state->sums[i] += partSums[t][i];
    for (size_t i = 0; i < state->counts.size(); ++i) state->counts[i] += partCounts[t][i];
  }
  return total;
}

void HamerlyMoveBounds(const int64_t *labels, int64_t n, const std::vector<double> &shift,
                       HamerlyState *state) {
  // Every other centre came at most max shift closer: the lower bound drops by the largest
  // shift of the centres other than the row's own (the largest, or the second largest).
  int64_t top = 0;
  for (size_t j = 1; j < shift.size(); ++j) {
    if (shift[j] > shift[top]) top = static_cast<int64_t>(j);
  }
  double second = 0;
  for (size_t j = 0; j < shift.size(); ++j) {
    if (static_cast<int64_t>(j) != top) second = std::max(second, shift[j]);
  }
  // Shifts are rounded up a little so that float32 storage cannot loosen a bound.
  std::vector<float> up(shift.size());
  for (size_t j = 0; j < shift.size(); ++j) up[j] = static_cast<float>(shift[j] * (1 + 1e-6));
  const float downTop = static_cast<float>(second * (1 + 1e-6));
  const float downOther = static_cast<float>(shift[top] * (1 + 1e-6));
  float *upper = state->upper.data(), *lower = state->lower.data();
  at::parallel_for(0, n, 1024, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t a = labels[i];
      upper[i] += up[a];
      lower[i] = std::max(0.0f, lower[i] - (a == top ? downTop : downOther));
    }
  });
}

void NearestCenters(const float *x, const float *xn, int64_t n, int64_t d, const float *centers,
                    int64_t k, int64_t *labels, float *minDist) {
  const std::vector<float> cn = RowNorms(centers, k, d);
  const auto rows = HasAvx2() ? &NearestRowsAvx2 : &NearestRowsBase;
  at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
    rows(x, xn, d, centers, cn.data(), k, begin, end, labels, minDist);
  });
}

void CandidatePotentials(const float *x, const float *xn, int64_t n, int64_t d,
                         const float *candidates, int64_t t, const float *closest,
                         float *updated, std::vector<double> *potentials) {
  const std::vector<float> cn = RowNorms(candidates, t, d);
  const PotentialArgs args{x, xn, candidates, cn.data(), closest, d, t, updated};
  auto parts = PerThread<double>(static_cast<size_t>(t));
  const auto rows = HasAvx2() ? &PotentialRowsAvx2 : &PotentialRowsBase;
  at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
    rows(args, begin, end, parts[at::get_thread_num()].data());
  });
  potentials->assign(static_cast<size_t>(t), 0.0);
  for (const auto &part : parts) {
    for (int64_t j = 0; j < t; ++j) (*potentials)[j] += part[j];
  }
}

}  // namespace audiomap::compute::cpu
