// Addon entry point: runs the initialiser of every registered module.
#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

#include "registry.h"

namespace audiomap {
namespace {

std::vector<std::pair<std::string, ModuleInit>> &Registry() {
  static std::vector<std::pair<std::string, ModuleInit>> modules;
  return modules;
}

}  // namespace

bool RegisterModule(const char *name, ModuleInit init) {
  Registry().emplace_back(name, init);
  return true;
}

void InitModules(Napi::Env env, Napi::Object exports) {
  auto modules = Registry();
  std::sort(modules.begin(), modules.end(),
            [](const auto &a, const auto &b) { return a.first < b.first; });
  for (const auto &[name, init] : modules) init(env, exports);
}

}  // namespace audiomap

// glibc raises its mmap threshold each time a large block is freed (up to 32 MB), after which
// LibTorch's per-batch activations come from the heap, and a fragmented heap is not returned
// to the system: peak RSS then grows with the number of batches before it levels off. A fixed
// threshold (AUDIOMAP_MMAP_THRESHOLD, in bytes) keeps large tensors in mmap'd blocks that are
// unmapped when freed. It is opt-in because the page faults cost time: with 131072 a medium
// model's forward measured 2.6x slower (peak RSS 616 -> 283 MiB), see docs/benchmarks.md.
static void ConfigureAllocator() {
  const char *value = std::getenv("AUDIOMAP_MMAP_THRESHOLD");
  const long threshold = value ? std::atol(value) : 0;
#ifdef M_MMAP_THRESHOLD
  if (threshold > 0) mallopt(M_MMAP_THRESHOLD, static_cast<int>(threshold));
#endif
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ConfigureAllocator();
  audiomap::InitModules(env, exports);
  return exports;
}

NODE_API_MODULE(audiomap, Init)
