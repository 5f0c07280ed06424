// Fused CPU kernels of k-means: each reads the data once per call, row by row on all intra-op
// threads (AVX2 + FMA where the CPU has both), with each thread's partial sums kept apart and
// merged at the end, as scikit-learn's chunked Lloyd does. The LibTorch version in kmeans.cc read
// the data twice per Lloyd step through skinny matrix products and stays the path for CUDA.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace audiomap::compute::cpu {

/// Squared L2 norm of every row of a contiguous float32 CPU matrix [n, d], without the [n, d]
/// temporary that x.pow(2).sum(1) makes.
at::Tensor SquaredNorms(const at::Tensor &x);

/// One Lloyd step over row-major float32 x [n, d] with row norms xn [n] and centres [k, d]:
/// labels [n] (nearest centre), minDist [n] (its squared distance, >= 0), and per-cluster
/// sums [k, d] and counts [k] (float64; each thread sums its rows in float32).
void LloydStep(const float *x, const float *xn, int64_t n, int64_t d, const float *centers,
               int64_t k, int64_t *labels, float *minDist, std::vector<double> *sums,
               std::vector<double> *counts);

/// Hamerly's bounds (Hamerly 2010, "Making k-means even faster") for exact Lloyd iterations:
/// per row an upper bound on the distance to its centre and a lower bound on the distance to
/// every other centre. A row whose bounds show that no other centre can be nearer skips its k
/// distances; the labels are those of plain Lloyd, only fewer distances are computed.
struct HamerlyState {
  std::vector<float> upper, lower;
  /// Per-cluster sums [k, d] and counts [k] of the rows currently labelled with each cluster,
  /// kept up to date as rows move (float64, so that adding and removing rows does not drift).
  std::vector<double> sums, counts;
};

/// One assignment step over row-major float32 x [n, d] (row norms xn [n]) against centres
/// [k, d]: labels [n] (-1 = not yet assigned) are updated in place with the nearest centre,
/// `state` with the bounds and the cluster sums. Returns the number of rows whose label changed.
int64_t HamerlyAssign(const float *x, const float *xn, int64_t n, int64_t d, const float *centers,
                      int64_t k, int64_t *labels, HamerlyState *state);

/// Moves Hamerly's bounds after the centres moved by `shift` [k] (euclidean, per centre).
void HamerlyMoveBounds(const int64_t *labels, int64_t n, const std::vector<double> &shift,
                       HamerlyState *state);

/// Nearest-centre labels [n] and squared distances [n] of rows x [n, d] (row norms xn) against
/// centres [k, d]; no sums (the E-step of mini-batch k-means and of label prediction).
void NearestCenters(const float *x, const float *xn, int64_t n, int64_t d, const float *centers,
                    int64_t k, int64_t *labels, float *minDist);

/// One greedy k-means++ step: for each of `t` candidate centres, the potential
/// sum_i min(closest[i], |x_i - cand|^2) (float64), and in `updated` [n, t] the new minima.
void CandidatePotentials(const float *x, const float *xn, int64_t n, int64_t d,
                         const float *candidates, int64_t t, const float *closest,
                         float *updated, std::vector<double> *potentials);

}  // namespace audiomap::compute::cpu
