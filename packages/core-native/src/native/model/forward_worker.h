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

/// One forward call. It runs on the model's own thread (model_thread.h) and settles its
/// promise on the main thread through a thread-safe function: two thread hand-offs per call
/// (main -> model thread -> main), where an AsyncWorker on libuv's threadpool would add two.
class ForwardCall {
 public:
  /// Queues the call on the model's thread. `owner` is the JS Model, kept alive until the call
  /// settles; `module` is this call's own reference, so dispose() during the call is safe.
  static Napi::Promise Start(Napi::Env env, const Napi::Object &owner,
                             std::shared_ptr<LoadedModel> state,
                             std::shared_ptr<torch::jit::Module> module, ForwardRequest request);

 private:
  ForwardCall(Napi::Env env, const Napi::Object &owner, std::shared_ptr<LoadedModel> state,
              std::shared_ptr<torch::jit::Module> module, ForwardRequest request);
  static void Settle(Napi::Env env, Napi::Function, std::nullptr_t *, ForwardCall *call);
  using Completion = Napi::TypedThreadSafeFunction<std::nullptr_t, ForwardCall, &Settle>;

  void Execute();  // on the model's thread
  void Run();
#ifdef AUDIOMAP_WITH_CUDA
  void SyncStream();
#endif
  Napi::Object Result(Napi::Env env);

  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  Completion completion_;
  std::shared_ptr<LoadedModel> state_;
  std::shared_ptr<torch::jit::Module> module_;
  ForwardRequest request_;
  bool ok_ = false;
  Failure failure_;
  torch::Tensor pooled_, hidden_, logits_, frameLengths_;
};

}  // namespace audiomap::model
