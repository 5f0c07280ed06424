// The JS `Model` class: a loaded TorchScript module with forward() and dispose().
// Instances come only from Model.load(path, options), which resolves once the file is loaded.
#pragma once

#include <napi.h>

#include <memory>

#include "model/loaded_model.h"

namespace audiomap::model {

class Model : public Napi::ObjectWrap<Model> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit Model(const Napi::CallbackInfo &info);
  ~Model() override;

 private:
  /// Model.load(path, { device, dtype, threads }) -> Promise<Model>
  static Napi::Value Load(const Napi::CallbackInfo &info);
  /// forward(input, options) -> Promise<{ frameLengths, pooled?, hidden?, logits? }>
  Napi::Value Forward(const Napi::CallbackInfo &info);
  /// Frees the module now (idempotent); calls in flight finish first.
  Napi::Value Dispose(const Napi::CallbackInfo &info);
  Napi::Value Metadata(const Napi::CallbackInfo &info);
  Napi::Value Device(const Napi::CallbackInfo &info);
  Napi::Value DType(const Napi::CallbackInfo &info);
  /// The quantised engine of a qint8 model ("onednn", "x86", ...), else null.
  Napi::Value QuantizedEngine(const Napi::CallbackInfo &info);
  Napi::Value Threads(const Napi::CallbackInfo &info);
  Napi::Value ParameterBytes(const Napi::CallbackInfo &info);
  Napi::Value Disposed(const Napi::CallbackInfo &info);
  void Release();

  std::shared_ptr<LoadedModel> state_;
};

}  // namespace audiomap::model
