// The native state behind one JS Model: the TorchScript module and how to run it.
#pragma once

#include <torch/script.h>

#include "model/model_thread.h"
#include "model/staging.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#ifdef AUDIOMAP_WITH_CUDA
#include <c10/cuda/CUDAStream.h>
#endif

namespace audiomap::model {

struct LoadedModel {
  /// Null once disposed. A forward in flight holds its own reference, so disposing while it
  /// runs frees the module only when that forward has finished.
  std::shared_ptr<torch::jit::Module> module;
  torch::Device device{torch::kCPU};
  /// Dtype the input audio is cast to (float32 for a qint8 model).
  torch::ScalarType dtype = torch::kFloat;
  /// A dynamically quantised (qint8) model, run by `quantizedEngine` ("onednn", "x86", ...).
  bool quantized = false;
  std::string quantizedEngine;
  /// The audiomap.json stored in the file, verbatim (parsed and checked in TypeScript).
  std::string metadata;
  /// Bytes of parameters and buffers, reported to V8 as external memory.
  int64_t parameterBytes = 0;
  /// Intra-op threads for this model's forward calls; 0 = the process setting.
  int threads = 0;
  /// Runs every forward call of this model, one after another (see model_thread.h).
  ModelThread thread;
  /// Reused host buffers for forward inputs (pinned for a CUDA device; see staging.h).
  StagingPool staging;
  /// Forward calls posted to `thread` and not yet finished there.
  std::atomic<int> callsInFlight{0};
  /// When the model's thread finished its last forward call (steady clock, ns; 0 before the
  /// first). Touched only on that thread.
  int64_t lastFinishNs = 0;
  /// Guards `module` (taking a reference versus disposing).
  std::mutex stateMutex;
#ifdef AUDIOMAP_WITH_CUDA
  /// One stream per model, so models on the same GPU do not serialise on the default stream.
  std::optional<c10::cuda::CUDAStream> stream;
#endif

  /// The module, or null when disposed.
  std::shared_ptr<torch::jit::Module> Acquire() {
    std::lock_guard<std::mutex> lock(stateMutex);
    return module;
  }
  /// Drops the module; returns true the first time only.
  bool Release() {
    std::lock_guard<std::mutex> lock(stateMutex);
    if (!module) return false;
    module.reset();
    staging.Clear();
    return true;
  }
};

/// "float32" | "float16" | "bfloat16".
const char *DTypeName(torch::ScalarType dtype);

/// The model's dtype as JavaScript sees it: "qint8" for a quantised model, else DTypeName.
inline const char *ModelDTypeName(const LoadedModel &model) {
  return model.quantized ? "qint8" : DTypeName(model.dtype);
}

}  // namespace audiomap::model
