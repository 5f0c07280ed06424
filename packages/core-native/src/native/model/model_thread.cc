#include "model/model_thread.h"

#include <chrono>
#include <utility>

namespace audiomap::model {
namespace {

// After a job, the thread polls for the next one this long before it sleeps. Waking a sleeping
// thread costs 0.1-1 ms on a virtual machine; a caller that awaits one call and issues the next
// (every batch loop) comes back well within this.
constexpr auto kSpin = std::chrono::microseconds(500);

}  // namespace

ModelThread::ModelThread() : thread_([queue = queue_] { Loop(queue); }) {}

ModelThread::~ModelThread() {
  {
    std::lock_guard<std::mutex> lock(queue_->mutex);
    queue_->stopping = true;
  }
  queue_->wake.notify_one();
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // the last reference was dropped by a job on this very thread
  } else {
    thread_.join();
  }
}

void ModelThread::Post(std::function<void()> job) {
  bool sleeping;
  {
    std::lock_guard<std::mutex> lock(queue_->mutex);
    queue_->jobs.push_back(std::move(job));
    queue_->queued.fetch_add(1, std::memory_order_release);
    sleeping = queue_->sleeping;
  }
  if (sleeping) queue_->wake.notify_one();
}

void ModelThread::Loop(const std::shared_ptr<Queue> &queue) {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(queue->mutex);
      if (queue->jobs.empty() && !queue->stopping) {
        lock.unlock();
        if (queue->spin.load(std::memory_order_relaxed)) {
          const auto until = std::chrono::steady_clock::now() + kSpin;
          while (queue->queued.load(std::memory_order_acquire) == 0 &&
                 std::chrono::steady_clock::now() < until) {
            std::this_thread::yield();
          }
        }
        lock.lock();
        queue->sleeping = true;
        queue->wake.wait(lock, [&queue] { return queue->stopping || !queue->jobs.empty(); });
        queue->sleeping = false;
      }
      if (queue->jobs.empty()) return;  // stopping, and nothing left to do
      job = std::move(queue->jobs.front());
      queue->jobs.pop_front();
      queue->queued.fetch_sub(1, std::memory_order_relaxed);
    }
    job();
  }
}

}  // namespace audiomap::model
