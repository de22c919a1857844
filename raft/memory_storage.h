#pragma once

// MemoryStorage: a LogStorage kept in memory, for tests and the deterministic simulator, and
// the reference for what a durable implementation must do. The shell writes it as each Ready
// says (ApplySnapshot, Append, SetHardState), and the application snapshots and compacts it.
//
// Layout: entries_[0] is a placeholder for the entry at FirstIndex() - 1 (only its index and
// term are meaningful); entries_[1..] are the stored entries. Single-threaded: owned by the
// strand (or test) that owns the node.

#include <cstdint>
#include <vector>

#include "raft/bootstrap.h"
#include "raft/log_storage.h"

namespace mq::raft {

class MemoryStorage : public LogStorage {
 public:
  // An empty log: a node waiting to be added to a group, or one to Bootstrap.
  MemoryStorage();

  // Writes the founding log of a new group (bootstrap.h). FailedPrecondition unless the
  // storage is empty; InvalidArgument for a bad configuration.
  absl::Status Bootstrap(const ConfState& founding);

  absl::StatusOr<StorageState> InitialState() const override;
  absl::StatusOr<std::vector<Entry>> Entries(uint64_t lo, uint64_t hi,
                                             uint64_t bytes_max) const override;
  absl::StatusOr<uint64_t> Term(uint64_t index) const override;
  absl::StatusOr<uint64_t> FirstIndex() const override;
  absl::StatusOr<uint64_t> LastIndex() const override;
  absl::StatusOr<raft::Snapshot> Snapshot() const override;

  void SetHardState(const HardState& state) { hard_state_ = state; }
  const HardState& hard_state() const { return hard_state_; }

  // Appends `entries` (consecutive indexes), first dropping any stored suffix from
  // entries[0].index on (a follower overwriting a conflicting tail). Entries below
  // FirstIndex() are skipped. InvalidArgument when the entries are not consecutive or would
  // leave a gap after LastIndex().
  absl::Status Append(std::vector<Entry> entries);

  // Replaces the whole log with `snapshot` (a follower installing InstallSnapshot data).
  // FailedPrecondition when it is not newer than the current snapshot.
  absl::Status ApplySnapshot(raft::Snapshot snapshot);

  // Records the application's snapshot as of `index` (an index it has applied), with the
  // configuration as of that index (RawNode::ConfStateAt). Keeps the log; see Compact.
  // FailedPrecondition when not newer than the current snapshot; OutOfRange past LastIndex().
  absl::Status CreateSnapshot(uint64_t index, const ConfState& conf_state, Payload data);

  // Drops entries up to and including `index`, which must not pass the snapshot index (so a
  // follower behind the log can always be sent a snapshot). Compacting to or below the
  // current FirstIndex() - 1 is a no-op.
  absl::Status Compact(uint64_t index);

 private:
  uint64_t first_index() const { return entries_.front().index + 1; }
  uint64_t last_index() const { return entries_.front().index + entries_.size() - 1; }

  HardState hard_state_;
  raft::Snapshot snapshot_;
  std::vector<Entry> entries_;
};

}  // namespace mq::raft
