#pragma once

// Inflights: the append messages a leader has sent to one follower in the replicate state and
// not yet seen acknowledged, bounded in count (inflight_msgs_max) and bytes
// (inflight_bytes_max). Each is remembered by the last index it carried; an acknowledgement of
// index i frees every message that ended at or before i.

#include <cstddef>
#include <cstdint>
#include <deque>

namespace mq::raft {

class Inflights {
 public:
  Inflights(size_t msgs_max, uint64_t bytes_max) : msgs_max_(msgs_max), bytes_max_(bytes_max) {}

  // No more messages may be sent: the count limit is reached, or the byte limit is reached
  // or passed (the message that crosses it is allowed, so one large message still goes).
  bool Full() const { return items_.size() >= msgs_max_ || bytes_ >= bytes_max_; }
  // Records a message ending at `last_index` carrying `bytes`; indexes must increase. Allowed
  // when Full(): after a heartbeat response the leader may exceed the limits by one message.
  void Add(uint64_t last_index, uint64_t bytes);
  // Frees the messages that ended at or before `index`.
  void FreeLE(uint64_t index);
  void Reset();

  size_t count() const { return items_.size(); }
  uint64_t bytes() const { return bytes_; }

 private:
  struct Item {
    uint64_t last_index;
    uint64_t bytes;
  };
  size_t msgs_max_;
  uint64_t bytes_max_;
  uint64_t bytes_ = 0;
  std::deque<Item> items_;
};

}  // namespace mq::raft
