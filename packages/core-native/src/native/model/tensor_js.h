// Tensors crossing to JavaScript as { dtype, shape, data }, without a copy: the ArrayBuffer's
// finalizer owns the tensor.
#pragma once

#include <napi.h>
#include <torch/types.h>

namespace audiomap::model {

/// A CPU tensor as { dtype, shape, data }. The data aliases the tensor's memory (made
/// contiguous first); supported dtypes: float32, float64, int32, int64, uint8.
Napi::Object TensorToJs(Napi::Env env, const torch::Tensor &tensor);

}  // namespace audiomap::model
