// Addon entry point: runs the initialiser of every registered module.
#include <algorithm>
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

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  audiomap::InitModules(env, exports);
  return exports;
}

NODE_API_MODULE(audiomap, Init)
