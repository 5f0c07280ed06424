#include "model/device.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <atomic>
#include <mutex>

#include "model/errors.h"
#include "registry.h"

#ifdef AUDIOMAP_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace audiomap::model {
namespace {

std::atomic<int> g_threads{0};

Napi::Value SupportedDevices(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  Napi::Array compiled = Napi::Array::New(env);
  compiled.Set(0u, "cpu");
  Napi::Array devices = Napi::Array::New(env);
  Napi::Object cpu = Napi::Object::New(env);
  cpu.Set("device", "cpu");
  cpu.Set("type", "cpu");
  cpu.Set("name", "cpu");
  devices.Set(0u, cpu);
#ifdef AUDIOMAP_WITH_CUDA
  compiled.Set(1u, "cuda");
  // A CUDA build on a machine without a driver or GPU reports no CUDA device, not an error.
  Failure failure;
  RunGuarded(
      "supportedDevices",
      [&] {
        if (!torch::cuda::is_available()) return;
        int64_t count = static_cast<int64_t>(torch::cuda::device_count());
        for (int64_t i = 0; i < count; ++i) {
          cudaDeviceProp prop{};
          cudaError_t status = cudaGetDeviceProperties(&prop, static_cast<int>(i));
          if (status != cudaSuccess) {
            throw std::runtime_error(std::string("cudaGetDeviceProperties: ") +
                                     cudaGetErrorString(status));
          }
          Napi::Object d = Napi::Object::New(env);
          d.Set("device", "cuda:" + std::to_string(i));
          d.Set("type", "cuda");
          d.Set("index", static_cast<double>(i));
          d.Set("name", prop.name);
          d.Set("totalMemory", static_cast<double>(prop.totalGlobalMem));
          d.Set("computeCapability",
                std::to_string(prop.major) + "." + std::to_string(prop.minor));
          devices.Set(devices.Length(), d);
        }
      },
      &failure);
  if (!failure.message.empty()) out.Set("cudaError", failure.message);
#endif
  out.Set("compiled", compiled);
  out.Set("devices", devices);
  return out;
}

Napi::Value SetThreads(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw MakeTypeError(env, "setThreads(n): n must be a number");
  }
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 1024) || n != static_cast<int>(n)) {
    throw MakeRangeError(env, "setThreads(n): n must be an integer in [1, 1024], got " +
                                  std::to_string(n));
  }
  int threads = static_cast<int>(n);
  g_threads.store(threads);
  at::set_num_threads(threads);
  // Inter-op threads can be set once per process, before any inter-op work has started.
  static std::once_flag interop;
  std::call_once(interop, [threads] {
    try {
      at::set_num_interop_threads(threads);
    } catch (const c10::Error &) {
      // Already started; the existing pool stays.
    }
  });
  return env.Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("supportedDevices", Napi::Function::New(env, SupportedDevices, "supportedDevices"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
}

}  // namespace

torch::Device CheckedDevice(const std::string &spec) {
  if (spec == "cpu") return torch::Device(torch::kCPU);
  if (spec.rfind("cuda:", 0) != 0) {
    throw CodedError(code::kDeviceUnavailable,
                     "unknown device '" + spec + "': expected 'cpu' or 'cuda:N'");
  }
#ifdef AUDIOMAP_WITH_CUDA
  int64_t index = -1;
  try {
    index = std::stoll(spec.substr(5));
  } catch (const std::exception &) {
  }
  if (!torch::cuda::is_available()) {
    throw CodedError(code::kDeviceUnavailable,
                     "device '" + spec +
                         "' requested but no CUDA device is visible (no GPU, no driver, or "
                         "CUDA_VISIBLE_DEVICES hides them)");
  }
  int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  if (index < 0 || index >= count) {
    throw CodedError(code::kDeviceUnavailable, "device '" + spec + "' does not exist: " +
                                                   std::to_string(count) +
                                                   " CUDA device(s) visible");
  }
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
#else
  throw CodedError(code::kDeviceUnavailable,
                   "device '" + spec + "' requested but this audiomap addon was built against a "
                   "CPU-only LibTorch (" AUDIOMAP_TORCH_VERSION "); rebuild it against a CUDA "
                   "LibTorch (see packages/core-native/README.md) or use device 'cpu'");
#endif
}

void ApplyThreads(int threads) {
  int want = threads > 0 ? threads : g_threads.load();
  if (want > 0 && at::get_num_threads() != want) at::set_num_threads(want);
}

int ProcessThreads() { return g_threads.load(); }

}  // namespace audiomap::model

AUDIOMAP_REGISTER_MODULE(devices, audiomap::model::Init);
