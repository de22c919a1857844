#pragma once

// RaftLogStore: a node's durable Raft state on storage/, the LogStorage the core reads and the
// writer the Driver uses to persist each Ready.
//
// Directory layout:
//
//   <dir>/founding    the founding ConfState (a group's initial voters; empty for a node that
//                     joins later), written atomically by Create before anything else of the
//                     store. Its presence is what makes <dir> a bootstrapped store.
//   <dir>/hardstate   term, vote, commit in a two-slot MetaFile (storage/file/meta_file.h)
//   <dir>/snapshot    the latest snapshot: checksummed header with its metadata and
//                     ConfState, then the data (snapshot_file.h), replaced atomically
//   <dir>/log/        the entries in a SegmentedLog: record index = entry index, tag = term,
//                     kind = EntryType, payload = data
//
// History mode (RaftLogStoreOptions::keep_snapshot_history; for groups whose log is the data
// and is compacted by retention, with DriverOptions::snapshot_at_segment_starts): the store keeps a
// history of snapshots instead of the latest one, so that log compaction can go to a segment
// boundary that has a snapshot, and a follower that needs InstallSnapshot gets the state exactly at
// the leader's first index - 1 and then every entry the leader still holds. Its files:
//
//   <dir>/snapshots/<index, 20 digits>   one kept snapshot each, in the snapshot file format
//                                        (snapshot_file.h), written atomically; no <dir>/snapshot
//   <dir>/logcut                         while the log is being cut (below): what and where
//                                        (durable_format.h), written atomically
//
//   - CreateSnapshot adds one (the newest); it never compacts.
//   - ApplySnapshot (installed from a leader) writes the new file, then the log cut file
//     (install at its index), resets the log, deletes every older kept snapshot and removes the
//     log cut file: only the installed one stays.
//   - CompactTo(B) needs a kept snapshot at B and a segment ending at B; it writes the log cut
//     file (compaction to B), drops the segments <= B, deletes the kept snapshots < B and
//     removes the log cut file.
//   Neither cut is atomic on disk (segments go one by one), so the log cut file records the
//   intent, and Open finishes a cut it finds (with a warning). Without one, the invariant holds
//   at every step: the log starts at 1 or right after a kept snapshot.
//   - LogStorage::Snapshot() and InitialState()'s configuration are those of the OLDEST kept
//     snapshot, which is FirstIndex() - 1 once anything was compacted (a follower sent it gets
//     every later entry from the log); newest_snapshot() is the NEWEST one, which a restart
//     restores the state machine from (the Driver then gives the core its index as the applied
//     index, and re-applies only the entries after it).
//   - FirstIndex() is the log's first index: the entry before it is covered by the oldest kept
//     snapshot (or is index 0: nothing was ever dropped).
// Open in history mode finishes an interrupted cut, removes any kept snapshot below the log's
// first index - 1, and refuses with DataLoss, naming the missing file, a log whose entries
// below its first index were dropped while no kept snapshot is at first index - 1 (a lost
// snapshot file: resetting the log to a later snapshot would drop entries still needed). A store is
// written in one mode for its life: Open in history mode refuses a <dir>/snapshot file, and Open in
// the default mode refuses a <dir>/snapshots directory that holds snapshots (FailedPrecondition,
// both).
//
// Bootstrap. The founding configuration lives in the log (raft/bootstrap.h): entries 1..n,
// one configuration change per member at term 1, all committed, so that a node added later
// learns it from the log like any later change. Create writes the founding file, then Open
// writes that founding log and its hard state (term 1, commit n), synced. An Open that finds
// the founding file of a founding member but no stored hard state finishes an interrupted
// bootstrap (the log may only hold a prefix of the founding log; anything else is DataLoss:
// the hard state file was lost). InitialState()'s configuration is the snapshot's (empty
// before the first snapshot), as the core expects.
//
// Writes. Append buffers entries in the SegmentedLog (after truncating a conflicting suffix,
// which is durable at once); SetHardState only records the new hard state. Sync() then issues
// one fdatasync for every entry appended since (group commit) and, after it, writes the hard
// state if its term or vote changed, or its commit moved by commit_lag_entries_max or more
// (the commit index may lag on disk: Raft recovers it from the leader, and a lagging commit
// is never wrong, whereas a commit past the durable log would be). ApplySnapshot,
// CreateSnapshot, Compact and the truncation in Append are durable when they return.
//
// Invariants kept on disk, and checked by Open:
//   - the snapshot file is written before the log is reset for it, so the log either starts
//     right after the snapshot or still holds the snapshot's entry with its term; a log that
//     does not fit the snapshot is what an interrupted install (ApplySnapshot) leaves, and
//     Open finishes it (resets the log to snapshot index + 1, with a warning);
//   - the hard state is written only after the entries it commits are synced, so its commit
//     never passes the last durable entry: if it does, the log lost synced entries (the torn
//     tail corner case of segmented_log.h, or damage) and Open fails with DataLoss naming the
//     directory, the commit and the last index -- never silently. A commit below the
//     snapshot index is raised to it (a snapshot holds only committed entries);
//   - a hard state term below the last entry's term (a crash between the entry sync and the
//     hard state write) is raised to that term with no vote: the node never sent anything
//     that depended on the lost write.
// Open also reads every record once (checking its crc) to build the term index.
//
// Reads. Entries() reads the SegmentedLog (buffered, unsynced entries included). Term() is
// answered from memory: a term index of the term-change points (one per term that has entries
// in the log), so it stays small however long the log. FirstIndex() is snapshot index + 1,
// unless the log keeps entries below the snapshot, in which case the first stored entry serves
// as the "entry before the first" (only its term is used) and FirstIndex() is one past it.
//
// Crash model: destroying the store without Close() is a crash; what was not synced is lost.
// With SimFilesystem, destroy it after SimFilesystem::Crash and Open again.
//
// Threading: single-threaded, like the node that owns it, with one exception: SyncLogOnly()
// (the fdatasync of the log alone, no hard state) may run on a disk thread concurrently with
// every other call of the owner thread except Close() (and the destructor), which must not
// start before it returned. It reads only the SegmentedLog (thread-safe for this, see
// segmented_log.h "Threading") and counts in an atomic. The owner then writes the hard state
// with WriteHardStateIfDue() (Sync() is the two in one, on the owner thread).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft/durable/durable_format.h"
#include "raft/durable/entry_cache.h"
#include "raft/durable/term_index.h"
#include "raft/log_storage.h"
#include "raft/types.h"
#include "storage/file/meta_file.h"
#include "storage/fs/filesystem.h"
#include "storage/log/log_options.h"
#include "storage/log/segmented_log.h"

namespace mq::raft {

struct RaftLogStoreOptions {
  storage::SegmentedLogOptions segments;
  // The largest snapshot data believed when reading the snapshot file (checked before
  // allocating).
  uint64_t snapshot_bytes_max = uint64_t{4} << 30;
  // Sync() writes a hard state whose only change is its commit index once the commit moved
  // this many entries past the stored one; 0 writes every change. Close() writes it anyway.
  uint64_t commit_lag_entries_max = 1024;
  // Payload bytes read per SegmentedLog::Read while Open scans the log for the term index.
  uint64_t open_scan_bytes_max = uint64_t{4} << 20;
  // The newest appended entries are kept in memory (entry_cache.h) up to this many bytes, so
  // applying and replicating what was just written does not read it back; 0: no cache.
  uint64_t entry_cache_bytes_max = uint64_t{8} << 20;
  // History mode (see the file comment): snapshots are kept in <dir>/snapshots/ until
  // CompactTo drops the log before them. Compact() is refused in this mode.
  bool keep_snapshot_history = false;
};

// Counters for tests and metrics.
struct RaftLogStoreStats {
  uint64_t syncs = 0;              // Sync()/SyncLogOnly() calls that fdatasynced the log
  uint64_t hard_state_writes = 0;  // MetaFile writes
  uint64_t truncations = 0;        // conflicting suffixes removed by Append
  uint64_t snapshots_written = 0;  // by ApplySnapshot and CreateSnapshot
  uint64_t segments_dropped = 0;   // by Compact and CompactTo
  uint64_t snapshots_deleted = 0;  // history mode: kept snapshots removed
};

class RaftLogStore final : public LogStorage {
 public:
  static constexpr char kFoundingFile[] = "founding";
  static constexpr char kHardStateFile[] = "hardstate";
  static constexpr char kSnapshotFile[] = "snapshot";
  static constexpr char kLogDir[] = "log";
  static constexpr char kSnapshotsDir[] = "snapshots";  // history mode
  static constexpr char kLogCutFile[] = "logcut";       // history mode

  // Creates a new store in `dir` (created if missing, its parent must exist) for a founding
  // member of a group whose initial members are `founding` (its log starts with the founding
  // log, see the file comment), or with an empty `founding` for a node that will be added to
  // an existing group (empty log). AlreadyExists if `dir` is already bootstrapped;
  // FailedPrecondition if it holds Raft files but no founding file (not a crashed Create:
  // something else). InvalidArgument for a malformed ConfState, or learners without voters.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RaftLogStore>> Create(
      storage::Filesystem& fs, std::string dir, const ConfState& founding,
      RaftLogStoreOptions options = {});

  // Opens the store in `dir` and checks it (see the file comment). NotFound if `dir` was never
  // bootstrapped; DataLoss for inconsistent or damaged contents, naming the file.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RaftLogStore>> Open(
      storage::Filesystem& fs, std::string dir, RaftLogStoreOptions options = {});

  // True when `dir` holds a bootstrapped store (its founding file exists).
  [[nodiscard]] static absl::StatusOr<bool> Exists(storage::Filesystem& fs, const std::string& dir);

  RaftLogStore(const RaftLogStore&) = delete;
  RaftLogStore& operator=(const RaftLogStore&) = delete;
  // No flush, no sync: a crash.
  ~RaftLogStore() override;

  // ---- LogStorage ----
  absl::StatusOr<StorageState> InitialState() const override;
  absl::StatusOr<std::vector<Entry>> Entries(uint64_t lo, uint64_t hi,
                                             uint64_t bytes_max) const override;
  absl::StatusOr<uint64_t> Term(uint64_t index) const override;
  absl::StatusOr<uint64_t> FirstIndex() const override;
  absl::StatusOr<uint64_t> LastIndex() const override;
  absl::StatusOr<raft::Snapshot> Snapshot() const override;

  // ---- Writes ----
  // Appends `entries` (consecutive indexes), first truncating the stored suffix from
  // entries[0].index when it is <= LastIndex() (durable at once). Entries below FirstIndex()
  // are skipped. InvalidArgument when they are not consecutive, would leave a gap after
  // LastIndex(), or have a type outside EntryType. Buffered: durable after Sync().
  [[nodiscard]] absl::Status Append(const std::vector<Entry>& entries);

  // Records `state` as the newest hard state; Sync() writes it (see the file comment).
  void SetHardState(const HardState& state);

  // Installs a snapshot received from the leader: writes the snapshot file, then resets the
  // log to start at its index + 1 (history mode: then deletes the older kept snapshots).
  // Durable when it returns. FailedPrecondition unless it is newer than the stored (newest)
  // snapshot; InvalidArgument for a malformed ConfState.
  [[nodiscard]] absl::Status ApplySnapshot(const raft::Snapshot& snapshot);

  // Records this node's own snapshot as of `index` (applied, so in the log and durable), whose
  // term is read from the log; keeps the log (see Compact). Durable when it returns. History
  // mode: adds a kept snapshot (the newest). FailedPrecondition when not newer than the stored
  // (newest) snapshot; OutOfRange past the durable index or below FirstIndex() - 1.
  [[nodiscard]] absl::Status CreateSnapshot(uint64_t index, const ConfState& conf_state,
                                            Payload data);

  // Drops whole segments holding only entries <= up_to_index, which must not pass the snapshot
  // index (FailedPrecondition). Returns how many segments went. Durable when it returns.
  // FailedPrecondition in history mode (use CompactTo).
  [[nodiscard]] absl::StatusOr<size_t> Compact(uint64_t up_to_index);

  // History mode: drops the segments holding entries <= index, then deletes the kept
  // snapshots below `index` (in that order, see the file comment); returns how many segments
  // went (at least one). Durable when it returns. FailedPrecondition (nothing changed) unless
  // in history mode, a kept snapshot is at `index` and a sealed segment ends exactly at
  // `index` (CheckCompactTo).
  [[nodiscard]] absl::StatusOr<size_t> CompactTo(uint64_t index);
  // The preconditions of CompactTo alone: OK when CompactTo(index) would proceed.
  [[nodiscard]] absl::Status CheckCompactTo(uint64_t index) const;

  // One fdatasync for every entry appended since the last Sync, then the hard state if due
  // (see the file comment). Failed fdatasyncs abort; a failed write is returned.
  [[nodiscard]] absl::Status Sync();

  // The first half of Sync(): one fdatasync for every entry appended before the call (none
  // when everything is durable already), nothing else. The one call that may run on another
  // thread (see the file comment). Returns the durable index; a failed write is returned,
  // failed fdatasyncs abort.
  [[nodiscard]] absl::StatusOr<uint64_t> SyncLogOnly();

  // The second half of Sync(), on the owner thread: writes the newest hard state if it is due
  // (its term or vote changed, or its commit moved by commit_lag_entries_max; the commit
  // written never passes durable_index()). After it returns OK, the stored term and vote are
  // those of hard_state().
  [[nodiscard]] absl::Status WriteHardStateIfDue();

  // Syncs, writes the newest hard state whatever changed, and closes. Later calls fail.
  [[nodiscard]] absl::Status Close();

  // ---- Inspection ----
  const std::string& dir() const { return dir_; }
  // The founding configuration given to Create (empty for a node that joined later).
  const ConfState& founding() const { return founding_; }
  // The newest hard state given to SetHardState (or loaded by Open).
  const HardState& hard_state() const { return hard_state_; }
  // The hard state last written to disk.
  const HardState& stored_hard_state() const { return stored_hard_state_; }
  // Every entry up to here is durable.
  uint64_t durable_index() const { return log_->durable_index(); }
  uint64_t first_index() const { return first_index_; }
  uint64_t last_index() const { return log_->last_index(); }
  // The stored snapshot (history mode: the newest kept one; index 0 when there is none).
  uint64_t snapshot_index() const { return snapshot_.metadata.index; }
  const SnapshotMetadata& snapshot_metadata() const { return snapshot_.metadata; }
  // What a restart restores the state machine from: the stored snapshot, in history mode the
  // newest kept one (LogStorage::Snapshot() there returns the oldest).
  const raft::Snapshot& newest_snapshot() const { return snapshot_; }
  bool keeps_snapshot_history() const { return options_.keep_snapshot_history; }
  // History mode: the indexes of the kept snapshots, ascending (empty in the default mode).
  std::vector<uint64_t> SnapshotIndexes() const;
  // Segment files of the log, the active one included.
  size_t segment_count() const { return log_->segment_count(); }
  // The log's segments, oldest first, the active one last (SegmentedLog::Segments()).
  std::vector<storage::SegmentInfo> Segments() const { return log_->Segments(); }
  // Whether `index` is the first index of one of the log's segments (from a cache refreshed
  // when the segments change; no I/O).
  bool IsSegmentStart(uint64_t index) const;
  // The first index of the oldest segment that starts after `index` (0 when none).
  uint64_t NextSegmentStartAfter(uint64_t index) const;
  // A copy: syncs is counted apart, in an atomic (SyncLogOnly may run on a disk thread).
  RaftLogStoreStats stats() const;

 private:
  RaftLogStore(storage::Filesystem& fs, std::string dir, RaftLogStoreOptions options);

  absl::Status Load();
  absl::Status AppendFrom(const std::vector<Entry>& entries, bool& truncated);
  absl::Status WriteFoundingLog();
  absl::Status Reconcile();
  absl::Status BuildTermIndex();
  absl::Status WriteHardState();
  absl::Status CheckOpen() const;
  void UpdateFirstIndex();
  std::string PathOf(const char* name) const;
  // History mode.
  std::string KeptSnapshotPath(uint64_t index) const;
  absl::Status LoadHistory();
  absl::Status RepairHistory();
  absl::Status MissingKeptSnapshotError() const;
  absl::Status WriteKeptSnapshot(const raft::Snapshot& snapshot);
  absl::Status DeleteKeptSnapshotsBelow(uint64_t index);
  absl::Status WriteLogCut(LogCutKind kind, uint64_t index);
  absl::Status RemoveLogCut();
  absl::Status FinishLogCut();
  void RefreshSegmentStarts();

  storage::Filesystem& fs_;
  const std::string dir_;
  const RaftLogStoreOptions options_;
  std::unique_ptr<storage::SegmentedLog> log_;
  std::unique_ptr<storage::MetaFile> meta_;
  ConfState founding_;
  // The stored snapshot; history mode: the newest kept one.
  raft::Snapshot snapshot_;
  // History mode: the metadata of every kept snapshot, by index.
  std::map<uint64_t, SnapshotMetadata> kept_;
  // The first index of every segment, ascending (see RefreshSegmentStarts).
  std::vector<uint64_t> segment_starts_;
  HardState hard_state_;
  HardState stored_hard_state_;
  TermIndex terms_;
  uint64_t first_index_ = 1;
  bool closed_ = false;
  RaftLogStoreStats stats_;  // but syncs: see log_syncs_
  std::atomic<uint64_t> log_syncs_{0};
  // Mirrors the newest entries of log_ (every change of the log is mirrored here).
  EntryCache cache_;
};

}  // namespace mq::raft
