#pragma once

// EventQueue: the simulator's clock and agenda. Every action of a simulated cluster (a node's
// tick, a message delivery, a disk completion, a fault) is an event at a virtual time; events
// run one at a time, earliest first, ties in the order they were scheduled (a sequence number),
// so a run depends on nothing but its seed. Time is virtual microseconds since the start of
// the run; nothing reads a real clock.
//
// Single-threaded. Handlers may schedule further events (never in the past).

#include <cstdint>
#include <functional>
#include <vector>

namespace mq::sim {

using VirtualTime = uint64_t;  // microseconds since the start of the run

class EventQueue {
 public:
  using Handler = std::function<void()>;

  VirtualTime now() const { return now_; }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // The time of the earliest pending event; requires !empty().
  VirtualTime next_time() const { return heap_.front().time; }

  // Runs `handler` at `time` (>= now()).
  void At(VirtualTime time, Handler handler);
  void After(uint64_t delay_us, Handler handler) { At(now_ + delay_us, std::move(handler)); }

  // Pops the earliest event, advances now() to its time and runs it. False when empty.
  bool RunNext();

  // Drops every pending event (the end of a run: handlers may own resources).
  void Clear() { heap_.clear(); }

 private:
  struct Event {
    VirtualTime time;
    uint64_t seq;
    Handler handler;
  };
  // Orders the heap so that front() is the earliest (time, seq).
  static bool Later(const Event& a, const Event& b);

  std::vector<Event> heap_;
  VirtualTime now_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace mq::sim
