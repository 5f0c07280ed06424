#include "model/forward_worker.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "model/device.h"
#include "model/tensor_js.h"

#ifdef AUDIOMAP_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#endif

namespace audiomap::model {
namespace {

// Largest integer a double holds exactly; sizes beyond it are certainly wrong.
constexpr double kMaxSafe = 9007199254740991.0;

int64_t PositiveInt(Napi::Env env, const Napi::Object &object, const char *key) {
  Napi::Value value = object.Get(key);
  if (!value.IsNumber()) {
    throw MakeTypeError(env, std::string("input.") + key + " must be a number");
  }
  double v = value.As<Napi::Number>().DoubleValue();
  if (!(v >= 1 && v <= kMaxSafe) || std::floor(v) != v) {
    throw MakeRangeError(env, std::string("input.") + key + "=" + std::to_string(v) +
                                  " must be a positive integer");
  }
  return static_cast<int64_t>(v);
}

// Element i of an Array, Int32Array, Uint32Array, Float64Array or BigInt64Array as a double.
double LengthAt(Napi::Env env, const Napi::Value &lengths, uint32_t i) {
  if (lengths.IsTypedArray()) {
    Napi::TypedArray typed = lengths.As<Napi::TypedArray>();
    switch (typed.TypedArrayType()) {
      case napi_int32_array: return lengths.As<Napi::Int32Array>()[i];
      case napi_uint32_array: return lengths.As<Napi::Uint32Array>()[i];
      case napi_float64_array: return lengths.As<Napi::Float64Array>()[i];
      case napi_bigint64_array:
        return static_cast<double>(lengths.As<Napi::BigInt64Array>()[i]);
      default: break;
    }
  } else {
    Napi::Value v = lengths.As<Napi::Array>().Get(i);
    if (v.IsNumber()) return v.As<Napi::Number>().DoubleValue();
  }
  throw MakeTypeError(env, "input.lengths[" + std::to_string(i) + "] must be a number");
}

std::vector<int64_t> ParseLengths(Napi::Env env, const Napi::Object &input, int64_t batch,
                                  int64_t length) {
  Napi::Value lengths = input.Get("lengths");
  if (lengths.IsUndefined() || lengths.IsNull()) return std::vector<int64_t>(batch, length);
  bool typed = lengths.IsTypedArray();
  if (!typed && !lengths.IsArray()) {
    throw MakeTypeError(env,
                        "input.lengths must be an Array, Int32Array or BigInt64Array of sample "
                        "counts");
  }
  uint32_t count = typed ? static_cast<uint32_t>(lengths.As<Napi::TypedArray>().ElementLength())
                         : lengths.As<Napi::Array>().Length();
  if (count != batch) {
    throw MakeRangeError(env, "input.lengths has " + std::to_string(count) +
                                  " entries, expected batch=" + std::to_string(batch));
  }
  std::vector<int64_t> out(batch);
  for (uint32_t i = 0; i < count; ++i) {
    double v = LengthAt(env, lengths, i);
    std::string at = "input.lengths[" + std::to_string(i) + "]=" + std::to_string(v);
    if (!(v >= 1) || std::floor(v) != v) {
      throw MakeRangeError(env, at + " must be a positive integer");
    }
    if (v > static_cast<double>(length)) {
      throw MakeRangeError(env, at + " exceeds length=" + std::to_string(length));
    }
    out[i] = static_cast<int64_t>(v);
  }
  return out;
}

std::vector<int64_t> ParseLayers(Napi::Env env, const Napi::Object &options) {
  Napi::Value value = options.Get("layers");
  if (!value.IsArray()) throw MakeTypeError(env, "options.layers must be an array of integers");
  Napi::Array layers = value.As<Napi::Array>();
  if (layers.Length() == 0) throw MakeRangeError(env, "options.layers must not be empty");
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < layers.Length(); ++i) {
    Napi::Value v = layers.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
    if (std::floor(d) != d || std::fabs(d) > 1e6) {
      throw MakeTypeError(env, "options.layers[" + std::to_string(i) + "] must be an integer");
    }
    out.push_back(static_cast<int64_t>(d));
  }
  return out;
}

bool Flag(const Napi::Object &options, const char *key, bool fallback) {
  Napi::Value v = options.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}

torch::Tensor Need(const c10::Dict<c10::IValue, c10::IValue> &dict, const char *key) {
  auto it = dict.find(key);
  if (it == dict.end() || !it->value().isTensor()) {
    throw CodedError(code::kModelSignature,
                     std::string("the model's forward returned no tensor '") + key + "'");
  }
  return it->value().toTensor();
}

}  // namespace

ForwardRequest ParseForwardRequest(const Napi::CallbackInfo &info, StagingPool &staging) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    throw MakeTypeError(env, "forward(input, options): input must be an object");
  }
  Napi::Object input = info[0].As<Napi::Object>();
  Napi::Object options =
      info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);

  Napi::Value audio = input.Get("audio");
  if (!audio.IsTypedArray() ||
      audio.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw MakeTypeError(env, "input.audio must be a Float32Array");
  }
  Napi::Float32Array samples = audio.As<Napi::Float32Array>();
  int64_t batch = PositiveInt(env, input, "batch");
  int64_t length = PositiveInt(env, input, "length");
  if (static_cast<double>(samples.ElementLength()) != static_cast<double>(batch) * length) {
    throw MakeRangeError(env, "input.audio has " + std::to_string(samples.ElementLength()) +
                                  " samples but batch*length = " + std::to_string(batch) + "*" +
                                  std::to_string(length) + " = " +
                                  std::to_string(batch * length));
  }

  ForwardRequest request;
  request.lengths = ParseLengths(env, input, batch, length);
  request.layers = ParseLayers(env, options);
  request.pooled = Flag(options, "pooled", true);
  request.hidden = Flag(options, "hidden", false);
  request.logits = Flag(options, "logits", false);
  Napi::Value pool = options.Get("pool");
  std::string poolName = pool.IsString() ? pool.As<Napi::String>().Utf8Value() : "mean";
  if (!ParsePoolMode(poolName, &request.pool)) {
    throw MakeTypeError(env, "options.pool must be 'mean', 'meanstd' or 'max', got '" +
                                 poolName + "'");
  }
  // A copy, so that the caller may reuse or transfer its buffer while the call runs.
  try {
    request.audio = staging.Acquire(batch, length);
  } catch (const std::exception &error) {
    // A LibTorch error escaping an N-API callback would terminate the process.
    throw MakeError(env, code::kOutOfMemory,
                    "could not allocate the input's staging buffer (" +
                        std::to_string(batch * length) + " samples): " + error.what());
  }
  std::memcpy(request.audio.data_ptr<float>(), samples.Data(),
              static_cast<size_t>(batch * length) * sizeof(float));
  return request;
}

Napi::Int32Array ParseGate(const Napi::CallbackInfo &info) {
  if (info.Length() < 2 || !info[1].IsObject()) return Napi::Int32Array();
  Napi::Value gate = info[1].As<Napi::Object>().Get("gate");
  if (gate.IsUndefined()) return Napi::Int32Array();
  // Shared memory only: it cannot be detached (transferred) while the model's thread holds a
  // pointer into it.
  Napi::Value shared = info.Env().Global().Get("SharedArrayBuffer");
  if (!gate.IsTypedArray() || gate.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      gate.As<Napi::Int32Array>().ElementLength() < 1 || !shared.IsFunction() ||
      !gate.As<Napi::Object>().Get("buffer").As<Napi::Object>().InstanceOf(
          shared.As<Napi::Function>())) {
    throw MakeTypeError(info.Env(), "options.gate must be an Int32Array over a SharedArrayBuffer");
  }
  return gate.As<Napi::Int32Array>();
}

ForwardCall::ForwardCall(Napi::Env env, const Napi::Object &owner,
                         std::shared_ptr<LoadedModel> state,
                         std::shared_ptr<torch::jit::Module> module, ForwardRequest request,
                         Napi::Int32Array gate)
    : deferred_(Napi::Promise::Deferred::New(env)),
      owner_(Napi::Persistent(owner)),
      completion_(Completion::New(env, "audiomap:forward", 0, 1)),
      state_(std::move(state)),
      module_(std::move(module)),
      request_(std::move(request)) {
  if (!gate.IsEmpty()) {
    gateRef_ = Napi::Persistent(gate);
    gate_ = gate.Data();
  }
}

Napi::Promise ForwardCall::Start(Napi::Env env, const Napi::Object &owner,
                                 std::shared_ptr<LoadedModel> state,
                                 std::shared_ptr<torch::jit::Module> module,
                                 ForwardRequest request, Napi::Int32Array gate) {
  auto *call = new ForwardCall(env, owner, std::move(state), std::move(module), std::move(request),
                               gate);
  Napi::Promise promise = call->deferred_.Promise();
  // A call posted while another is still on the model's thread waits there, and counts as
  // queued for dispose(); one posted to an idle thread has started.
  call->queued_ = call->state_->callsInFlight.fetch_add(1) > 0;
  call->state_->thread.Post([call] {
    call->Execute();
    call->state_->callsInFlight.fetch_sub(1);
    // Settle() runs on the main thread and deletes the call; nothing may touch it after this.
    Completion completion = call->completion_;
    completion.BlockingCall(call);
    completion.Release();
  });
  return promise;
}

bool ForwardCall::Begin() {
  if (gate_ == nullptr) return true;
  // The same compare-and-swap as JavaScript's Atomics.compareExchange on the shared memory.
  int32_t expected = kGateQueued;
  return __atomic_compare_exchange_n(gate_, &expected, kGateStarted, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST);
}

namespace {
int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

void ForwardCall::Execute() {
  const int64_t startNs = NowNs();
  if (state_->lastFinishNs > 0) {
    idleBeforeMs_ = static_cast<double>(startNs - state_->lastFinishNs) / 1e6;
  }
  ok_ = RunGuarded("forward", [this] {
    if (!Begin()) throw CodedError(code::kAborted, "the call was aborted before it started");
    // A call queued here behind another when dispose() came holds its own module reference;
    // like a call still waiting in JavaScript, it must not run on a disposed model.
    if (queued_ && !state_->Acquire()) {
      throw CodedError(code::kModelDisposed, "the model is disposed; load it again");
    }
    // Per-thread settings: they apply to the model's thread, where every call of it runs.
    c10::InferenceMode inference;
    ApplyThreads(state_->threads);
    static const int cores = static_cast<int>(std::thread::hardware_concurrency());
    state_->thread.SetSpin(at::get_num_threads() < cores);
#ifdef AUDIOMAP_WITH_CUDA
    std::optional<c10::cuda::CUDAGuard> deviceGuard;
    std::optional<c10::cuda::CUDAStreamGuard> streamGuard;
    if (state_->device.is_cuda()) {
      deviceGuard.emplace(state_->device);
      if (state_->stream) streamGuard.emplace(*state_->stream);
    }
    try {
      Run();
    } catch (const c10::OutOfMemoryError &) {
      // Give the cached blocks back so that a smaller retry can succeed.
      c10::cuda::CUDACachingAllocator::emptyCache();
      SyncStream();
      throw;
    } catch (...) {
      SyncStream();
      throw;
    }
#else
    Run();
#endif
  }, &failure_);
  // The module reference is dropped here, on the model's thread, once the call is done.
  module_.reset();
  const int64_t doneNs = NowNs();
  runMs_ = static_cast<double>(doneNs - startNs) / 1e6;
  state_->lastFinishNs = doneNs;
}

void ForwardCall::Settle(Napi::Env env, Napi::Function, std::nullptr_t *, ForwardCall *call) {
  std::unique_ptr<ForwardCall> owned(call);
  if (env == nullptr) return;  // the environment is shutting down
  Napi::HandleScope scope(env);
  if (!call->ok_) {
    call->deferred_.Reject(MakeError(env, call->failure_.code, call->failure_.message).Value());
    return;
  }
  try {
    call->deferred_.Resolve(call->Result(env));
  } catch (const Napi::Error &error) {
    call->deferred_.Reject(error.Value());
  }
}

#ifdef AUDIOMAP_WITH_CUDA
void ForwardCall::SyncStream() {
  // A failed call may leave the copy out of its staging buffer queued; the buffer must not be
  // handed to the next call before that copy has read it.
  if (!state_->device.is_cuda()) return;
  try {
    c10::cuda::getCurrentCUDAStream().synchronize();
  } catch (...) {
    // The failure being reported already says what went wrong with the device.
  }
}
#endif

void ForwardCall::Run() {
  const torch::Device device = state_->device;
  const int64_t batch = request_.audio.size(0);
  torch::Tensor audio = request_.audio;
  torch::Tensor lengths = torch::tensor(request_.lengths, torch::kLong);
  if (device.is_cuda()) {
    // Out of pinned memory the copies are only queued on the model's stream, ahead of the
    // forward's kernels; a successful call waits for them when it copies its outputs back.
    audio = audio.to(device, torch::kFloat, /*non_blocking=*/true);
    lengths = lengths.pin_memory().to(device, torch::kLong, /*non_blocking=*/true);
  }
  audio = audio.to(state_->dtype);  // reduced precision is cast on the device
  c10::List<int64_t> layers(request_.layers);
  c10::IValue out = module_->forward({audio, lengths, layers});
  if (!out.isGenericDict()) {
    throw CodedError(code::kModelSignature,
                     std::string("the model's forward returned ") + out.tagKind() +
                         ", expected Dict[str, Tensor]");
  }
  auto dict = out.toGenericDict();
  torch::Tensor hidden = Need(dict, "hidden_states");
  torch::Tensor frames = Need(dict, "frame_lengths").to(torch::kLong);
  const int64_t nLayers = static_cast<int64_t>(request_.layers.size());
  if (hidden.dim() != 4 || hidden.size(0) != nLayers || hidden.size(1) != batch ||
      frames.dim() != 1 || frames.size(0) != batch) {
    throw CodedError(code::kModelSignature,
                     "the model returned hidden_states " + c10::str(hidden.sizes()) +
                         " and frame_lengths " + c10::str(frames.sizes()) + ", expected [" +
                         std::to_string(nLayers) + ", " + std::to_string(batch) +
                         ", F, H] and [" + std::to_string(batch) + "]");
  }
  frameLengths_ = frames.to(torch::kCPU).to(torch::kInt).contiguous();
  const int32_t *counts = frameLengths_.data_ptr<int32_t>();
  for (int64_t i = 0; i < batch; ++i) {
    if (counts[i] < 1 || counts[i] > hidden.size(2)) {
      throw CodedError(code::kInputShape,
                       "input.lengths[" + std::to_string(i) + "]=" +
                           std::to_string(request_.lengths[i]) + " yields " +
                           std::to_string(counts[i]) +
                           " frames; a clip must be at least one receptive field long");
    }
  }
  if (request_.pooled) pooled_ = Pooled(dict, hidden, frames).to(torch::kCPU);
  if (request_.hidden) hidden_ = hidden.to(torch::kCPU, torch::kFloat);
  if (request_.logits) {
    auto it = dict.find("logits");
    if (it != dict.end() && it->value().isTensor()) {
      logits_ = it->value().toTensor().to(torch::kCPU, torch::kFloat);
    }
  }
}

torch::Tensor ForwardCall::Pooled(const c10::Dict<c10::IValue, c10::IValue> &dict,
                                  const torch::Tensor &hidden, const torch::Tensor &frames) const {
  // The exported module already returns the masked mean of the last layer as "pooled" (in the
  // model's dtype). For that request in float32 it is used as is, which saves the ten or so
  // operations of pooling it again; anything else is pooled here, in float32.
  const bool lastLayerMean = request_.pool == PoolMode::kMean && request_.layers.size() == 1 &&
                             request_.layers[0] == -1;
  if (lastLayerMean && hidden.scalar_type() == torch::kFloat) {
    auto it = dict.find("pooled");
    if (it != dict.end() && it->value().isTensor()) {
      torch::Tensor pooled = it->value().toTensor();
      if (pooled.dim() == 2 && pooled.size(0) == hidden.size(1) &&
          pooled.size(1) == hidden.size(3) && pooled.scalar_type() == torch::kFloat) {
        return pooled.unsqueeze(0);
      }
    }
  }
  return PoolFrames(hidden, frames, request_.pool);
}

Napi::Object ForwardCall::Result(Napi::Env env) {
  Napi::Object result = Napi::Object::New(env);
  const size_t batch = static_cast<size_t>(frameLengths_.numel());
  Napi::Int32Array frames = Napi::Int32Array::New(env, batch);
  std::memcpy(frames.Data(), frameLengths_.data_ptr<int32_t>(), batch * sizeof(int32_t));
  result.Set("frameLengths", frames);
  Napi::Object timing = Napi::Object::New(env);
  timing.Set("runMs", runMs_);
  timing.Set("idleBeforeMs", idleBeforeMs_ < 0 ? env.Null() : Napi::Number::New(env, idleBeforeMs_));
  result.Set("timing", timing);
  if (pooled_.defined()) result.Set("pooled", TensorToJs(env, pooled_));
  if (hidden_.defined()) result.Set("hidden", TensorToJs(env, hidden_));
  if (logits_.defined()) result.Set("logits", TensorToJs(env, logits_));
  return result;
}

}  // namespace audiomap::model
