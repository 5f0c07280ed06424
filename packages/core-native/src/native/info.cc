// Build information: which LibTorch the addon was compiled against and with what.
#include <torch/torch.h>

#include "registry.h"

namespace audiomap {
namespace {

Napi::Value BuildInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("torchVersion", AUDIOMAP_TORCH_VERSION);
#ifdef AUDIOMAP_WITH_CUDA
  out.Set("cuda", true);
#else
  out.Set("cuda", false);
#endif
  out.Set("parallelInfo", at::get_parallel_info());
  return out;
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
}

}  // namespace
}  // namespace audiomap

AUDIOMAP_REGISTER_MODULE(info, audiomap::Init);
