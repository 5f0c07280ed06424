// AudioReader: a JS object streaming one input as mono float chunks at a target rate.
#pragma once

#include <napi.h>

#include <memory>

#include "audio_stream.h"

namespace audiomap::audio {

/// JS: `const r = new AudioReader(); const info = await r.open(source, targetRate, name, limits);`
/// then `await r.read(maxFrames)` -> Float32Array, or null at the end; `r.close()`.
/// Only one open/read may be in flight at a time. close() is idempotent; when a read is in
/// flight the native handle is released as soon as it finishes.
class AudioReader : public Napi::ObjectWrap<AudioReader> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit AudioReader(const Napi::CallbackInfo &info);

 private:
  friend class OpenWorker;
  friend class ReadWorker;

  Napi::Value Open(const Napi::CallbackInfo &info);
  Napi::Value Read(const Napi::CallbackInfo &info);
  Napi::Value Close(const Napi::CallbackInfo &info);
  Napi::Value IsClosed(const Napi::CallbackInfo &info);

  void CheckIdle(Napi::Env env, const char *operation);
  /// Main thread only: called when a worker finishes.
  void WorkDone();

  std::unique_ptr<AudioStream> stream_;
  bool busy_ = false;
  bool closed_ = false;
  bool ended_ = false;
};

}  // namespace audiomap::audio
