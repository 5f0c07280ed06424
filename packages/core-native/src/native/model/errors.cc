#include "model/errors.h"

#include <c10/util/Exception.h>

#include <new>

namespace audiomap::model {
namespace {

bool Contains(const std::string &text, const char *needle) {
  return text.find(needle) != std::string::npos;
}

// c10 messages end with a C++ stack in some builds; JavaScript users want the first lines.
std::string Trim(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

}  // namespace

bool RunGuarded(const char *op, const std::function<void()> &fn, Failure *failure) {
  try {
    fn();
    return true;
  } catch (const CodedError &e) {
    *failure = {e.code(), e.what()};
  } catch (const c10::OutOfMemoryError &e) {
    *failure = {code::kOutOfMemory,
                std::string(op) + ": out of memory: " + Trim(e.what_without_backtrace())};
  } catch (const c10::Error &e) {
    std::string message = Trim(e.what_without_backtrace());
    // Kernels that lack a reduced-precision variant on this device (CPU conv in float16).
    bool dtype = Contains(message, "not implemented for 'Half'") ||
                 Contains(message, "not implemented for 'BFloat16'");
    *failure = {dtype ? code::kDTypeUnsupported : code::kNative,
                std::string(op) + " failed in LibTorch: " + message};
  } catch (const std::bad_alloc &) {
    *failure = {code::kOutOfMemory, std::string(op) + ": out of host memory"};
  } catch (const std::exception &e) {
    *failure = {code::kNative, std::string(op) + " failed: " + e.what()};
  } catch (...) {
    *failure = {code::kNative, std::string(op) + " failed with an unknown native exception"};
  }
  return false;
}

Napi::Error MakeError(Napi::Env env, const std::string &code, const std::string &message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", code);
  return error;
}

Napi::TypeError MakeTypeError(Napi::Env env, const std::string &message) {
  Napi::TypeError error = Napi::TypeError::New(env, message);
  error.Set("code", code::kInvalidArgType);
  return error;
}

Napi::RangeError MakeRangeError(Napi::Env env, const std::string &message) {
  Napi::RangeError error = Napi::RangeError::New(env, message);
  error.Set("code", code::kInputShape);
  return error;
}

void PromiseWorker::Guard(const char *op, const std::function<void()> &fn) {
  Failure failure;
  if (!RunGuarded(op, fn, &failure)) {
    code_ = failure.code;
    SetError(failure.message);
  }
}

void PromiseWorker::OnError(const Napi::Error &error) {
  deferred_.Reject(MakeError(Env(), code_.empty() ? code::kNative : code_, error.Message()).Value());
}

}  // namespace audiomap::model
