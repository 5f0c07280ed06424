// N-API helpers shared by the audio module: input parsing, zero-copy output and a Promise
// worker that rejects with the AudioError code.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "audio_stream.h"
#include "decode_limits.h"

namespace audiomap::audio {

/// Where to read audio from, copied out of JS values so a worker thread can use it.
struct SourceSpec {
  std::string path;            // set for files on disk
  std::vector<uint8_t> bytes;  // set for in-memory sources
  bool inMemory = false;
  std::string name;            // used in error messages
};

/// Parses `source` (string path, or Uint8Array/Buffer of encoded bytes, copied) and an
/// optional `name` used in messages. Throws TypeError on anything else.
SourceSpec ParseSource(const Napi::Value &source, const Napi::Value &name);

/// Reads an integer target rate in [kMinSampleRate, kMaxSampleRate]; 0 or undefined keeps the
/// file's rate. Throws RangeError on anything else.
int ParseTargetRate(const Napi::Value &value);

/// Reads `{maxSeconds?, allowTruncated?}` (undefined: the defaults of DecodeLimits). Throws
/// TypeError/RangeError on bad values.
DecodeLimits ParseLimits(const Napi::Value &value);

/// Opens the source as a mono stream at `targetRate` under `limits` (worker thread safe).
std::unique_ptr<AudioStream> OpenStream(SourceSpec &source, int targetRate,
                                        const DecodeLimits &limits);

/// Moves `samples` into a Float32Array whose ArrayBuffer owns the memory (no copy).
Napi::Float32Array ToFloat32Array(Napi::Env env, std::vector<float> &&samples);

/// The stream's format facts as a JS object.
Napi::Object InfoObject(Napi::Env env, const AudioStream &stream);

/// An AsyncWorker resolving a Promise. `Work` runs on the thread pool and must not touch
/// N-API values; `Result` builds the resolved value on the main thread. Failures reject
/// with an Error whose `code` is the AudioError code (ERR_AUDIO_DECODE for anything else).
class AudioPromiseWorker : public Napi::AsyncWorker {
 public:
  AudioPromiseWorker(Napi::Env env, const char *operation);
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  virtual void Work() = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;
  /// Called on the main thread after success or failure, before the Promise settles.
  virtual void Finished() {}

 private:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error &error) override;

  Napi::Promise::Deferred deferred_;
  const char *operation_;
  std::string code_;
};

}  // namespace audiomap::audio
