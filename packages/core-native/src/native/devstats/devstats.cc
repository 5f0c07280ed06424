// Device statistics for benchmarks: CUDA caching-allocator memory (current and peak), peak
// reset and device synchronisation. On a CPU-only build every function reports "unsupported"
// (null / false), so callers fall back to host measurements.
#include <torch/torch.h>

#ifdef AUDIOMAP_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <torch/cuda.h>
#endif

#include "registry.h"

namespace audiomap {
namespace {

int DeviceIndexArg(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || info[0].IsUndefined()) return 0;
  if (!info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "deviceIndex must be a number");
  int index = info[0].As<Napi::Number>().Int32Value();
  if (index < 0) throw Napi::RangeError::New(info.Env(), "deviceIndex must be >= 0");
  return index;
}

#ifdef AUDIOMAP_WITH_CUDA
void CheckDevice(Napi::Env env, int index) {
  int count = static_cast<int>(torch::cuda::device_count());
  if (index >= count) {
    throw Napi::RangeError::New(env, "deviceIndex " + std::to_string(index) + " out of range (" +
                                         std::to_string(count) + " CUDA devices)");
  }
}
#endif

// cudaMemory(deviceIndex = 0) -> {allocated, reserved, peakAllocated, peakReserved} in bytes,
// or null when the addon has no CUDA.
Napi::Value CudaMemory(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int index = DeviceIndexArg(info);
#ifdef AUDIOMAP_WITH_CUDA
  CheckDevice(env, index);
  try {
    namespace alloc = c10::cuda::CUDACachingAllocator;
    const auto stats = alloc::getDeviceStats(index);
    // StatType moved to c10::CachingDeviceAllocator in LibTorch 2.6; AGGREGATE is index 0 in
    // every version.
    const size_t agg = 0;
    Napi::Object out = Napi::Object::New(env);
    out.Set("allocated", static_cast<double>(stats.allocated_bytes[agg].current));
    out.Set("reserved", static_cast<double>(stats.reserved_bytes[agg].current));
    out.Set("peakAllocated", static_cast<double>(stats.allocated_bytes[agg].peak));
    out.Set("peakReserved", static_cast<double>(stats.reserved_bytes[agg].peak));
    return out;
  } catch (const std::exception &e) {
    throw Napi::Error::New(env, std::string("cudaMemory: ") + e.what());
  }
#else
  return env.Null();
#endif
}

// resetCudaPeak(deviceIndex = 0) -> true when the peak counters were reset, false without CUDA.
Napi::Value ResetCudaPeak(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int index = DeviceIndexArg(info);
#ifdef AUDIOMAP_WITH_CUDA
  CheckDevice(env, index);
  try {
    c10::cuda::CUDACachingAllocator::resetPeakStats(index);
    return Napi::Boolean::New(env, true);
  } catch (const std::exception &e) {
    throw Napi::Error::New(env, std::string("resetCudaPeak: ") + e.what());
  }
#else
  return Napi::Boolean::New(env, false);
#endif
}

// cudaSynchronize(deviceIndex = 0) -> true after the device finished all queued work, false
// without CUDA. Synchronous, but only called between timed regions.
Napi::Value CudaSynchronize(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int index = DeviceIndexArg(info);
#ifdef AUDIOMAP_WITH_CUDA
  CheckDevice(env, index);
  try {
    torch::cuda::synchronize(index);
    return Napi::Boolean::New(env, true);
  } catch (const std::exception &e) {
    throw Napi::Error::New(env, std::string("cudaSynchronize: ") + e.what());
  }
#else
  return Napi::Boolean::New(env, false);
#endif
}

void Init(Napi::Env env, Napi::Object exports) {
  Napi::Object devstats = Napi::Object::New(env);
#ifdef AUDIOMAP_WITH_CUDA
  devstats.Set("cuda", true);
#else
  devstats.Set("cuda", false);
#endif
  devstats.Set("cudaMemory", Napi::Function::New(env, CudaMemory, "cudaMemory"));
  devstats.Set("resetCudaPeak", Napi::Function::New(env, ResetCudaPeak, "resetCudaPeak"));
  devstats.Set("cudaSynchronize", Napi::Function::New(env, CudaSynchronize, "cudaSynchronize"));
  exports.Set("devstats", devstats);
}

}  // namespace
}  // namespace audiomap

AUDIOMAP_REGISTER_MODULE(devstats, audiomap::Init);
