// Build information: which LibTorch the addon was compiled against and with what.
#include <torch/torch.h>

#include "compute/vector_kernels.h"
#include "model/quantized.h"
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
  // qint8 models run on the first of these found (see model/quantized.h).
  Napi::Array engines = Napi::Array::New(env);
  for (const std::string &name : model::SupportedQuantizedEngines())
    engines.Set(engines.Length(), name);
  out.Set("quantizedEngines", engines);
  out.Set("quantizedEngine", model::BestQuantizedEngine());
  // The distance kernels the HNSW index uses (see compute/vector_kernels.h).
  try {
    out.Set("vectorKernels", compute::SimdLevelName(compute::ActiveSimdLevel()));
  } catch (const std::invalid_argument &e) {
    throw Napi::RangeError::New(env, e.what());
  }
  return out;
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
}

}  // namespace
}  // namespace audiomap

AUDIOMAP_REGISTER_MODULE(info, audiomap::Init);
