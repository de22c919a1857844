#pragma once

// LogStorage: the read side of a node's durable Raft state, as the core sees it.
//
// The core never writes storage. The shell writes what each Ready tells it to (snapshot,
// entries, hard state), then steps the Ready's kLocalPersisted message back; from then on the
// core reads those entries here instead of from its own unstable tail. An implementation owns
// the log from FirstIndex() to LastIndex() plus the latest snapshot, whose index is at least
// FirstIndex() - 1 (the log may keep entries the snapshot also covers; the core only asks for
// the snapshot when a follower needs entries below FirstIndex()). It is called only from the
// strand that owns the node.
//
// Errors: reading below FirstIndex() returns CompactedError() (the core then sends a snapshot
// instead); Snapshot() may return SnapshotTemporarilyUnavailableError() while the application
// prepares one. Any other error is a broken disk under the core's feet and aborts the process
// (Raft cannot continue safely on a log it can no longer read).

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft/types.h"

namespace mq::raft {

// What a node restarts from: its hard state and the configuration as of the snapshot index
// (empty before the first snapshot: a group's founding configuration is in its log, see
// bootstrap.h). The core finds configuration entries after the snapshot by reading the log
// from there at start-up.
struct StorageState {
  HardState hard_state;
  ConfState conf_state;
};

class LogStorage {
 public:
  virtual ~LogStorage() = default;

  virtual absl::StatusOr<StorageState> InitialState() const = 0;
  // Entries [lo, hi), lo >= FirstIndex(), hi <= LastIndex() + 1, stopping once their
  // EntryBytes() sum would exceed bytes_max, but always at least one entry when lo < hi.
  virtual absl::StatusOr<std::vector<Entry>> Entries(uint64_t lo, uint64_t hi,
                                                     uint64_t bytes_max) const = 0;
  // The term of entry `index`, for index in [FirstIndex() - 1, LastIndex()].
  virtual absl::StatusOr<uint64_t> Term(uint64_t index) const = 0;
  virtual absl::StatusOr<uint64_t> FirstIndex() const = 0;
  virtual absl::StatusOr<uint64_t> LastIndex() const = 0;
  // The latest snapshot (index 0 and empty data for a group that never took one).
  virtual absl::StatusOr<raft::Snapshot> Snapshot() const = 0;
};

// OutOfRange, with a message naming the index and the first index.
absl::Status CompactedError(uint64_t index, uint64_t first_index);
bool IsCompacted(const absl::Status& status);
// Unavailable: the application is still producing a snapshot; the core retries later.
absl::Status SnapshotTemporarilyUnavailableError();
bool IsSnapshotTemporarilyUnavailable(const absl::Status& status);

}  // namespace mq::raft
