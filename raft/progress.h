#pragma once

// Progress: what a leader knows about one member's log, and how it may send to it.
//
//   kProbe      the leader does not know where the follower's log matches; it sends one
//               append at a time (flow_paused until an answer) and backs off on rejections.
//   kReplicate  the logs match up to `match`; appends are pipelined optimistically (`next`
//               runs ahead of `match`) until the Inflights limits pause the flow. A heartbeat
//               response lets one more append through, so a pipeline whose messages were all
//               lost finds out (the follower rejects it and the leader probes).
//   kSnapshot   the follower needs entries the leader has compacted; a snapshot is on its way
//               and nothing else is sent until the follower acknowledges it (or it fails).

#include <cstdint>
#include <string>

#include "raft/inflights.h"

namespace mq::raft {

enum class ProgressState : uint8_t { kProbe, kReplicate, kSnapshot };

std::string_view ProgressStateName(ProgressState state);

struct Progress {
  Progress(uint64_t next_index, size_t inflight_msgs_max, uint64_t inflight_bytes_max, bool learner)
      : next(next_index), is_learner(learner), inflights(inflight_msgs_max, inflight_bytes_max) {}

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(uint64_t snapshot_index);

  // Records an append just sent: `count` entries ending at `last_index`, `bytes` large.
  void SentEntries(uint64_t last_index, size_t count, uint64_t bytes);
  // The follower acknowledged everything up to `index`; false when that is old news.
  bool MaybeUpdate(uint64_t index);
  // The follower rejected an append whose previous index was `rejected`, hinting that its log
  // can match at best up to `match_hint`. False when the rejection is stale.
  bool MaybeDecrTo(uint64_t rejected, uint64_t match_hint);
  // Nothing may be sent now (flow control).
  bool IsPaused() const;

  std::string ToString() const;

  uint64_t match = 0;  // the highest index known to be in the member's log
  uint64_t next;       // the next index to send
  ProgressState state = ProgressState::kProbe;
  uint64_t pending_snapshot = 0;  // kSnapshot: the index of the snapshot sent
  uint64_t commit_sent = 0;       // the highest commit index sent in an append
  bool recent_active = false;     // heard from within the last CheckQuorum period
  bool flow_paused = false;       // no append may go out until the follower answers
  bool send_needed = false;       // send an append at the next flush, even an empty one
  bool is_learner;
  Inflights inflights;

 private:
  void ResetState(ProgressState next_state);
};

}  // namespace mq::raft
