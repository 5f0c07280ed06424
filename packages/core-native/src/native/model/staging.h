// Host buffers that a model's forward inputs are copied into, reused from call to call.
//
// Why: a fresh buffer per call costs more than the copy itself. On the CPU, the C library
// hands out a new stretch of heap for each input while the previous call's small allocations
// sit after the freed one, so every call faults its input pages in again (0.2 ms of a 3 ms
// batch-1 call at 1 s of audio). On a GPU, a host-to-device copy runs asynchronously only from
// page-locked (pinned) memory, and pinning is too slow to do per call.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <mutex>
#include <vector>

namespace audiomap::model {

class StagingPool {
 public:
  /// Buffers kept for reuse; a third call in flight at once gets a buffer of its own.
  static constexpr size_t kBuffers = 2;
  /// Inputs larger than this get a buffer of their own that is freed with the call.
  static constexpr int64_t kMaxPooledBytes = int64_t{256} << 20;

  /// Page-locked memory from now on, for a model on a CUDA device (set before the first call).
  void SetPinned(bool pinned) { pinned_ = pinned; }

  /// A [batch, length] float32 CPU tensor that no other call is using. The buffer returns to
  /// the pool when the last tensor that views it is released, on any thread.
  torch::Tensor Acquire(int64_t batch, int64_t length);

  /// Drops the pool's buffers; a buffer still in use is freed when its call releases it.
  void Clear();

 private:
  torch::Tensor Allocate(int64_t elements) const;

  std::mutex mutex_;
  std::vector<torch::Tensor> buffers_;  // 1-D float32, each owned by the pool
  bool pinned_ = false;
};

}  // namespace audiomap::model
