#include "model/model.h"

#include <utility>

#include "model/errors.h"
#include "model/forward_worker.h"
#include "model/load_worker.h"
#include "registry.h"

namespace audiomap::model {

void Model::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(
      env, "Model",
      {
          StaticMethod<&Model::Load>("load"),
          InstanceMethod<&Model::Forward>("forward"),
          InstanceMethod<&Model::Dispose>("dispose"),
          InstanceAccessor<&Model::Metadata>("metadata"),
          InstanceAccessor<&Model::Device>("device"),
          InstanceAccessor<&Model::DType>("dtype"),
          InstanceAccessor<&Model::QuantizedEngine>("quantizedEngine"),
          InstanceAccessor<&Model::Threads>("threads"),
          InstanceAccessor<&Model::ParameterBytes>("parameterBytes"),
          InstanceAccessor<&Model::Disposed>("disposed"),
      });
  exports.Set("Model", cls);
}

Model::Model(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Model>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw MakeTypeError(info.Env(), "Model cannot be constructed directly; use loadModel()");
  }
  state_ = *info[0].As<Napi::External<std::shared_ptr<LoadedModel>>>().Data();
  Napi::MemoryManagement::AdjustExternalMemory(info.Env(), state_->parameterBytes);
}

Model::~Model() { Release(); }

void Model::Release() {
  if (state_ && state_->Release()) {
    Napi::MemoryManagement::AdjustExternalMemory(Env(), -state_->parameterBytes);
  }
}

Napi::Value Model::Load(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throw MakeTypeError(env, "loadModel(path, options): path must be a string");
  }
  Napi::Object options =
      info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  LoadRequest request;
  request.path = info[0].As<Napi::String>().Utf8Value();
  Napi::Value device = options.Get("device");
  request.device = device.IsString() ? device.As<Napi::String>().Utf8Value() : "cpu";
  Napi::Value dtype = options.Get("dtype");
  std::string dtypeName = dtype.IsString() ? dtype.As<Napi::String>().Utf8Value() : "float32";
  if (!ParseDType(dtypeName, &request.dtype, &request.qint8)) {
    throw MakeTypeError(env,
                        "options.dtype must be 'float32', 'float16', 'bfloat16' or 'qint8', got '" +
                            dtypeName + "'");
  }
  Napi::Value threads = options.Get("threads");
  if (threads.IsNumber()) request.threads = threads.As<Napi::Number>().Int32Value();
  if (request.threads < 0) throw MakeRangeError(env, "options.threads must be >= 0");

  // In a static method, `this` is the class itself: the worker constructs the instance.
  auto *worker = new LoadWorker(env, info.This().As<Napi::Function>(), std::move(request));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value Model::Forward(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::shared_ptr<torch::jit::Module> module = state_->Acquire();
  if (!module) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Reject(
        MakeError(env, code::kModelDisposed, "the model is disposed; load it again").Value());
    return deferred.Promise();
  }
  Napi::Int32Array gate = ParseGate(info);
  ForwardRequest request = ParseForwardRequest(info, state_->staging);
  return ForwardCall::Start(env, Value(), state_, std::move(module), std::move(request), gate);
}

Napi::Value Model::Dispose(const Napi::CallbackInfo &info) {
  Release();
  return info.Env().Undefined();
}

Napi::Value Model::Metadata(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), state_->metadata);
}

Napi::Value Model::Device(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), state_->device.str());
}

Napi::Value Model::DType(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), ModelDTypeName(*state_));
}

Napi::Value Model::QuantizedEngine(const Napi::CallbackInfo &info) {
  if (!state_->quantized) return info.Env().Null();
  return Napi::String::New(info.Env(), state_->quantizedEngine);
}

Napi::Value Model::Threads(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), state_->threads);
}

Napi::Value Model::ParameterBytes(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), static_cast<double>(state_->parameterBytes));
}

Napi::Value Model::Disposed(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), state_->Acquire() == nullptr);
}

namespace {
void InitModel(Napi::Env env, Napi::Object exports) { Model::Init(env, exports); }
}  // namespace

}  // namespace audiomap::model

AUDIOMAP_REGISTER_MODULE(model, audiomap::model::InitModel);
