// The audio module: one-shot decodeAudio() and the streaming AudioReader class.
#include "../registry.h"
#include "audio_napi.h"
#include "audio_reader.h"
#include "decode_limits.h"

namespace audiomap::audio {
namespace {

// Decodes a whole input on the thread pool.
class DecodeWorker : public AudioPromiseWorker {
 public:
  DecodeWorker(Napi::Env env, SourceSpec source, int targetRate, DecodeLimits limits)
      : AudioPromiseWorker(env, "decodeAudio"), source_(std::move(source)),
        targetRate_(targetRate), limits_(limits) {}

 protected:
  void Work() override {
    stream_ = OpenStream(source_, targetRate_, limits_);
    samples_ = stream_->ReadAll();
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = InfoObject(env, *stream_);
    out.Set("frames", static_cast<double>(samples_.size()));
    out.Set("truncated", stream_->truncated());
    out.Set("samples", ToFloat32Array(env, std::move(samples_)));
    stream_.reset();
    return out;
  }

 private:
  SourceSpec source_;
  int targetRate_;
  DecodeLimits limits_;
  std::unique_ptr<AudioStream> stream_;
  std::vector<float> samples_;
};

// decodeAudio(source: string | Uint8Array, targetRate?: number, name?: string,
//             limits?: {maxSeconds?: number, allowTruncated?: boolean})
Napi::Value DecodeAudio(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  SourceSpec source = ParseSource(info[0], info[2]);
  const int targetRate = ParseTargetRate(info[1]);
  const DecodeLimits limits = ParseLimits(info[3]);
  auto *worker = new DecodeWorker(env, std::move(source), targetRate, limits);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// The fixed bounds of decode_limits.h, so that JavaScript states them from one source.
Napi::Object Limits(Napi::Env env) {
  Napi::Object limits = Napi::Object::New(env);
  limits.Set("minSampleRate", kMinSampleRate);
  limits.Set("maxSampleRate", kMaxSampleRate);
  limits.Set("defaultMaxSeconds", kDefaultMaxSeconds);
  limits.Set("maxDecodedSamples", static_cast<double>(kMaxDecodedSamples));
  limits.Freeze();
  return limits;
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("decodeAudio", Napi::Function::New(env, DecodeAudio, "decodeAudio"));
  exports.Set("audioLimits", Limits(env));
  AudioReader::Init(env, exports);
}

}  // namespace
}  // namespace audiomap::audio

AUDIOMAP_REGISTER_MODULE(audio, audiomap::audio::Init);
