#include "broker/net/io_pool.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "storage/base/logging.h"

namespace mq::broker::net {

IoPool::IoPool(int threads) : thread_count_(std::max(threads, 1)), io_(thread_count_) {}

IoPool::~IoPool() { Stop(); }

void IoPool::Start(std::function<void(int)> on_signal) {
  if (!threads_.empty()) return;
  guard_.emplace(io_.get_executor());
  if (on_signal) {
    on_signal_ = std::move(on_signal);
    signals_ = std::make_unique<asio::signal_set>(io_, SIGTERM, SIGINT);
    WaitSignal();
  }
  threads_.reserve(thread_count_);
  for (int i = 0; i < thread_count_; ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
}

void IoPool::WaitSignal() {
  signals_->async_wait([this](const std::error_code& ec, int signal) {
    if (ec) return;
    LogInfo(absl::StrFormat("signal %d received", signal));
    on_signal_(signal);
    WaitSignal();
  });
}

void IoPool::Stop() {
  guard_.reset();
  io_.stop();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  // No pool thread runs now: the signal set can go (restoring the default dispositions).
  signals_.reset();
}

}  // namespace mq::broker::net
