#include "vector_kernels.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define AUDIOMAP_X86 1
#endif

namespace audiomap::compute {
namespace {

// Four partial sums, so that the compiler can keep independent accumulators in flight.
float SquaredL2Baseline(const void *a, const void *b, const void *dimPtr) {
  const float *x = static_cast<const float *>(a), *y = static_cast<const float *>(b);
  const size_t d = *static_cast<const size_t *>(dimPtr);
  float s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= d; i += 4) {
    for (int j = 0; j < 4; ++j) {
      const float t = x[i + j] - y[i + j];
      s[j] += t * t;
    }
  }
  float sum = (s[0] + s[1]) + (s[2] + s[3]);
  for (; i < d; ++i) sum += (x[i] - y[i]) * (x[i] - y[i]);
  return sum;
}

float InnerProductBaseline(const void *a, const void *b, const void *dimPtr) {
  const float *x = static_cast<const float *>(a), *y = static_cast<const float *>(b);
  const size_t d = *static_cast<const size_t *>(dimPtr);
  float s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= d; i += 4) {
    for (int j = 0; j < 4; ++j) s[j] += x[i + j] * y[i + j];
  }
  float sum = (s[0] + s[1]) + (s[2] + s[3]);
  for (; i < d; ++i) sum += x[i] * y[i];
  return 1.0f - sum;
}

#ifdef AUDIOMAP_X86

__attribute__((target("avx2,fma"))) float HorizontalSum256(__m256 v) {
  const __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
  __m128 s = _mm_add_ps(lo, hi);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) float SquaredL2Avx2(const void *a, const void *b,
                                                        const void *dimPtr) {
  const float *x = static_cast<const float *>(a), *y = static_cast<const float *>(b);
  const size_t d = *static_cast<const size_t *>(dimPtr);
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    const __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i));
    const __m256 t1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8));
    s0 = _mm256_fmadd_ps(t0, t0, s0);
    s1 = _mm256_fmadd_ps(t1, t1, s1);
  }
  for (; i + 8 <= d; i += 8) {
    const __m256 t = _mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i));
    s0 = _mm256_fmadd_ps(t, t, s0);
  }
  float sum = HorizontalSum256(_mm256_add_ps(s0, s1));
  for (; i < d; ++i) sum += (x[i] - y[i]) * (x[i] - y[i]);
  return sum;
}

__attribute__((target("avx2,fma"))) float InnerProductAvx2(const void *a, const void *b,
                                                           const void *dimPtr) {
  const float *x = static_cast<const float *>(a), *y = static_cast<const float *>(b);
  const size_t d = *static_cast<const size_t *>(dimPtr);
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), s1);
  }
  for (; i + 8 <= d; i += 8) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
  }
  float sum = HorizontalSum256(_mm256_add_ps(s0, s1));
  for (; i < d; ++i) sum += x[i] * y[i];
  return 1.0f - sum;
}

// The tail (d % 16 elements) goes through a masked load, so no scalar loop is needed.
__attribute__((target("avx512f"))) float SquaredL2Avx512(const void *a, const void *b,
                                                         const void *dimPtr) {
  const float *x = static_cast<const float *>(a), *y = static_cast<const float *>(b);
  const size_t d = *static_cast<const size_t *>(dimPtr);
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= d; i += 32) {
    const __m512 t0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i));
    const __m512 t1 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16));
    s0 = _mm512_fmadd_ps(t0, t0, s0);
    s1 = _mm512_fmadd_ps(t1, t1, s1);
  }
  for (; i + 16 <= d; i += 16) {
    const __m512 t = _mm512_sub_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i));
    s0 = _mm512_fmadd_ps(t, t, s0);
  }
  if (i < d) {
    const __mmask16 m = static_cast<__mmask16>((1u << (d - i)) - 1u);
    const __m512 t = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i));
    s1 = _mm512_fmadd_ps(t, t, s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

__attribute__((target("avx512f"))) float InnerProductAvx512(const void *a, const void *b,
                                                            const void *dimPtr) {
  const float *x = static_cast<const float *>(a), *y = static_cast<const float *>(b);
  const size_t d = *static_cast<const size_t *>(dimPtr);
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= d; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16), s1);
  }
  for (; i + 16 <= d; i += 16) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), s0);
  }
  if (i < d) {
    const __mmask16 m = static_cast<__mmask16>((1u << (d - i)) - 1u);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i), s1);
  }
  return 1.0f - _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

#endif  // AUDIOMAP_X86

SimdLevel DetectSimd() {
#ifdef AUDIOMAP_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return SimdLevel::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdLevel::kAvx2;
#endif
  return SimdLevel::kBaseline;
}

}  // namespace

SimdLevel ActiveSimdLevel() {
  static const SimdLevel detected = DetectSimd();
  const char *env = std::getenv("AUDIOMAP_SIMD");
  if (env == nullptr || *env == '\0') return detected;
  SimdLevel cap;
  if (std::strcmp(env, "baseline") == 0) {
    cap = SimdLevel::kBaseline;
  } else if (std::strcmp(env, "avx2") == 0) {
    cap = SimdLevel::kAvx2;
  } else if (std::strcmp(env, "avx512") == 0) {
    cap = SimdLevel::kAvx512;
  } else {
    throw std::invalid_argument(std::string("AUDIOMAP_SIMD=") + env +
                                " is not one of baseline, avx2, avx512");
  }
  return cap < detected ? cap : detected;
}

const char *SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAvx512:
      return "avx512";
    case SimdLevel::kAvx2:
      return "avx2";
    default:
      return "baseline";
  }
}

VectorDistance SquaredL2Kernel(SimdLevel level) {
#ifdef AUDIOMAP_X86
  if (level == SimdLevel::kAvx512) return SquaredL2Avx512;
  if (level == SimdLevel::kAvx2) return SquaredL2Avx2;
#endif
  return SquaredL2Baseline;
}

VectorDistance InnerProductDistanceKernel(SimdLevel level) {
#ifdef AUDIOMAP_X86
  if (level == SimdLevel::kAvx512) return InnerProductAvx512;
  if (level == SimdLevel::kAvx2) return InnerProductAvx2;
#endif
  return InnerProductBaseline;
}

}  // namespace audiomap::compute
