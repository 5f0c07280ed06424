#include "model/quantized.h"

#include <ATen/Context.h>
#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <mutex>

#include "model/errors.h"

namespace audiomap::model {
namespace {

// Fastest first on x86. qnnpack is the ARM-first engine; on x86 it is slower than float32.
constexpr at::QEngine kPreference[] = {at::QEngine::X86, at::QEngine::FBGEMM,
                                       at::QEngine::ONEDNN, at::QEngine::QNNPACK};

std::string EngineName(at::QEngine engine) {
  std::string name = c10::toString(engine);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

}  // namespace

bool IsQuantizedArchive(const std::string &path) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    // The scripted code of torch.ao.nn.quantized (torch.nn.quantized before 1.13) modules.
    for (const std::string &record : reader.getAllRecords()) {
      if (record.rfind("code/", 0) == 0 && record.find("/nn/quantized/") != std::string::npos)
        return true;
    }
  } catch (const std::exception &) {
    // c10::Error for a file that is not a zip archive: torch::jit::load reports it next.
  }
  return false;
}

std::string BestQuantizedEngine() {
  const auto &supported = at::globalContext().supportedQEngines();
  for (at::QEngine engine : kPreference) {
    if (std::find(supported.begin(), supported.end(), engine) != supported.end())
      return EngineName(engine);
  }
  return "none";
}

std::string SelectQuantizedEngine() {
  static std::once_flag once;
  static at::QEngine chosen = at::QEngine::NoQEngine;
  std::call_once(once, [] {
    const auto &supported = at::globalContext().supportedQEngines();
    for (at::QEngine engine : kPreference) {
      if (std::find(supported.begin(), supported.end(), engine) != supported.end()) {
        chosen = engine;
        break;
      }
    }
    if (chosen != at::QEngine::NoQEngine) at::globalContext().setQEngine(chosen);
  });
  if (chosen == at::QEngine::NoQEngine) {
    throw CodedError(code::kDTypeUnsupported,
                     "this LibTorch has no quantised CPU engine (x86, fbgemm, onednn or "
                     "qnnpack), so it cannot run a qint8 model; export float32 instead");
  }
  return EngineName(chosen);
}

std::vector<std::string> SupportedQuantizedEngines() {
  std::vector<std::string> names;
  for (at::QEngine engine : at::globalContext().supportedQEngines()) {
    if (engine != at::QEngine::NoQEngine) names.push_back(EngineName(engine));
  }
  return names;
}

}  // namespace audiomap::model
