// Dynamic int8 (qint8) models: recognising them and choosing LibTorch's quantised CPU engine.
#pragma once

#include <string>
#include <vector>

namespace audiomap::model {

/// Whether the TorchScript archive at `path` holds dynamically quantised modules
/// (`tools/export --dtype qint8`). Reads only the zip directory; false when it cannot be read
/// (torch::jit::load then reports what is wrong with the file).
bool IsQuantizedArchive(const std::string &path);

/// The fastest quantised engine this LibTorch has: x86 or fbgemm (LibTorch 2.x), else onednn,
/// else qnnpack; "none" when it has none of them.
std::string BestQuantizedEngine();

/// Makes BestQuantizedEngine() the process's quantised engine and returns its name. Must run
/// before torch::jit::load of a quantised model: its packed weights are re-packed at load for
/// the engine current then. Throws CodedError(ERR_DTYPE_UNSUPPORTED) when there is none.
std::string SelectQuantizedEngine();

/// Every quantised engine this LibTorch supports, by name.
std::vector<std::string> SupportedQuantizedEngines();

}  // namespace audiomap::model
