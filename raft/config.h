#pragma once

// Config: one Raft node's identity and limits. Every limit carries its unit; ValidateConfig
// (called by RawNode::Create) refuses nonsense with an InvalidArgument naming the field.

#include <cstdint>

#include "absl/status/status.h"
#include "raft/types.h"

namespace mq::raft {

struct Config {
  // This node's id; non-zero, unique in the group.
  NodeId id = kNoNode;

  // A follower that hears nothing from a leader for a random number of ticks in
  // [election_timeout_ticks, 2 * election_timeout_ticks) starts an election. A leader sends
  // heartbeats every heartbeat_timeout_ticks, which must be smaller.
  int election_timeout_ticks = 10;
  int heartbeat_timeout_ticks = 1;

  // The bytes (EntryBytes) of entries in one append message; a single larger entry is still
  // sent alone.
  uint64_t append_entries_bytes_max = 1 << 20;
  // Per follower in the replicate state: append messages sent and not yet acknowledged, by
  // count and by bytes. inflight_bytes_max must allow at least one full append message.
  int inflight_msgs_max = 256;
  uint64_t inflight_bytes_max = 32 << 20;
  // Payload bytes a leader accepts in proposals not yet applied; more are refused with
  // ResourceExhausted (back-pressure). An empty tail accepts one proposal of any size.
  uint64_t uncommitted_bytes_max = 64 << 20;
  // The bytes (EntryBytes) of committed entries handed out in one Ready.
  uint64_t committed_entries_bytes_max = 64 << 20;

  // A leader that has not heard from a majority within an election timeout steps down, and
  // followers that heard from a leader recently ignore vote requests (keeps a partitioned
  // leader from serving stale reads and removed nodes from disrupting the group).
  bool check_quorum = true;
  // Before incrementing its term a candidate asks whether it could win (a partitioned node
  // rejoining cannot force the term up and depose a healthy leader).
  bool pre_vote = true;
  // ReadIndex answered from the leader's lease (check_quorum) without a heartbeat round. Only
  // safe if clocks tick at similar rates on all nodes; requires check_quorum.
  bool lease_read = false;
  // A leader whose commit index moved tells every follower at once, with an append that may
  // carry no entries (and draws an acknowledgement). false: the new commit index travels with
  // the next append that carries entries, or the next heartbeat (heartbeat_timeout_ticks at
  // the latest), so a lone proposal costs 2 messages per follower instead of 4. Safety does not
  // depend on it; followers only apply later.
  bool announce_commit_at_once = true;

  // The last index the application has applied (its checkpoint); committed entries above it
  // are handed out again after a restart. 0: the storage's snapshot index.
  uint64_t applied_index = 0;
};

// InvalidArgument naming the first bad field.
absl::Status ValidateConfig(const Config& config);

}  // namespace mq::raft
