#include "tests/sim/event_queue.h"

#include <algorithm>
#include <utility>

#include "storage/base/status_macros.h"

namespace mq::sim {

bool EventQueue::Later(const Event& a, const Event& b) {
  if (a.time != b.time) return a.time > b.time;
  return a.seq > b.seq;
}

void EventQueue::At(VirtualTime time, Handler handler) {
  MQ_CHECK_MSG(time >= now_, "event scheduled in the past");
  heap_.push_back(Event{time, next_seq_++, std::move(handler)});
  std::push_heap(heap_.begin(), heap_.end(), Later);
}

bool EventQueue::RunNext() {
  if (heap_.empty()) return false;
  std::pop_heap(heap_.begin(), heap_.end(), Later);
  Event event = std::move(heap_.back());
  heap_.pop_back();
  now_ = event.time;
  event.handler();
  return true;
}

}  // namespace mq::sim
