#pragma once

// IoPool: the broker's one io_context and the threads that run it (DESIGN.md section 4).
//
// Lifecycle: construct; Start() launches the threads (a work guard keeps them running while
// idle) and, when given a signal callback, catches SIGTERM and SIGINT; Stop() stops the
// io_context and joins the threads (pending handlers are not run; destroy the objects that own
// handlers after the pool has stopped, the pool last). The destructor stops.
//
// The signal callback runs once per signal on a pool thread; it should only start the
// shutdown elsewhere (e.g. wake the main thread), not wait for the pool's own work.
//
// Threading: Start, Stop and Wait from any one thread that is not a pool thread.

#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "asio/executor_work_guard.hpp"
#include "asio/io_context.hpp"
#include "asio/signal_set.hpp"

namespace mq::broker::net {

class IoPool {
 public:
  explicit IoPool(int threads = 4);
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;
  ~IoPool();

  asio::io_context& context() { return io_; }
  int thread_count() const { return thread_count_; }

  // Launches the threads. `on_signal` (optional) is called with the signal number on
  // SIGTERM or SIGINT, for as long as the pool runs.
  void Start(std::function<void(int signal)> on_signal = nullptr);
  // Stops the io_context and joins the threads. Idempotent; a stopped pool does not restart.
  void Stop();

 private:
  void WaitSignal();

  const int thread_count_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::unique_ptr<asio::signal_set> signals_;
  std::function<void(int)> on_signal_;
  std::vector<std::thread> threads_;
};

}  // namespace mq::broker::net
