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

/// One greedy k-means++ step: for each of `t` candidate centres, the potential
/// sum_i min(closest[i], |x_i - cand|^2) (float64), and in `updated` [n, t] the new minima.
void CandidatePotentials(const float *x, const float *xn, int64_t n, int64_t d,
                         const float *candidates, int64_t t, const float *closest,
                         float *updated, std::vector<double> *potentials);

}  // namespace audiomap::compute::cpu
