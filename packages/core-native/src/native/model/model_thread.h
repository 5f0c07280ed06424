// The one thread that runs a model's forward calls.
//
// Running every call of a model on the same thread keeps its thread-local state warm: the
// OpenMP team and thread count, the C library's per-thread malloc arena, the JIT's caches and
// the CPU caches. On libuv's threadpool consecutive calls land on different threads, and on a
// 2-core machine that alone made batch-1 forward times vary by 2x from call to call.
#pragma once

#include <atomic>
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

  /// Queues `job` to run on the model's thread, after the jobs queued before it. `job` must not
  /// throw.
  void Post(std::function<void()> job);

  /// Whether the thread polls for the next job before it sleeps. Worth it only while a core is
  /// left for the caller: with as many intra-op threads as cores, OpenMP's own spinning workers
  /// fill them, and polling would only delay the main thread that queues the next call.
  void SetSpin(bool spin) { queue_->spin.store(spin, std::memory_order_relaxed); }

 private:
  // Shared with the thread, so that a detached thread never touches a destroyed object.
  struct Queue {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> jobs;
    bool stopping = false;
    bool sleeping = false;          // the thread waits on `wake` (otherwise it spins or works)
    std::atomic<size_t> queued{0};  // jobs.size(), readable without the mutex while spinning
    std::atomic<bool> spin{true};
  };
  static void Loop(const std::shared_ptr<Queue> &queue);

  std::shared_ptr<Queue> queue_ = std::make_shared<Queue>();
  std::thread thread_;
};

}  // namespace audiomap::model
