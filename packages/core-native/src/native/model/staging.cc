#include "model/staging.h"

namespace audiomap::model {
namespace {

// No tensor but the pool's own refers to the buffer's memory.
bool Idle(const torch::Tensor &buffer) { return buffer.storage().use_count() == 1; }

}  // namespace

torch::Tensor StagingPool::Allocate(int64_t elements) const {
  return torch::empty({elements}, torch::TensorOptions().dtype(torch::kFloat).pinned_memory(pinned_));
}

torch::Tensor StagingPool::Acquire(int64_t batch, int64_t length) {
  const int64_t elements = batch * length;
  if (elements * static_cast<int64_t>(sizeof(float)) > kMaxPooledBytes) {
    return Allocate(elements).view({batch, length});
  }
  std::lock_guard<std::mutex> lock(mutex_);
  // The smallest idle buffer that fits; failing that, the largest idle one is replaced by one
  // that fits, so the pool grows to the largest input seen and then stops allocating.
  torch::Tensor *fit = nullptr;
  torch::Tensor *idle = nullptr;
  for (torch::Tensor &buffer : buffers_) {
    if (!Idle(buffer)) continue;
    if (buffer.numel() >= elements && (fit == nullptr || buffer.numel() < fit->numel())) {
      fit = &buffer;
    }
    if (idle == nullptr || buffer.numel() > idle->numel()) idle = &buffer;
  }
  if (fit == nullptr) {
    if (idle != nullptr) {
      *idle = Allocate(elements);
      fit = idle;
    } else if (buffers_.size() < kBuffers) {
      buffers_.push_back(Allocate(elements));
      fit = &buffers_.back();
    } else {
      return Allocate(elements).view({batch, length});  // every pooled buffer is in use
    }
  }
  return fit->narrow(0, 0, elements).view({batch, length});
}

void StagingPool::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  buffers_.clear();
}

}  // namespace audiomap::model
