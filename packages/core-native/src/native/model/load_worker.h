// Loads and validates a TorchScript file off the main thread, then wraps it in a JS Model.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "model/errors.h"
#include "model/loaded_model.h"

namespace audiomap::model {

/// Parses "float32" | "float16" | "bfloat16" | "qint8" (sets `*qint8`, dtype float32); returns
/// false for anything else.
bool ParseDType(const std::string &name, torch::ScalarType *dtype, bool *qint8);

struct LoadRequest {
  std::string path;
  std::string device;  // resolved: "cpu" | "cuda:N"
  torch::ScalarType dtype = torch::kFloat;
  /// The caller asked for "qint8": the file must be a quantised export.
  bool qint8 = false;
  int threads = 0;
};

class LoadWorker : public PromiseWorker {
 public:
  /// `constructor` is the Model class; OnOK instantiates it around the loaded module.
  LoadWorker(Napi::Env env, Napi::Function constructor, LoadRequest request);

 protected:
  void Execute() override;
  void OnOK() override;

 private:
  Napi::FunctionReference constructor_;
  LoadRequest request_;
  std::shared_ptr<LoadedModel> loaded_;
};

}  // namespace audiomap::model
