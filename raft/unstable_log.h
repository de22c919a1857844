#pragma once

// UnstableLog: the tail of a node's log that is not yet known to be durable, and a snapshot
// received from the leader that is not yet installed. The core reads these entries from here;
// once the shell reports them persisted (StableTo) they are dropped and read from LogStorage.
//
//   storage ...|  offset                      offset_in_progress      offset + size
//              |  [ handed to the shell, being written ][ not yet handed out ]
//
// A follower may overwrite part of the tail, even entries being written (TruncateAndAppend);
// the term check in StableTo makes a late acknowledgement of an overwritten write harmless.

#include <cstdint>
#include <optional>
#include <vector>

#include "raft/types.h"

namespace mq::raft {

class UnstableLog {
 public:
  // `offset`: the index the first unstable entry will have (storage's LastIndex() + 1).
  explicit UnstableLog(uint64_t offset) : offset_(offset), offset_in_progress_(offset) {}

  // FirstIndex of the log when a snapshot is pending (its index + 1).
  std::optional<uint64_t> MaybeFirstIndex() const;
  // The last index held here (an entry's, or the pending snapshot's).
  std::optional<uint64_t> MaybeLastIndex() const;
  // The term of `index` if held here.
  std::optional<uint64_t> MaybeTerm(uint64_t index) const;

  uint64_t offset() const { return offset_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }

  // Entries not yet handed to the shell for writing.
  bool HasNextEntries() const { return offset_in_progress_ < offset_ + entries_.size(); }
  std::vector<Entry> NextEntries() const;
  bool HasNextSnapshot() const { return snapshot_.has_value() && !snapshot_in_progress_; }
  bool HasSnapshot() const { return snapshot_.has_value(); }
  // Everything held is now handed to the shell (called when a Ready is taken).
  void AcceptInProgress();

  // Entries up to `id` are durable: drop them unless the entry at id.index was overwritten
  // meanwhile (different term) or is not here.
  void StableTo(EntryId id);
  // The pending snapshot at `index` is durable: drop it.
  void StableSnapshotTo(uint64_t index);

  // Replaces everything with `snapshot`.
  void Restore(Snapshot snapshot);
  // Appends `entries` (consecutive, non-empty), first dropping any held suffix from
  // entries[0].index. entries[0].index must not exceed offset() + size (no gaps), and when it
  // is below offset() the stored entries from there on are superseded.
  void TruncateAndAppend(std::vector<Entry> entries);
  // Appends one entry right after the tail (a leader's proposal).
  void Append(Entry entry);
  // Copies of entries [lo, hi); requires offset() <= lo <= hi <= offset() + size.
  void Slice(uint64_t lo, uint64_t hi, std::vector<Entry>* out) const;

 private:
  std::optional<Snapshot> snapshot_;
  std::vector<Entry> entries_;
  uint64_t offset_;
  bool snapshot_in_progress_ = false;
  uint64_t offset_in_progress_;
};

}  // namespace mq::raft
