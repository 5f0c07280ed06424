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
  torch::Tensor audio;  // [B, T] float32 on the CPU, a copy of the caller's samples
  std::vector<int64_t> lengths;
  std::vector<int64_t> layers;
  bool pooled = true;
  bool hidden = false;
  bool logits = false;
  PoolMode pool = PoolMode::kMean;
};

/// Builds a ForwardRequest from forward(input, options), throwing TypeError/RangeError that
/// name the offending field or index.
ForwardRequest ParseForwardRequest(const Napi::CallbackInfo &info);

class ForwardWorker : public PromiseWorker {
 public:
  /// `owner` is the JS Model, kept alive (Ref) until the worker is destroyed; `module` is this
  /// call's own reference, so dispose() during the call is safe.
  ForwardWorker(Napi::Env env, Napi::Reference<Napi::Object> *owner, std::shared_ptr<LoadedModel> state,
                std::shared_ptr<torch::jit::Module> module, ForwardRequest request);
  ~ForwardWorker() override;

 protected:
  void Execute() override;
  void OnOK() override;

 private:
  void Run();
  Napi::Object Result();

  Napi::Reference<Napi::Object> *owner_;
  std::shared_ptr<LoadedModel> state_;
  std::shared_ptr<torch::jit::Module> module_;
  ForwardRequest request_;
  torch::Tensor pooled_, hidden_, logits_, frameLengths_;
};

}  // namespace audiomap::model
