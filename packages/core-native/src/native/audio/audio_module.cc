// The audio module: one-shot decodeAudio() and the streaming AudioReader class.
#include "../registry.h"
#include "audio_napi.h"
#include "audio_reader.h"

namespace audiomap::audio {
namespace {

// Decodes a whole input on the thread pool.
class DecodeWorker : public AudioPromiseWorker {
 public:
  DecodeWorker(Napi::Env env, SourceSpec source, int targetRate)
      : AudioPromiseWorker(env, "decodeAudio"), source_(std::move(source)),
        targetRate_(targetRate) {}

 protected:
  void Work() override {
    stream_ = OpenStream(source_, targetRate_);
    samples_ = stream_->ReadAll();
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = InfoObject(env, *stream_);
    out.Set("frames", static_cast<double>(samples_.size()));
    out.Set("samples", ToFloat32Array(env, std::move(samples_)));
    stream_.reset();
    return out;
  }

 private:
  SourceSpec source_;
  int targetRate_;
  std::unique_ptr<AudioStream> stream_;
  std::vector<float> samples_;
};

// decodeAudio(source: string | Uint8Array, targetRate?: number, name?: string)
Napi::Value DecodeAudio(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  SourceSpec source = ParseSource(info[0], info[2]);
  const int targetRate = ParseTargetRate(info[1]);
  auto *worker = new DecodeWorker(env, std::move(source), targetRate);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("decodeAudio", Napi::Function::New(env, DecodeAudio, "decodeAudio"));
  AudioReader::Init(env, exports);
}

}  // namespace
}  // namespace audiomap::audio

AUDIOMAP_REGISTER_MODULE(audio, audiomap::audio::Init);
