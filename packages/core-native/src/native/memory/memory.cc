// The CPU caching allocator's switch and counters, exposed to JavaScript as `memory`.
#include "memory/caching_cpu_allocator.h"
#include "registry.h"

namespace audiomap::memory {
namespace {

// cpuMemory() -> the large-block counters in bytes, or null under the system allocator.
Napi::Value CpuMemory(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CachingCpuAllocator *allocator = CachingCpuAllocator::Installed();
  if (allocator == nullptr) return env.Null();
  const CpuMemoryStats stats = allocator->Stats();
  Napi::Object out = Napi::Object::New(env);
  out.Set("allocated", static_cast<double>(stats.allocated));
  out.Set("cached", static_cast<double>(stats.cached));
  out.Set("peakAllocated", static_cast<double>(stats.peakAllocated));
  out.Set("peakMapped", static_cast<double>(stats.peakMapped));
  out.Set("hits", static_cast<double>(stats.hits));
  out.Set("misses", static_cast<double>(stats.misses));
  out.Set("cacheLimit", static_cast<double>(stats.cacheLimit));
  return out;
}

// resetCpuPeak() -> false under the system allocator.
Napi::Value ResetCpuPeak(const Napi::CallbackInfo &info) {
  CachingCpuAllocator *allocator = CachingCpuAllocator::Installed();
  if (allocator != nullptr) allocator->ResetPeak();
  return Napi::Boolean::New(info.Env(), allocator != nullptr);
}

// emptyCpuCache() -> false under the system allocator.
Napi::Value EmptyCpuCache(const Napi::CallbackInfo &info) {
  CachingCpuAllocator *allocator = CachingCpuAllocator::Installed();
  if (allocator != nullptr) allocator->EmptyCache();
  return Napi::Boolean::New(info.Env(), allocator != nullptr);
}

void Init(Napi::Env env, Napi::Object exports) {
  CachingCpuAllocator::Install();
  Napi::Object memory = Napi::Object::New(env);
  memory.Set("cpuMemory", Napi::Function::New(env, CpuMemory, "cpuMemory"));
  memory.Set("resetCpuPeak", Napi::Function::New(env, ResetCpuPeak, "resetCpuPeak"));
  memory.Set("emptyCpuCache", Napi::Function::New(env, EmptyCpuCache, "emptyCpuCache"));
  exports.Set("memory", memory);
}

}  // namespace
}  // namespace audiomap::memory

AUDIOMAP_REGISTER_MODULE(memory, audiomap::memory::Init);
