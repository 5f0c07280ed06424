// One forward call: inputs copied into a baton on the main thread, the model run and pooled
// on its device in Execute(), and only the requested outputs handed back.
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "model/errors.h"
#include "model/loaded_model.h"
#include "model/pooling.h"

namespace audiomap::model {

/// Everything Execute() needs; no N-API value inside.
struct ForwardRequest {
  torch::Tensor audio;  // [B, T] float32 on the CPU, a copy of the caller's samples (staging.h)
  std::vector<int64_t> lengths;
  std::vector<int64_t> layers;
  bool pooled = true;
  bool hidden = false;
  bool logits = false;
  PoolMode pool = PoolMode::kMean;
};

/// Builds a ForwardRequest from forward(input, options), throwing TypeError/RangeError that
/// name the offending field or index. The samples are copied into a buffer from `staging`.
ForwardRequest ParseForwardRequest(const Napi::CallbackInfo &info, StagingPool &staging);

/// forward(input, options)'s options.gate (see kGateQueued), or an empty array when absent.
Napi::Int32Array ParseGate(const Napi::CallbackInfo &info);

/// Optional start gate of a call: an Int32Array over a SharedArrayBuffer whose element 0 the
/// caller and the model's thread change only by compare-and-swap. kGateQueued -> kGateStarted
/// when the call begins on the model's thread; kGateQueued -> kGateAborted when the caller
/// gives up first, and the call is then skipped. Whoever swaps first wins.
inline constexpr int32_t kGateQueued = 0;
inline constexpr int32_t kGateStarted = 1;
inline constexpr int32_t kGateAborted = 2;

/// One forward call. It runs on the model's own thread (model_thread.h) and settles its
/// promise on the main thread through a thread-safe function: two thread hand-offs per call
/// (main -> model thread -> main), where an AsyncWorker on libuv's threadpool would add two.
class ForwardCall {
 public:
  /// Queues the call on the model's thread. `owner` is the JS Model, kept alive until the call
  /// settles; `module` is this call's own reference, so dispose() during the call is safe.
  /// `gate`, when not empty, is the call's start gate (see kGateQueued).
  static Napi::Promise Start(Napi::Env env, const Napi::Object &owner,
                             std::shared_ptr<LoadedModel> state,
                             std::shared_ptr<torch::jit::Module> module, ForwardRequest request,
                             Napi::Int32Array gate);

 private:
  ForwardCall(Napi::Env env, const Napi::Object &owner, std::shared_ptr<LoadedModel> state,
              std::shared_ptr<torch::jit::Module> module, ForwardRequest request,
              Napi::Int32Array gate);
  /// Opens the start gate (true) or finds it closed by the caller (false).
  bool Begin();
  static void Settle(Napi::Env env, Napi::Function, std::nullptr_t *, ForwardCall *call);
  using Completion = Napi::TypedThreadSafeFunction<std::nullptr_t, ForwardCall, &Settle>;

  void Execute();  // on the model's thread
  void Run();
  /// Pooled embeddings [L, B, H] of the requested layers, in float32.
  torch::Tensor Pooled(const c10::Dict<c10::IValue, c10::IValue> &dict, const torch::Tensor &hidden,
                       const torch::Tensor &frames) const;
#ifdef AUDIOMAP_WITH_CUDA
  void SyncStream();
#endif
  Napi::Object Result(Napi::Env env);

  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  Napi::Reference<Napi::Int32Array> gateRef_;  // keeps the gate's memory alive
  int32_t *gate_ = nullptr;
  Completion completion_;
  std::shared_ptr<LoadedModel> state_;
  std::shared_ptr<torch::jit::Module> module_;
  ForwardRequest request_;
  bool ok_ = false;
  bool queued_ = false;  // posted behind another call still on the model's thread
  // Time on the model's thread (ms), and how long the thread sat idle before this call
  // (negative before its first call).
  double runMs_ = 0;
  double idleBeforeMs_ = -1;
  Failure failure_;
  torch::Tensor pooled_, hidden_, logits_, frameLengths_;
};

}  // namespace audiomap::model
