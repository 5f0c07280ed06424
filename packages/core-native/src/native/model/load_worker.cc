#include "model/load_worker.h"

#include <sys/stat.h>

#include <utility>

#include "memory/caching_cpu_allocator.h"
#include "model/device.h"
#include "model/quantized.h"

#ifdef AUDIOMAP_WITH_CUDA
#include <c10/cuda/CUDAStream.h>
#endif

namespace audiomap::model {
namespace {

constexpr const char *kMetadataFile = "audiomap.json";
constexpr const char *kExpected =
    "forward(audio: Tensor, lengths: Tensor, layers: List[int]) -> Dict[str, Tensor]";

std::string FirstLine(const std::string &text) { return text.substr(0, text.find('\n')); }

void CheckFile(const std::string &path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw CodedError(code::kModelNotFound, "model file not found: " + path);
  }
  if (S_ISDIR(info.st_mode)) {
    throw CodedError(code::kModelNotFound,
                     path + " is a directory; expected a TorchScript .pt file");
  }
}

// The exported module's contract (see tools/export): forward(audio, lengths, layers) -> Dict.
void CheckSignature(const torch::jit::Module &module, const std::string &path) {
  auto method = module.find_method("forward");
  if (!method) {
    throw CodedError(code::kModelSignature, path + " has no forward method; expected " + kExpected);
  }
  const c10::FunctionSchema &schema = method->function().getSchema();
  const auto &args = schema.arguments();  // args[0] is self
  bool ok = args.size() == 4 && args[1].type()->kind() == c10::TypeKind::TensorType &&
            args[2].type()->kind() == c10::TypeKind::TensorType &&
            args[3].type()->isSubtypeOf(*c10::ListType::ofInts()) &&
            schema.returns().size() == 1 &&
            schema.returns()[0].type()->kind() == c10::TypeKind::DictType;
  if (!ok) {
    std::ostringstream actual;
    actual << schema;
    throw CodedError(code::kModelSignature, path + " has forward signature " + actual.str() +
                                                "; expected " + kExpected);
  }
}

int64_t StateBytes(const torch::jit::Module &module) {
  int64_t bytes = 0;
  for (const auto &p : module.parameters()) bytes += static_cast<int64_t>(p.nbytes());
  for (const auto &b : module.buffers()) bytes += static_cast<int64_t>(b.nbytes());
  return bytes;
}

}  // namespace

bool ParseDType(const std::string &name, torch::ScalarType *dtype, bool *qint8) {
  *qint8 = name == "qint8";
  if (name == "float32" || *qint8) *dtype = torch::kFloat;
  else if (name == "float16") *dtype = torch::kHalf;
  else if (name == "bfloat16") *dtype = torch::kBFloat16;
  else return false;
  return true;
}

const char *DTypeName(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kHalf: return "float16";
    case torch::kBFloat16: return "bfloat16";
    default: return "float32";
  }
}

LoadWorker::LoadWorker(Napi::Env env, Napi::Function constructor, LoadRequest request)
    : PromiseWorker(env, "audiomap:loadModel"),
      constructor_(Napi::Persistent(constructor)),
      request_(std::move(request)) {}

void LoadWorker::Execute() {
  Guard("loadModel", [this] {
    const std::string &path = request_.path;
    CheckFile(path);
    torch::Device device = CheckedDevice(request_.device);
    if (request_.dtype == torch::kHalf && device.is_cpu()) {
      // Checked with LibTorch 1.13: CPU conv1d raises "not implemented for 'Half'".
      throw CodedError(code::kDTypeUnsupported,
                       "dtype 'float16' is not supported on CPU (LibTorch has no CPU float16 "
                       "convolution kernels); use 'float32' or 'bfloat16' on CPU, or float16 "
                       "on a CUDA device");
    }
    // A qint8 file runs as it is: its weights cannot be cast, and LibTorch has its quantised
    // kernels for the CPU only. Its engine is chosen before the load, which packs the weights.
    const bool quantized = IsQuantizedArchive(path);
    std::string engine;
    if (quantized) {
      if (!device.is_cpu()) {
        throw CodedError(code::kDTypeUnsupported,
                         path + " is a qint8 (dynamically quantised) model, which runs on the CPU "
                                "only; load it with device 'cpu', or export float32 / float16 "
                                "for " + device.str());
      }
      if (request_.dtype != torch::kFloat) {
        throw CodedError(code::kDTypeUnsupported,
                         path + " is a qint8 model; it cannot be cast to " +
                             DTypeName(request_.dtype) + " (load it with dtype 'qint8' or 'float32')");
      }
      engine = SelectQuantizedEngine();
    } else if (request_.qint8) {
      throw CodedError(code::kDTypeUnsupported,
                       "dtype 'qint8' needs a file exported with `tools/export --dtype qint8`; " +
                           path + " is not quantised");
    }
    // Weights live as long as the model: keep them out of the activation cache.
    memory::ScopedUncached uncached;
    torch::jit::ExtraFilesMap extra{{kMetadataFile, ""}};
    auto module = std::make_shared<torch::jit::Module>();
    try {
      *module = torch::jit::load(path, device, extra);
    } catch (const c10::OutOfMemoryError &) {
      throw;
    } catch (const c10::Error &e) {
      throw CodedError(code::kModelInvalid,
                       path + " is not a readable TorchScript file (truncated, not saved with "
                              "torch.jit.save, or from an incompatible torch version): " +
                           FirstLine(e.what_without_backtrace()));
    }
    CheckSignature(*module, path);
    if (extra[kMetadataFile].empty()) {
      throw CodedError(code::kModelSignature,
                       path + " has no " + kMetadataFile +
                           " metadata; export it with tools/export (python -m audiomap_export)");
    }
    module->eval();
    // Weights are converted once here; inputs are converted per call. Pooling runs in float32.
    if (request_.dtype != torch::kFloat) module->to(request_.dtype);

    loaded_ = std::make_shared<LoadedModel>();
    loaded_->module = module;
    loaded_->device = device;
    loaded_->dtype = request_.dtype;
    loaded_->quantized = quantized;
    loaded_->quantizedEngine = engine;
    loaded_->metadata = extra[kMetadataFile];
    loaded_->parameterBytes = StateBytes(*module);
    loaded_->threads = request_.threads;
#ifdef AUDIOMAP_WITH_CUDA
    if (device.is_cuda()) {
      loaded_->stream = c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device.index());
      loaded_->staging.SetPinned(true);
    }
#endif
  });
}

void LoadWorker::OnOK() {
  Napi::Env env = Env();
  // The constructor runs synchronously inside New() and copies the shared_ptr it is given.
  std::shared_ptr<LoadedModel> handoff = std::move(loaded_);
  try {
    deferred_.Resolve(
        constructor_.New({Napi::External<std::shared_ptr<LoadedModel>>::New(env, &handoff)}));
  } catch (const Napi::Error &error) {
    deferred_.Reject(error.Value());
  }
}

}  // namespace audiomap::model
