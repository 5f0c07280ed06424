// AudioReader ObjectWrap and its open/read workers.
#include "audio_reader.h"

#include "audio_napi.h"

namespace audiomap::audio {

// Opens the source on the thread pool; the stream is handed to the reader on the main thread.
class OpenWorker : public AudioPromiseWorker {
 public:
  OpenWorker(Napi::Env env, AudioReader *reader, SourceSpec source, int targetRate,
             DecodeLimits limits)
      : AudioPromiseWorker(env, "AudioReader.open"), reader_(reader),
        source_(std::move(source)), targetRate_(targetRate), limits_(limits) {
    reader_->Ref();
  }
  ~OpenWorker() override { reader_->Unref(); }

 protected:
  void Work() override { stream_ = OpenStream(source_, targetRate_, limits_); }
  void Finished() override { reader_->WorkDone(); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object info = InfoObject(env, *stream_);
    // A close() that arrived during the open wins: the stream is dropped here.
    if (!reader_->closed_) reader_->stream_ = std::move(stream_);
    return info;
  }

 private:
  AudioReader *reader_;
  SourceSpec source_;
  int targetRate_;
  DecodeLimits limits_;
  std::unique_ptr<AudioStream> stream_;
};

// Reads one chunk on the thread pool. The reader's stream is not released while busy_.
class ReadWorker : public AudioPromiseWorker {
 public:
  ReadWorker(Napi::Env env, AudioReader *reader, size_t maxFrames)
      : AudioPromiseWorker(env, "AudioReader.read"), reader_(reader), maxFrames_(maxFrames),
        stream_(reader->stream_.get()) {
    reader_->Ref();
  }
  ~ReadWorker() override { reader_->Unref(); }

 protected:
  void Work() override { chunk_ = stream_->Read(maxFrames_); }
  void Finished() override { reader_->WorkDone(); }
  Napi::Value Result(Napi::Env env) override {
    if (chunk_.empty()) {
      reader_->ended_ = true;
      return env.Null();
    }
    return ToFloat32Array(env, std::move(chunk_));
  }

 private:
  AudioReader *reader_;
  size_t maxFrames_;
  AudioStream *stream_;
  std::vector<float> chunk_;
};

void AudioReader::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "AudioReader",
                                    {InstanceMethod<&AudioReader::Open>("open"),
                                     InstanceMethod<&AudioReader::Read>("read"),
                                     InstanceMethod<&AudioReader::Close>("close"),
                                     InstanceAccessor<&AudioReader::IsClosed>("closed")});
  exports.Set("AudioReader", ctor);
}

AudioReader::AudioReader(const Napi::CallbackInfo &info) : Napi::ObjectWrap<AudioReader>(info) {}

void AudioReader::CheckIdle(Napi::Env env, const char *operation) {
  if (closed_) throw Napi::Error::New(env, std::string(operation) + ": the reader is closed");
  if (busy_) {
    throw Napi::Error::New(env, std::string(operation) +
                                    ": another operation on this reader is in flight");
  }
}

void AudioReader::WorkDone() {
  busy_ = false;
  if (closed_) stream_.reset();
}

Napi::Value AudioReader::Open(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckIdle(env, "AudioReader.open");
  if (stream_) throw Napi::Error::New(env, "AudioReader.open: the reader is already open");
  SourceSpec source = ParseSource(info[0], info[2]);
  const int targetRate = ParseTargetRate(info[1]);
  const DecodeLimits limits = ParseLimits(info[3]);
  auto *worker = new OpenWorker(env, this, std::move(source), targetRate, limits);
  Napi::Promise promise = worker->Promise();
  busy_ = true;
  worker->Queue();
  return promise;
}

Napi::Value AudioReader::Read(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckIdle(env, "AudioReader.read");
  if (!stream_) throw Napi::Error::New(env, "AudioReader.read: the reader is not open");
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "maxFrames must be a number");
  const double maxFrames = info[0].As<Napi::Number>().DoubleValue();
  if (!(maxFrames >= 1 && maxFrames <= (1 << 28))) {
    throw Napi::RangeError::New(env, "maxFrames must be in [1, 2^28]");
  }
  if (ended_) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Resolve(env.Null());
    return deferred.Promise();
  }
  auto *worker = new ReadWorker(env, this, static_cast<size_t>(maxFrames));
  Napi::Promise promise = worker->Promise();
  busy_ = true;
  worker->Queue();
  return promise;
}

Napi::Value AudioReader::Close(const Napi::CallbackInfo &info) {
  closed_ = true;
  if (!busy_) stream_.reset();
  return info.Env().Undefined();
}

Napi::Value AudioReader::IsClosed(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), closed_);
}

}  // namespace audiomap::audio
