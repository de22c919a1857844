#pragma once

// Ticker: the Raft clock of a broker. Every tick (50 ms by default) it calls Tick() on every
// registered GroupRunner (which posts the tick to the group's strand).
//
// A steady_timer scheduled on absolute deadlines (start + n * tick), so the period does not
// drift with load; when the process falls behind, missed ticks are skipped, not bunched
// (Raft's timeouts are counted in ticks: a burst of ticks would fire elections).
//
// Lifecycle: construct, Add runners, Start; Remove a runner before destroying it; Stop (or
// destroy) cancels the timer. After Remove (or Stop) returns, the ticker no longer touches
// that runner (the registry is locked while ticking; GroupRunner::Tick only posts).
//
// Threading: every method is thread-safe.

#include <chrono>
#include <memory>

#include "asio/io_context.hpp"

namespace mq::broker::net {

class GroupRunner;

class Ticker {
 public:
  explicit Ticker(asio::io_context& io,
                  std::chrono::milliseconds tick = std::chrono::milliseconds(50));
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;
  ~Ticker();

  void Add(GroupRunner* runner);
  void Remove(GroupRunner* runner);
  void Start();
  void Stop();
  // Ticks delivered so far (each to every runner registered at the time).
  uint64_t ticks() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mq::broker::net
