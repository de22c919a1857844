#include "broker/net/ticker.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "asio/steady_timer.hpp"
#include "asio/strand.hpp"
#include "broker/net/group_runner.h"

namespace mq::broker::net {

class Ticker::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, std::chrono::milliseconds tick)
      : tick_(std::max(tick, std::chrono::milliseconds(1))), timer_(asio::make_strand(io)) {}

  void Add(GroupRunner* runner) {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::find(runners_.begin(), runners_.end(), runner) == runners_.end()) {
      runners_.push_back(runner);
    }
  }

  void Remove(GroupRunner* runner) {
    std::lock_guard<std::mutex> lock(mu_);
    runners_.erase(std::remove(runners_.begin(), runners_.end(), runner), runners_.end());
  }

  void Start() {
    asio::post(timer_.get_executor(), [self = shared_from_this()] {
      if (self->started_ || self->stopped_.load()) return;
      self->started_ = true;
      self->deadline_ = std::chrono::steady_clock::now() + self->tick_;
      self->Wait();
    });
  }

  void Stop() {
    stopped_.store(true);
    asio::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
  }

  uint64_t ticks() const { return ticks_.load(); }

 private:
  void Wait() {
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](const std::error_code& ec) {
      if (ec || self->stopped_.load()) return;
      self->Fire();
    });
  }

  void Fire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (GroupRunner* runner : runners_) runner->Tick();
    }
    ticks_.fetch_add(1);
    auto now = std::chrono::steady_clock::now();
    deadline_ += tick_;
    if (deadline_ <= now) {
      // Fell behind: skip the missed ticks.
      auto behind = now - deadline_;
      deadline_ += (behind / tick_ + 1) * tick_;
    }
    Wait();
  }

  const std::chrono::milliseconds tick_;
  asio::steady_timer timer_;
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> ticks_{0};
  // ---- Timer strand only ----
  bool started_ = false;
  std::chrono::steady_clock::time_point deadline_;

  std::mutex mu_;
  std::vector<GroupRunner*> runners_;
};

Ticker::Ticker(asio::io_context& io, std::chrono::milliseconds tick)
    : impl_(std::make_shared<Impl>(io, tick)) {}

Ticker::~Ticker() { Stop(); }

void Ticker::Add(GroupRunner* runner) { impl_->Add(runner); }
void Ticker::Remove(GroupRunner* runner) { impl_->Remove(runner); }
void Ticker::Start() { impl_->Start(); }
void Ticker::Stop() { impl_->Stop(); }
uint64_t Ticker::ticks() const { return impl_->ticks(); }

}  // namespace mq::broker::net
