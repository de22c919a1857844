#pragma once

// ReadOnly: a leader's ReadIndex requests waiting for a heartbeat round to confirm that it is
// still the leader (Raft thesis §6.4). Each request gets a round number; heartbeats carry the
// latest round and followers echo it, so one quorum of echoes of round r confirms every
// request of round <= r at once.

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "raft/types.h"

namespace mq::raft {

class ReadOnly {
 public:
  struct Request {
    uint64_t round = 0;
    uint64_t index = 0;  // the commit index when the request arrived: the read index
    NodeId from = kNoNode;
    std::string context;
  };

  // Queues a request; returns its round (what the next heartbeats must carry).
  uint64_t Add(uint64_t index, NodeId from, std::string context);
  // `from` echoed `round`.
  void Ack(NodeId from, uint64_t round);
  // Pops the requests confirmed by a majority of `voters` (the leader `self` counts as having
  // acknowledged every round).
  std::vector<Request> TakeConfirmed(const std::vector<NodeId>& voters, NodeId self);

  bool empty() const { return pending_.empty(); }
  uint64_t last_round() const { return pending_.empty() ? 0 : pending_.back().round; }
  // Forgets everything (leadership lost: requests are dropped; their callers time out).
  void Reset();

  static std::string EncodeRound(uint64_t round);
  // nullopt when `context` is not an encoded round.
  static std::optional<uint64_t> DecodeRound(std::string_view context);

 private:
  uint64_t next_round_ = 1;
  std::deque<Request> pending_;
  std::map<NodeId, uint64_t> acked_;
};

}  // namespace mq::raft
