#pragma once

// TaskRunner: a fixed pool of threads running posted tasks in FIFO order (internal to
// mq_client). With one thread, tasks run in post order: the producer's callbacks use that.
// Lifecycle: construct (threads start) -> Post* -> Shutdown (runs what was posted, joins; the
// destructor calls it). Post after Shutdown runs the task inline. Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mq::client {

class TaskRunner {
 public:
  explicit TaskRunner(uint32_t threads);
  ~TaskRunner();
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  void Post(std::function<void()> task);
  // Waits for every posted task, then joins. Not from one of its own threads.
  void Shutdown();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mq::client
