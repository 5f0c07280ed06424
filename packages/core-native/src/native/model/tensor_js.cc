#include "model/tensor_js.h"

#include <cstring>
#include <memory>
#include <string>

#include "model/errors.h"

namespace audiomap::model {
namespace {

struct DTypeEntry {
  torch::ScalarType scalar;
  const char *name;
  napi_typedarray_type array;
};

// The one table from torch dtypes to JavaScript TypedArrays (mirrors DTypeArrays in binding.ts).
constexpr DTypeEntry kDTypes[] = {
    {torch::kFloat, "float32", napi_float32_array},
    {torch::kDouble, "float64", napi_float64_array},
    {torch::kInt, "int32", napi_int32_array},
    {torch::kLong, "int64", napi_bigint64_array},
    {torch::kByte, "uint8", napi_uint8_array},
};

// Results this small are copied into a plain ArrayBuffer: cheaper than an external one, whose
// finalizer V8 must track and run (a pooled embedding is a few KiB). Larger ones are handed
// over without a copy, and the tensor is freed when the ArrayBuffer is collected.
constexpr size_t kCopyUpTo = 64 * 1024;

const DTypeEntry *FindDType(torch::ScalarType scalar) {
  for (const auto &entry : kDTypes) {
    if (entry.scalar == scalar) return &entry;
  }
  return nullptr;
}

}  // namespace

Napi::Object TensorToJs(Napi::Env env, const torch::Tensor &tensor) {
  const DTypeEntry *entry = FindDType(tensor.scalar_type());
  if (entry == nullptr) {
    throw MakeError(env, code::kDTypeUnsupported,
                    std::string("no TypedArray for tensor dtype ") +
                        c10::toString(tensor.scalar_type()));
  }
  torch::Tensor data = tensor.contiguous();
  const size_t bytes = data.nbytes();
  Napi::ArrayBuffer buffer;
  if (bytes <= kCopyUpTo) {
    buffer = Napi::ArrayBuffer::New(env, bytes);
    if (bytes > 0) std::memcpy(buffer.Data(), data.data_ptr(), bytes);
  } else {
    auto owned = std::make_unique<torch::Tensor>(std::move(data));
    buffer = Napi::ArrayBuffer::New(
        env, owned->data_ptr(), bytes,
        [](Napi::Env, void *, torch::Tensor *held) { delete held; }, owned.get());
    owned.release();  // the ArrayBuffer's finalizer frees it from now on
  }
  const size_t length = bytes / tensor.element_size();
  napi_value array;
  napi_status status = napi_create_typedarray(env, entry->array, length, buffer, 0, &array);
  NAPI_THROW_IF_FAILED(env, status, Napi::Object());

  Napi::Object out = Napi::Object::New(env);
  Napi::Array shape = Napi::Array::New(env, tensor.dim());
  for (int64_t i = 0; i < tensor.dim(); ++i) {
    shape.Set(static_cast<uint32_t>(i), static_cast<double>(tensor.size(i)));
  }
  out.Set("dtype", entry->name);
  out.Set("shape", shape);
  out.Set("data", Napi::Value(env, array));
  return out;
}

}  // namespace audiomap::model
