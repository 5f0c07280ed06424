// Distance kernels for the HNSW index, chosen at run time from the CPU's vector units.
//
// The addon is compiled for baseline x86-64 so that one build runs everywhere; hnswlib picks its
// AVX kernels only when its header is compiled with -mavx, so on its own it would use SSE even
// on AVX-512 machines. These kernels are compiled per target with function attributes and the
// best one the CPU supports is used (AUDIOMAP_SIMD=baseline|avx2|avx512 caps the choice, for
// tests and for comparing them).
#pragma once

#include <cstddef>

namespace audiomap::compute {

enum class SimdLevel { kBaseline, kAvx2, kAvx512 };

// The level used: the CPU's best, capped by AUDIOMAP_SIMD when it names a lower one. An unknown
// AUDIOMAP_SIMD value throws std::invalid_argument.
SimdLevel ActiveSimdLevel();
const char *SimdLevelName(SimdLevel level);

// hnswlib's distance signature: (a, b, &dim) with dim a size_t.
using VectorDistance = float (*)(const void *, const void *, const void *);

// Squared euclidean distance.
VectorDistance SquaredL2Kernel(SimdLevel level);
// 1 - a.b (cosine distance on unit rows).
VectorDistance InnerProductDistanceKernel(SimdLevel level);

}  // namespace audiomap::compute
