// Shared N-API plumbing of the audio module.
#include "audio_napi.h"

#include <cmath>

#include "audio_error.h"

namespace audiomap::audio {

SourceSpec ParseSource(const Napi::Value &source, const Napi::Value &name) {
  SourceSpec spec;
  if (source.IsString()) {
    spec.path = source.As<Napi::String>().Utf8Value();
    spec.name = spec.path;
  } else if (source.IsTypedArray() &&
             source.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    auto array = source.As<Napi::Uint8Array>();
    spec.bytes.assign(array.Data(), array.Data() + array.ByteLength());
    spec.inMemory = true;
    spec.name = "<bytes>";
  } else {
    throw Napi::TypeError::New(source.Env(), "audio source must be a path string or a Uint8Array");
  }
  if (name.IsString()) spec.name = name.As<Napi::String>().Utf8Value();
  return spec;
}

int ParseTargetRate(const Napi::Value &value) {
  if (value.IsUndefined() || value.IsNull()) return 0;
  if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), "targetRate must be a number");
  const double rate = value.As<Napi::Number>().DoubleValue();
  const bool inRange = rate == 0 || (rate >= kMinSampleRate && rate <= kMaxSampleRate);
  if (!std::isfinite(rate) || !inRange || rate != std::floor(rate)) {
    throw Napi::RangeError::New(value.Env(), "targetRate must be 0 or an integer in [" +
                                                 std::to_string(kMinSampleRate) + ", " +
                                                 std::to_string(kMaxSampleRate) + "]");
  }
  return static_cast<int>(rate);
}

DecodeLimits ParseLimits(const Napi::Value &value) {
  DecodeLimits limits;
  if (value.IsUndefined() || value.IsNull()) return limits;
  if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "limits must be an object");
  const Napi::Object object = value.As<Napi::Object>();
  const Napi::Value maxSeconds = object.Get("maxSeconds");
  if (!maxSeconds.IsUndefined()) {
    const double seconds = maxSeconds.IsNumber() ? maxSeconds.As<Napi::Number>().DoubleValue() : 0;
    if (!(seconds > 0)) {
      throw Napi::RangeError::New(value.Env(), "maxSeconds must be a number > 0 (or Infinity)");
    }
    limits.maxSeconds = seconds;
  }
  const Napi::Value allowTruncated = object.Get("allowTruncated");
  if (!allowTruncated.IsUndefined()) {
    if (!allowTruncated.IsBoolean()) {
      throw Napi::TypeError::New(value.Env(), "allowTruncated must be a boolean");
    }
    limits.allowTruncated = allowTruncated.As<Napi::Boolean>().Value();
  }
  return limits;
}

std::unique_ptr<AudioStream> OpenStream(SourceSpec &source, int targetRate,
                                        const DecodeLimits &limits) {
  std::unique_ptr<SoundFile> file = source.inMemory
                                        ? SoundFile::OpenBytes(std::move(source.bytes), source.name)
                                        : SoundFile::OpenPath(source.path);
  return std::make_unique<AudioStream>(std::move(file), targetRate, limits);
}

Napi::Float32Array ToFloat32Array(Napi::Env env, std::vector<float> &&samples) {
  const size_t length = samples.size();
  if (length == 0) return Napi::Float32Array::New(env, 0);
  auto *owned = new std::vector<float>(std::move(samples));
  // V8 does not see external backing stores; reporting them lets GC pressure track the audio
  // held by JS, so dropped chunks are collected while an hour-long file streams.
  const auto bytes = static_cast<int64_t>(owned->capacity() * sizeof(float));
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  auto buffer = Napi::ArrayBuffer::New(
      env, owned->data(), length * sizeof(float),
      [bytes](Napi::Env finalizeEnv, void *, std::vector<float> *data) {
        delete data;
        Napi::MemoryManagement::AdjustExternalMemory(finalizeEnv, -bytes);
      },
      owned);
  return Napi::Float32Array::New(env, length, buffer, 0);
}

Napi::Object InfoObject(Napi::Env env, const AudioStream &stream) {
  const SoundInfo &info = stream.info();
  Napi::Object out = Napi::Object::New(env);
  out.Set("sampleRate", stream.outputRate());
  out.Set("originalSampleRate", info.sampleRate);
  out.Set("channels", info.channels);
  out.Set("originalFrames", static_cast<double>(info.frames));
  out.Set("declaredFrames", static_cast<double>(info.declaredFrames));
  out.Set("container", info.container);
  out.Set("encoding", info.encoding);
  return out;
}

AudioPromiseWorker::AudioPromiseWorker(Napi::Env env, const char *operation)
    : Napi::AsyncWorker(env, operation), deferred_(Napi::Promise::Deferred::New(env)),
      operation_(operation) {}

void AudioPromiseWorker::Execute() {
  try {
    Work();
  } catch (const AudioError &error) {
    code_ = error.code();
    SetError(error.what());
  } catch (const std::exception &error) {
    code_ = kDecode;
    SetError(std::string(operation_) + ": " + error.what());
  } catch (...) {
    code_ = kDecode;
    SetError(std::string(operation_) + ": unknown native failure");
  }
}

void AudioPromiseWorker::OnOK() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Finished();
  deferred_.Resolve(Result(env));
}

void AudioPromiseWorker::OnError(const Napi::Error &error) {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Finished();
  Napi::Error rejection = Napi::Error::New(env, error.Message());
  rejection.Set("code", code_.empty() ? std::string(kDecode) : code_);
  deferred_.Reject(rejection.Value());
}

}  // namespace audiomap::audio
