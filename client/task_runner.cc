#include "client/task_runner.h"

#include <utility>

namespace mq::client {

TaskRunner::TaskRunner(uint32_t threads) {
  if (threads == 0) threads = 1;
  for (uint32_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

TaskRunner::~TaskRunner() { Shutdown(); }

void TaskRunner::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopped_) {
      tasks_.push_back(std::move(task));
      cv_.notify_one();
      return;
    }
  }
  task();
}

void TaskRunner::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_all();
  }
  for (std::thread& thread : threads_) thread.join();
  // Tasks posted between the last thread's exit and now run here, in order.
  for (;;) {
    std::function<void()> task;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (tasks_.empty()) {
        stopped_ = true;
        return;
      }
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

void TaskRunner::Run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace mq::client
