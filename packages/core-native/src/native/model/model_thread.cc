#include "model/model_thread.h"

#include <exception>
#include <future>
#include <utility>

namespace audiomap::model {

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

void ModelThread::Run(const std::function<void()> &job) {
  std::promise<void> done;
  std::future<void> result = done.get_future();
  {
    std::lock_guard<std::mutex> lock(queue_->mutex);
    queue_->jobs.emplace_back([&job, &done] {
      try {
        job();
        done.set_value();
      } catch (...) {
        done.set_exception(std::current_exception());
      }
    });
  }
  queue_->wake.notify_one();
  result.get();
}

void ModelThread::Loop(const std::shared_ptr<Queue> &queue) {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(queue->mutex);
      queue->wake.wait(lock, [&queue] { return queue->stopping || !queue->jobs.empty(); });
      if (queue->jobs.empty()) return;  // stopping, and nothing left to do
      job = std::move(queue->jobs.front());
      queue->jobs.pop_front();
    }
    job();
  }
}

}  // namespace audiomap::model
