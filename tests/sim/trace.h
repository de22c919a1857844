#pragma once

// Trace: the last events of a simulation run, kept in a ring and printed when an invariant
// breaks (the "what led here" of a failure report). Recording is cheap (a few integers per
// message, formatted only when printed), so every message and fault of a run is recorded.
// With `echo` on (RAFTMQ_SIM_TRACE=1), every line is also printed as it happens, for replaying
// one seed by hand.
//
// Single-threaded, owned by the Simulator.

#include <cstdint>
#include <string>
#include <vector>

#include "raft/types.h"
#include "tests/sim/event_queue.h"

namespace mq::sim {

enum class TraceKind : uint8_t {
  kSend,     // a node handed a message to the network
  kDeliver,  // the network delivered it
  kDrop,     // the network lost it (fault, partition, or the receiver was down)
  kNote,     // anything else, as text (faults, restarts, roles, client, checks)
};

class Trace {
 public:
  explicit Trace(size_t capacity = 4096, bool echo = false);

  void set_step(uint64_t step) { step_ = step; }
  void set_time(VirtualTime time) { time_ = time; }

  void Message(TraceKind kind, const raft::Message& m, std::string_view why = {});
  void Note(raft::NodeId node, std::string text);

  // The last `count` lines, oldest first, one per line.
  std::string Tail(size_t count) const;
  size_t size() const { return records_.size(); }

 private:
  struct Record {
    VirtualTime time = 0;
    uint64_t step = 0;
    TraceKind kind = TraceKind::kNote;
    raft::NodeId node = raft::kNoNode;
    // Messages: the header fields and the range of entries carried.
    raft::MessageType type = raft::MessageType::kHeartbeat;
    raft::NodeId to = raft::kNoNode;
    uint64_t term = 0;
    uint64_t log_term = 0;
    uint64_t index = 0;
    uint64_t commit = 0;
    uint64_t first_entry = 0;
    uint64_t last_entry = 0;
    uint64_t snapshot_index = 0;
    bool reject = false;
    std::string text;  // kNote, or why a message was dropped
  };

  void Push(Record record);
  static std::string Format(const Record& r);

  size_t capacity_;
  bool echo_;
  std::vector<Record> records_;  // a ring once full
  size_t next_ = 0;
  uint64_t step_ = 0;
  VirtualTime time_ = 0;
};

}  // namespace mq::sim
