// Error codes of the model runtime and the one place where C++ exceptions become them.
// Stable codes cross to JavaScript as `err.code`; src/errors.ts maps them to Error classes.
#pragma once

#include <napi.h>

#include <functional>
#include <stdexcept>
#include <string>

#include "coded_error.h"

namespace audiomap::model {

namespace code {
inline constexpr const char *kModelNotFound = "ERR_MODEL_NOT_FOUND";
inline constexpr const char *kModelInvalid = "ERR_MODEL_INVALID";
inline constexpr const char *kModelSignature = "ERR_MODEL_SIGNATURE";
inline constexpr const char *kInputShape = "ERR_INPUT_SHAPE";
inline constexpr const char *kInvalidArgType = "ERR_INVALID_ARG_TYPE";
inline constexpr const char *kDeviceUnavailable = "ERR_DEVICE_UNAVAILABLE";
inline constexpr const char *kOutOfMemory = "ERR_OUT_OF_MEMORY";
inline constexpr const char *kModelDisposed = "ERR_MODEL_DISPOSED";
inline constexpr const char *kDTypeUnsupported = "ERR_DTYPE_UNSUPPORTED";
inline constexpr const char *kNative = "ERR_NATIVE";
/// A call whose start gate was closed by the caller before it began (model.ts's AbortSignal).
inline constexpr const char *kAborted = "ERR_FORWARD_ABORTED";
}  // namespace code

/// An error that already knows its code; thrown by audiomap's own checks.
using CodedError = ::audiomap::CodedError;

/// A failure caught off the main thread, waiting to become a JS error.
struct Failure {
  std::string code;
  std::string message;
};

/// Runs `fn`, turning every exception into a Failure: CodedError keeps its code, LibTorch's
/// out-of-memory errors become ERR_OUT_OF_MEMORY, "not implemented for 'Half'" becomes
/// ERR_DTYPE_UNSUPPORTED, other c10::Error/std::exception ERR_NATIVE with the native message,
/// and anything else a message naming `op`. Returns true when `fn` succeeded.
bool RunGuarded(const char *op, const std::function<void()> &fn, Failure *failure);

/// A JS Error (or TypeError/RangeError) carrying `code`.
Napi::Error MakeError(Napi::Env env, const std::string &code, const std::string &message);
Napi::TypeError MakeTypeError(Napi::Env env, const std::string &message);
Napi::RangeError MakeRangeError(Napi::Env env, const std::string &message);

/// Base for workers that settle a Promise; OnError rejects with the recorded code.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char *name)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  /// Runs `fn` guarded and records a failure for OnError.
  void Guard(const char *op, const std::function<void()> &fn);
  void OnError(const Napi::Error &error) override;
  Napi::Promise::Deferred deferred_;

 private:
  std::string code_;
};

}  // namespace audiomap::model
