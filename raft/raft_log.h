#pragma once

// RaftLog: one node's view of its log, stitching stable entries (LogStorage) to the unstable
// tail (UnstableLog), with the commit and apply positions.
//
//   first_index ... persisted (in storage) | unstable tail ... last_index
//   applied <= applying <= committed <= last_index
//
// Owned by Raft; single-threaded.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft/log_storage.h"
#include "raft/unstable_log.h"

namespace mq::raft {

class RaftLog {
 public:
  // Reads the bounds of `storage`; commit and applied start at FirstIndex() - 1.
  static absl::StatusOr<RaftLog> Create(const LogStorage* storage,
                                        uint64_t committed_entries_bytes_max);

  uint64_t FirstIndex() const;
  uint64_t LastIndex() const;
  EntryId LastEntryId() const;
  // The term of entry `index`: CompactedError below FirstIndex() - 1, OutOfRange past
  // LastIndex().
  absl::StatusOr<uint64_t> Term(uint64_t index) const;
  // The term, or 0 when `index` is outside the log.
  uint64_t TermOrZero(uint64_t index) const;
  bool MatchTerm(EntryId id) const;
  // Raft's "at least as up to date" rule (§5.4.1): later last term, or same term and at
  // least as long.
  bool IsUpToDate(EntryId candidate_last) const;

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  uint64_t applying() const { return applying_; }
  // Every index <= this is in storage (durable). With a snapshot pending, the snapshot index.
  uint64_t PersistedIndex() const { return unstable_.offset() - 1; }
  const UnstableLog& unstable() const { return unstable_; }

  // Appends one entry after the current tail (a leader's own proposal); its index must be
  // LastIndex() + 1.
  void AppendEntry(Entry entry);

  // A follower's append: when the log matches `prev`, keep what already agrees, overwrite
  // from the first conflicting entry, and commit up to min(commit, last new index). Returns
  // the last index known to match the leader, or 0 when `prev` does not match. InvalidArgument
  // when the leader would overwrite a committed entry (a broken or lying leader).
  absl::StatusOr<uint64_t> MaybeAppend(EntryId prev, uint64_t commit, std::vector<Entry> entries);

  // The index of the first entry of `entries` whose term differs from this log's (or that
  // is past its end); 0 when all of them agree.
  uint64_t FindConflict(const std::vector<Entry>& entries) const;

  // The largest (index, term) with index <= `index` and term <= `term`: where a leader whose
  // entry at `index` has term `term` can at best match this log (the reject hint).
  EntryId FindConflictByTerm(uint64_t index, uint64_t term) const;

  // Moves committed forward (never back); `index` must be <= LastIndex().
  void CommitTo(uint64_t index);
  // A leader's commit rule: commit `id.index` only if that entry has term `id.term`.
  bool MaybeCommit(EntryId id);

  // Copies of entries [lo, hi) stopping near bytes_max (at least one). CompactedError below
  // FirstIndex().
  absl::StatusOr<std::vector<Entry>> Slice(uint64_t lo, uint64_t hi, uint64_t bytes_max) const;

  // Committed entries not yet handed out for applying that are also durable here, and no
  // snapshot is pending.
  bool HasNextCommittedEntries() const;
  std::vector<Entry> NextCommittedEntries() const;
  void AcceptApplying(uint64_t index);
  void AppliedTo(uint64_t index);

  // Unstable hand-off (see UnstableLog).
  bool HasNextUnstableEntries() const { return unstable_.HasNextEntries(); }
  std::vector<Entry> NextUnstableEntries() const { return unstable_.NextEntries(); }
  bool HasNextUnstableSnapshot() const { return unstable_.HasNextSnapshot(); }
  void AcceptUnstable() { unstable_.AcceptInProgress(); }
  void StableTo(EntryId id) { unstable_.StableTo(id); }
  void StableSnapshotTo(uint64_t index) { unstable_.StableSnapshotTo(index); }

  // Replaces the log with `snapshot`; committed and applying jump to its index.
  void Restore(Snapshot snapshot);
  // Restart: commit from the stored hard state, applied from the application (both clamped to
  // what the log holds). DataLoss when the stored commit lies outside the log.
  absl::Status LoadCommitAndApplied(uint64_t commit, uint64_t applied);

 private:
  RaftLog(const LogStorage* storage, uint64_t offset, uint64_t committed_entries_bytes_max)
      : storage_(storage), unstable_(offset), bytes_max_(committed_entries_bytes_max) {}

  const LogStorage* storage_;
  UnstableLog unstable_;
  uint64_t committed_ = 0;
  uint64_t applying_ = 0;
  uint64_t applied_ = 0;
  uint64_t bytes_max_;
};

// Aborts on a LogStorage error other than compaction (see log_storage.h).
void CheckStorage(const absl::Status& status, const char* what);

}  // namespace mq::raft
