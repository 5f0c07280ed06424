// Shared helpers for the compute kernels: device parsing, intra-op threads, a seeded PRNG and
// block sizing. Nothing here touches N-API.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

namespace audiomap::compute {

/// Distance used by the kNN kernels.
enum class Metric { kEuclidean, kCosine };

/// Parses "euclidean" | "cosine"; throws std::invalid_argument otherwise.
inline Metric ParseMetric(const std::string &name) {
  if (name == "euclidean") return Metric::kEuclidean;
  if (name == "cosine") return Metric::kCosine;
  throw std::invalid_argument("unknown metric '" + name + "' (supported: euclidean, cosine)");
}

/// Parses "cpu" | "cuda" | "cuda:N". CUDA is accepted only when the addon was compiled against a
/// CUDA LibTorch (AUDIOMAP_WITH_CUDA) and a device is visible at run time.
inline c10::Device ParseDevice(const std::string &name) {
  if (name == "cpu" || name.empty()) return c10::Device(c10::kCPU);
  if (name.rfind("cuda", 0) == 0) {
#ifdef AUDIOMAP_WITH_CUDA
    if (!torch::cuda::is_available()) {
      throw std::invalid_argument("device '" + name + "' requested but no CUDA device is visible");
    }
    return c10::Device(name);
#else
    throw std::invalid_argument("device '" + name +
                                "' requested but this addon was built without CUDA (supported: cpu)");
#endif
  }
  throw std::invalid_argument("unknown device '" + name + "' (supported: cpu, cuda, cuda:N)");
}

/// Sets the intra-op thread count on the calling thread. Under LibTorch's OpenMP backend the
/// count is a per-thread OpenMP setting, so a libuv worker thread must set it itself; Debian's
/// LibTorch defaults to 1 on small machines. `threads <= 0` means OMP_NUM_THREADS when set,
/// else every hardware thread (the same default as the model's `threads`).
inline void UseThreads(int threads) {
  int n = threads;
  if (n <= 0) {
    const char *env = std::getenv("OMP_NUM_THREADS");
    n = env ? std::atoi(env) : 0;
  }
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n < 1) n = 1;
  if (at::get_num_threads() != n) at::set_num_threads(n);
}

/// Rows per block so that one [rows, cols] float32 block stays under `budgetBytes`.
inline int64_t BlockRows(int64_t cols, int64_t totalRows, int64_t budgetBytes) {
  int64_t rows = budgetBytes / (std::max<int64_t>(cols, 1) * static_cast<int64_t>(sizeof(float)));
  return std::clamp<int64_t>(rows, 1, std::max<int64_t>(totalRows, 1));
}

/// SplitMix64: a tiny, fully specified PRNG, so seeded results are identical on every platform
/// (std:: distributions are implementation-defined).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform double in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n).
  int64_t Below(int64_t n) { return static_cast<int64_t>(Uniform() * static_cast<double>(n)); }

 private:
  uint64_t state_;
};

}  // namespace audiomap::compute
