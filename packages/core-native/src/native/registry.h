// Each native module (model, audio, compute) registers an initialiser here, so the addon
// entry point needs no edit when a module is added.
#pragma once

#include <napi.h>

#include <vector>

namespace audiomap {

using ModuleInit = void (*)(Napi::Env env, Napi::Object exports);

/// Registers a module initialiser; called from a static initialiser in the module's .cc.
bool RegisterModule(const char *name, ModuleInit init);

/// Runs every registered initialiser, in name order.
void InitModules(Napi::Env env, Napi::Object exports);

}  // namespace audiomap

#define AUDIOMAP_REGISTER_MODULE(name, init) \
  static const bool audiomap_module_registered_##name = ::audiomap::RegisterModule(#name, init)
