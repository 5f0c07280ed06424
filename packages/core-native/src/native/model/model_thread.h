// The one thread that runs a model's forward calls.
//
// Running every call of a model on the same thread keeps its thread-local state warm: the
// OpenMP team and thread count, the C library's per-thread malloc arena, the JIT's caches and
// the CPU caches. On libuv's threadpool consecutive calls land on different threads, and on a
// 2-core machine that alone made batch-1 forward times vary by 2x from call to call.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace audiomap::model {

class ModelThread {
 public:
  ModelThread();
  /// Finishes queued work, then joins (or detaches when called on the thread itself).
  ~ModelThread();
  ModelThread(const ModelThread &) = delete;
  ModelThread &operator=(const ModelThread &) = delete;

  /// Runs `job` on the model's thread and waits for it; an exception it throws is rethrown
  /// here, on the caller's thread.
  void Run(const std::function<void()> &job);

 private:
  // Shared with the thread, so that a detached thread never touches a destroyed object.
  struct Queue {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> jobs;
    bool stopping = false;
  };
  static void Loop(const std::shared_ptr<Queue> &queue);

  std::shared_ptr<Queue> queue_ = std::make_shared<Queue>();
  std::thread thread_;
};

}  // namespace audiomap::model
