#include "raft/durable/raft_log_store.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <span>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "raft/bootstrap.h"
#include "raft/conf_change.h"
#include "raft/durable/durable_format.h"
#include "raft/durable/snapshot_file.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"
#include "storage/file/atomic_file.h"

namespace mq::raft {
namespace {

// The entry a log record holds. DataLoss for a kind that is no EntryType.
absl::StatusOr<Entry> ToEntry(const storage::Record& record, const std::string& dir) {
  if (record.kind > kEntryTypeMax) {
    return absl::DataLossError(absl::StrFormat("raft log %s: entry %d has unknown type %d", dir,
                                               record.index, record.kind));
  }
  Entry entry;
  entry.index = record.index;
  entry.term = record.tag;
  entry.type = static_cast<EntryType>(record.kind);
  entry.data = Payload(record.payload);
  return entry;
}

// Kept snapshot files (history mode) are named by their index, zero-padded so that names sort
// like indexes.
constexpr size_t kKeptSnapshotNameDigits = 20;

std::string KeptSnapshotName(uint64_t index) { return absl::StrFormat("%020d", index); }

// The index a kept snapshot file name stands for; nullopt for any other name.
std::optional<uint64_t> ParseKeptSnapshotName(std::string_view name) {
  if (name.size() != kKeptSnapshotNameDigits) return std::nullopt;
  uint64_t index = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (index > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    index = index * 10 + digit;
  }
  return index;
}

}  // namespace

RaftLogStore::RaftLogStore(storage::Filesystem& fs, std::string dir, RaftLogStoreOptions options)
    : fs_(fs),
      dir_(std::move(dir)),
      options_(std::move(options)),
      cache_(options_.entry_cache_bytes_max) {}

RaftLogStore::~RaftLogStore() = default;

std::string RaftLogStore::PathOf(const char* name) const { return storage::JoinPath(dir_, name); }

std::string RaftLogStore::KeptSnapshotPath(uint64_t index) const {
  return storage::JoinPath(PathOf(kSnapshotsDir), KeptSnapshotName(index));
}

absl::StatusOr<bool> RaftLogStore::Exists(storage::Filesystem& fs, const std::string& dir) {
  return fs.Exists(storage::JoinPath(dir, kFoundingFile));
}

absl::StatusOr<std::unique_ptr<RaftLogStore>> RaftLogStore::Create(storage::Filesystem& fs,
                                                                   std::string dir,
                                                                   const ConfState& founding,
                                                                   RaftLogStoreOptions options) {
  MQ_RETURN_IF_ERROR(options.segments.Validate());
  if (absl::Status s = ValidateConfState(founding); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("founding configuration for %s: %s", dir, s.message()));
  }
  if (founding.voters.empty() && !founding.learners.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("founding configuration for %s has learners but no voters", dir));
  }
  MQ_RETURN_IF_ERROR(fs.CreateDirs(dir));
  MQ_RETURN_IF_ERROR(fs.SyncDir(storage::DirName(dir)));
  MQ_ASSIGN_OR_RETURN(const bool exists, Exists(fs, dir));
  if (exists) {
    return absl::AlreadyExistsError(absl::StrFormat("%s already holds a Raft log", dir));
  }
  // Without a founding file, the directory may hold what a crashed Create left (the log
  // directory, empty, and a stale temporary file), but nothing else: anything more is not ours
  // to overwrite.
  for (const char* name : {kHardStateFile, kSnapshotFile, kLogCutFile}) {
    MQ_ASSIGN_OR_RETURN(const bool present, fs.Exists(storage::JoinPath(dir, name)));
    if (present) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s holds a Raft %s file but no founding file; refusing to bootstrap over it", dir,
          name));
    }
  }
  const std::string snapshots_dir = storage::JoinPath(dir, kSnapshotsDir);
  MQ_ASSIGN_OR_RETURN(const bool have_snapshots_dir, fs.Exists(snapshots_dir));
  if (have_snapshots_dir) {
    MQ_ASSIGN_OR_RETURN(const std::vector<std::string> snapshot_files, fs.ListDir(snapshots_dir));
    if (!snapshot_files.empty()) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s holds kept snapshots but no founding file; refusing to bootstrap over them", dir));
    }
  }
  const std::string log_dir = storage::JoinPath(dir, kLogDir);
  MQ_RETURN_IF_ERROR(fs.CreateDirs(log_dir));
  MQ_ASSIGN_OR_RETURN(const std::vector<std::string> log_files, fs.ListDir(log_dir));
  if (!log_files.empty()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s holds log files but no founding file; refusing to bootstrap over them", dir));
  }
  MQ_RETURN_IF_ERROR(fs.SyncDir(dir));
  // The founding file makes the directory a bootstrapped store; Open then writes the founding
  // log (and would finish it after a crash here).
  MQ_RETURN_IF_ERROR(storage::WriteFileAtomically(fs, storage::JoinPath(dir, kFoundingFile),
                                                  EncodeFoundingFile(founding)));
  return Open(fs, std::move(dir), std::move(options));
}

absl::StatusOr<std::unique_ptr<RaftLogStore>> RaftLogStore::Open(storage::Filesystem& fs,
                                                                 std::string dir,
                                                                 RaftLogStoreOptions options) {
  MQ_RETURN_IF_ERROR(options.segments.Validate());
  std::unique_ptr<RaftLogStore> store(new RaftLogStore(fs, std::move(dir), std::move(options)));
  MQ_RETURN_IF_ERROR(store->Load());
  return store;
}

absl::Status RaftLogStore::Load() {
  const std::string founding_path = PathOf(kFoundingFile);
  absl::StatusOr<std::string> founding_bytes =
      storage::ReadWholeFile(fs_, founding_path, kFoundingFileBytesMax);
  if (absl::IsNotFound(founding_bytes.status())) {
    return absl::NotFoundError(
        absl::StrFormat("no Raft log in %s: it was never bootstrapped", dir_));
  }
  if (absl::IsFailedPrecondition(founding_bytes.status())) {  // larger than any valid one
    return absl::DataLossError(founding_bytes.status().message());
  }
  if (!founding_bytes.ok()) return founding_bytes.status();
  MQ_ASSIGN_OR_RETURN(founding_, DecodeFoundingFile(*founding_bytes, founding_path));
  MQ_RETURN_IF_ERROR(storage::RemoveStaleTempFile(fs_, founding_path));

  const std::string snapshot_path = PathOf(kSnapshotFile);
  MQ_RETURN_IF_ERROR(storage::RemoveStaleTempFile(fs_, snapshot_path));
  MQ_ASSIGN_OR_RETURN(const bool have_snapshot, fs_.Exists(snapshot_path));
  // A store keeps one snapshot layout for its life: reading the other one would lose the
  // snapshot the log was compacted for.
  if (options_.keep_snapshot_history) {
    if (have_snapshot) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "raft log %s holds %s, written without keep_snapshot_history; it cannot be opened "
          "with a snapshot history",
          dir_, snapshot_path));
    }
    MQ_RETURN_IF_ERROR(LoadHistory());
  } else {
    const std::string snapshots_dir = PathOf(kSnapshotsDir);
    MQ_ASSIGN_OR_RETURN(const bool have_history, fs_.Exists(snapshots_dir));
    std::vector<std::string> kept_files;
    if (have_history) {
      MQ_ASSIGN_OR_RETURN(kept_files, fs_.ListDir(snapshots_dir));
    }
    if (!kept_files.empty()) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "raft log %s holds kept snapshots in %s, written with keep_snapshot_history; open it "
          "in that mode",
          dir_, snapshots_dir));
    }
  }
  if (have_snapshot) {
    MQ_ASSIGN_OR_RETURN(snapshot_,
                        ReadSnapshotFile(fs_, snapshot_path, options_.snapshot_bytes_max));
    if (snapshot_.metadata.index == 0) {
      return absl::DataLossError(absl::StrFormat("%s: snapshot at index 0", snapshot_path));
    }
  }

  MQ_ASSIGN_OR_RETURN(meta_, storage::MetaFile::Open(fs_, PathOf(kHardStateFile)));
  absl::StatusOr<std::string> meta_bytes = meta_->Read();
  if (meta_bytes.ok()) {
    MQ_ASSIGN_OR_RETURN(stored_hard_state_, DecodeHardState(*meta_bytes, meta_->path()));
  } else if (!absl::IsNotFound(meta_bytes.status())) {
    return meta_bytes.status();
  }
  hard_state_ = stored_hard_state_;

  MQ_ASSIGN_OR_RETURN(log_, storage::SegmentedLog::Open(fs_, PathOf(kLogDir), options_.segments));
  if (options_.keep_snapshot_history) MQ_RETURN_IF_ERROR(FinishLogCut());
  if (options_.keep_snapshot_history && log_->first_index() > snapshot_.metadata.index + 1) {
    // Not an interrupted install (its file would be there): the snapshot covering the entries
    // the log dropped is gone. Resetting the log to an older snapshot would lose entries.
    return MissingKeptSnapshotError();
  }
  MQ_RETURN_IF_ERROR(Reconcile());
  if (options_.keep_snapshot_history) MQ_RETURN_IF_ERROR(RepairHistory());
  MQ_RETURN_IF_ERROR(BuildTermIndex());
  UpdateFirstIndex();
  RefreshSegmentStarts();
  MQ_RETURN_IF_ERROR(WriteFoundingLog());

  const uint64_t snapshot_index = snapshot_.metadata.index;
  const uint64_t last = log_->last_index();
  if (stored_hard_state_.commit > last) {
    return absl::DataLossError(absl::StrFormat(
        "raft log %s: the stored commit index %d is past the last durable entry %d: the log "
        "lost entries that were synced (a damaged or torn log); repair this replica from its "
        "peers",
        dir_, stored_hard_state_.commit, last));
  }
  // A snapshot holds only committed entries.
  hard_state_.commit = std::max(hard_state_.commit, snapshot_index);
  // The hard state is written after the entries it covers are synced; a crash between the
  // two leaves entries of a term the hard state never reached. Nothing that depended on the
  // lost write was sent, so the node resumes in that term without a vote.
  const uint64_t last_term = terms_.Lookup(last).value_or(snapshot_.metadata.term);
  if (hard_state_.term < last_term) {
    LogWarning(absl::StrFormat(
        "raft log %s: hard state term %d is behind the last entry's term %d (a crash before "
        "the hard state write); resuming in term %d with no vote",
        dir_, hard_state_.term, last_term, last_term));
    hard_state_.term = last_term;
    hard_state_.vote = kNoNode;
  }
  return absl::OkStatus();
}

absl::Status RaftLogStore::WriteFoundingLog() {
  // A founding member's store gets the founding log before Create returns, and its hard state
  // (term 1) is written after that log is synced; it never goes back to empty. So an empty
  // stored hard state here means the founding log is missing or partial: a first Open, or a
  // crash during it.
  if (founding_.voters.empty() || snapshot_.metadata.index != 0 || !stored_hard_state_.empty()) {
    return absl::OkStatus();
  }
  absl::StatusOr<BootstrapLog> founding_log = MakeBootstrapLog(founding_);
  if (!founding_log.ok()) {
    return absl::DataLossError(absl::StrFormat(
        "%s: founding configuration: %s", PathOf(kFoundingFile), founding_log.status().message()));
  }
  const std::vector<Entry>& want = founding_log->entries;
  const uint64_t last = log_->last_index();
  if (last > 0) {
    // Only a prefix of the founding log may be there; anything else means the hard state
    // was lost, and rewriting the log would destroy data.
    absl::StatusOr<std::vector<Entry>> have =
        first_index_ == 1 && last <= want.size()
            ? Entries(1, last + 1, std::numeric_limits<uint64_t>::max())
            : absl::StatusOr<std::vector<Entry>>(std::vector<Entry>());
    if (!have.ok()) return have.status();
    bool prefix = have->size() == last;
    for (size_t i = 0; prefix && i < have->size(); ++i) {
      const Entry& a = (*have)[i];
      const Entry& b = want[i];
      prefix = a.index == b.index && a.term == b.term && a.type == b.type && a.data == b.data;
    }
    if (!prefix) {
      return absl::DataLossError(absl::StrFormat(
          "raft log %s: no hard state stored, but the log [%d, %d] is not the founding log: "
          "the hard state file was lost",
          dir_, log_->first_index(), last));
    }
  }
  MQ_RETURN_IF_ERROR(Append(want));
  SetHardState(founding_log->hard_state);
  return Sync();
}

absl::Status RaftLogStore::Reconcile() {
  const uint64_t snapshot_index = snapshot_.metadata.index;
  const uint64_t first = log_->first_index();
  const uint64_t last = log_->last_index();
  bool fits = first <= snapshot_index + 1 && last >= snapshot_index;
  if (fits && first <= snapshot_index) {
    MQ_ASSIGN_OR_RETURN(std::vector<storage::Record> records, log_->Read(snapshot_index, 0, 1));
    fits = !records.empty() && records.front().tag == snapshot_.metadata.term;
  }
  if (fits) return absl::OkStatus();
  if (snapshot_index == 0) {
    // No snapshot was ever installed, so no install was interrupted: entries are missing.
    return absl::DataLossError(absl::StrFormat(
        "raft log %s starts at index %d with no snapshot before it: entries are missing",
        log_->dir(), first));
  }
  LogWarning(absl::StrFormat(
      "raft log %s: the log [%d, %d] does not continue the snapshot at %d (term %d): finishing "
      "an interrupted snapshot install by resetting the log to start at %d",
      log_->dir(), first, last, snapshot_index, snapshot_.metadata.term, snapshot_index + 1));
  return log_->Reset(snapshot_index + 1);
}

absl::Status RaftLogStore::BuildTermIndex() {
  const uint64_t first = log_->first_index();
  const uint64_t last = log_->last_index();
  terms_.Reset(first);
  uint64_t prev_term = 0;
  for (uint64_t next = first; next <= last;) {
    MQ_ASSIGN_OR_RETURN(
        std::vector<storage::Record> records,
        log_->Read(next, options_.open_scan_bytes_max, std::numeric_limits<uint64_t>::max()));
    if (records.empty()) {
      return absl::DataLossError(
          absl::StrFormat("raft log %s: no record at index %d", log_->dir(), next));
    }
    for (const storage::Record& r : records) {
      if (r.kind > kEntryTypeMax) {
        return absl::DataLossError(absl::StrFormat("raft log %s: entry %d has unknown type %d",
                                                   log_->dir(), r.index, r.kind));
      }
      if (r.tag == 0 || r.tag < prev_term) {
        return absl::DataLossError(
            absl::StrFormat("raft log %s: entry %d has term %d after term %d", log_->dir(), r.index,
                            r.tag, prev_term));
      }
      prev_term = r.tag;
      terms_.Append(r.index, r.tag);
    }
    next = records.back().index + 1;
  }
  return absl::OkStatus();
}

void RaftLogStore::UpdateFirstIndex() {
  if (options_.keep_snapshot_history) {
    // The entry before the log's first is index 0 or covered by the oldest kept snapshot (an
    // invariant of history mode, checked by Open): its term is known either way.
    first_index_ = log_->first_index();
    return;
  }
  // When the log keeps entries the snapshot covers, its first entry stands in as the entry
  // before the first one (its term is known; the term of the entry before it is not after a
  // restart), so the core sees the log from the one after it.
  const uint64_t first = log_->first_index();
  first_index_ = first <= snapshot_.metadata.index ? first + 1 : first;
}

absl::Status RaftLogStore::CheckOpen() const {
  if (closed_) {
    return absl::FailedPreconditionError(absl::StrFormat("raft log store %s is closed", dir_));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// LogStorage

absl::StatusOr<StorageState> RaftLogStore::InitialState() const {
  MQ_RETURN_IF_ERROR(CheckOpen());
  if (options_.keep_snapshot_history && !kept_.empty()) {
    // The configuration as of the snapshot Snapshot() returns, the oldest kept one.
    return StorageState{hard_state_, kept_.begin()->second.conf_state};
  }
  return StorageState{hard_state_, snapshot_.metadata.conf_state};
}

absl::StatusOr<std::vector<Entry>> RaftLogStore::Entries(uint64_t lo, uint64_t hi,
                                                         uint64_t bytes_max) const {
  MQ_RETURN_IF_ERROR(CheckOpen());
  if (lo < first_index_) return CompactedError(lo, first_index_);
  const uint64_t last = log_->last_index();
  if (hi > last + 1 || lo > hi) {
    return absl::InvalidArgumentError(
        absl::StrFormat("raft log %s: entries [%d, %d) outside the log [%d, %d]", dir_, lo, hi,
                        first_index_, last));
  }
  std::vector<Entry> entries;
  if (lo == hi) return entries;
  if (std::optional<std::vector<Entry>> cached = cache_.Get(lo, hi, bytes_max)) {
    return *std::move(cached);
  }
  // The log limits payload bytes; EntryBytes adds an allowance per entry, trimmed below.
  MQ_ASSIGN_OR_RETURN(std::vector<storage::Record> records, log_->Read(lo, bytes_max, hi - lo));
  entries.reserve(records.size());
  uint64_t bytes = 0;
  for (const storage::Record& record : records) {
    MQ_ASSIGN_OR_RETURN(Entry entry, ToEntry(record, log_->dir()));
    const uint64_t entry_bytes = EntryBytes(entry);
    if (!entries.empty() && entry_bytes > bytes_max - std::min(bytes, bytes_max)) break;
    bytes += entry_bytes;
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::StatusOr<uint64_t> RaftLogStore::Term(uint64_t index) const {
  MQ_RETURN_IF_ERROR(CheckOpen());
  if (index + 1 < first_index_) return CompactedError(index, first_index_);
  const uint64_t last = log_->last_index();
  if (index > last) {
    return absl::InvalidArgumentError(
        absl::StrFormat("raft log %s: term of index %d past the last index %d", dir_, index, last));
  }
  if (index == snapshot_.metadata.index) return snapshot_.metadata.term;
  if (options_.keep_snapshot_history) {
    if (index == 0) return uint64_t{0};
    if (auto it = kept_.find(index); it != kept_.end()) return it->second.term;
  }
  std::optional<uint64_t> term = terms_.Lookup(index);
  if (!term.has_value()) {
    return absl::InternalError(
        absl::StrFormat("raft log %s: no term known for index %d (term index [%d, %d])", dir_,
                        index, terms_.first(), terms_.last()));
  }
  return *term;
}

absl::StatusOr<uint64_t> RaftLogStore::FirstIndex() const {
  MQ_RETURN_IF_ERROR(CheckOpen());
  return first_index_;
}

absl::StatusOr<uint64_t> RaftLogStore::LastIndex() const {
  MQ_RETURN_IF_ERROR(CheckOpen());
  return log_->last_index();
}

absl::StatusOr<raft::Snapshot> RaftLogStore::Snapshot() const {
  MQ_RETURN_IF_ERROR(CheckOpen());
  if (!options_.keep_snapshot_history || kept_.empty() ||
      kept_.begin()->first == snapshot_.metadata.index) {
    return snapshot_;
  }
  // The oldest kept snapshot, at FirstIndex() - 1 once anything was compacted: a follower
  // that installs it gets every later entry from the log.
  const uint64_t oldest = kept_.begin()->first;
  MQ_ASSIGN_OR_RETURN(raft::Snapshot snapshot,
                      ReadSnapshotFile(fs_, KeptSnapshotPath(oldest), options_.snapshot_bytes_max));
  if (snapshot.metadata.index != oldest) {
    return absl::DataLossError(absl::StrFormat("%s: holds the snapshot at %d",
                                               KeptSnapshotPath(oldest), snapshot.metadata.index));
  }
  return snapshot;
}

// ---------------------------------------------------------------------------------------------
// Writes

absl::Status RaftLogStore::Append(const std::vector<Entry>& entries) {
  MQ_RETURN_IF_ERROR(CheckOpen());
  if (entries.empty()) return absl::OkStatus();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0 && entries[i].index != entries[i - 1].index + 1) {
      return absl::InvalidArgumentError(absl::StrFormat("raft log %s: append of index %d after %d",
                                                        dir_, entries[i].index,
                                                        entries[i - 1].index));
    }
    if (static_cast<uint8_t>(entries[i].type) > kEntryTypeMax) {
      return absl::InvalidArgumentError(
          absl::StrFormat("raft log %s: append of entry %d with unknown type %d", dir_,
                          entries[i].index, static_cast<int>(entries[i].type)));
    }
  }
  if (entries.back().index < first_index_) return absl::OkStatus();  // all compacted already
  const size_t segments_before = log_->segment_count();
  bool truncated = false;
  absl::Status status = AppendFrom(entries, truncated);
  if (status.ok()) {
    cache_.Append(std::span<const Entry>(entries).subspan(
        entries.front().index < first_index_ ? first_index_ - entries.front().index : 0));
  } else {
    cache_.Clear();  // the log may have lost a suffix the cache still holds
  }
  if (truncated || log_->segment_count() != segments_before) RefreshSegmentStarts();
  return status;
}

absl::Status RaftLogStore::AppendFrom(const std::vector<Entry>& entries, bool& truncated) {
  const size_t skip =
      entries.front().index < first_index_ ? first_index_ - entries.front().index : 0;
  const uint64_t start = entries[skip].index;
  const uint64_t last = log_->last_index();
  if (start > last + 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "raft log %s: append at %d would leave a gap after the last index %d", dir_, start, last));
  }
  if (start <= last) {
    if (start <= snapshot_.metadata.index) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "raft log %s: append at %d would overwrite entries covered by the snapshot at %d", dir_,
          start, snapshot_.metadata.index));
    }
    // A new leader overwrote a conflicting, uncommitted suffix. Durable at once: a later sync
    // must never bring the old entries back under the new ones.
    truncated = true;
    MQ_RETURN_IF_ERROR(log_->TruncateSuffix(start));
    terms_.TruncateFrom(start);
    ++stats_.truncations;
  }
  for (size_t i = skip; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    MQ_RETURN_IF_ERROR(
        log_->Append(e.index, e.term, static_cast<uint16_t>(e.type), 0, e.data.view()));
    terms_.Append(e.index, e.term);
  }
  return absl::OkStatus();
}

void RaftLogStore::SetHardState(const HardState& state) { hard_state_ = state; }

absl::Status RaftLogStore::WriteHardState() {
  HardState state = hard_state_;
  // Never let the stored commit pass the durable log (see the file comment).
  state.commit = std::min(state.commit, log_->durable_index());
  MQ_RETURN_IF_ERROR(meta_->Write(EncodeHardState(state)));
  stored_hard_state_ = state;
  ++stats_.hard_state_writes;
  return absl::OkStatus();
}

absl::Status RaftLogStore::Sync() {
  MQ_RETURN_IF_ERROR(SyncLogOnly().status());
  return WriteHardStateIfDue();
}

absl::StatusOr<uint64_t> RaftLogStore::SyncLogOnly() {
  // Runs on a disk thread: only the SegmentedLog (thread-safe) and the atomic counter; closed_
  // is only written by Close, which never runs concurrently with this.
  MQ_RETURN_IF_ERROR(CheckOpen());
  if (log_->durable_index() >= log_->last_index()) return log_->durable_index();
  MQ_ASSIGN_OR_RETURN(const uint64_t durable, log_->Sync());
  log_syncs_.fetch_add(1, std::memory_order_relaxed);
  return durable;
}

absl::Status RaftLogStore::WriteHardStateIfDue() {
  MQ_RETURN_IF_ERROR(CheckOpen());
  const HardState& stored = stored_hard_state_;
  const uint64_t lag = std::max<uint64_t>(options_.commit_lag_entries_max, 1);
  const bool due = hard_state_.term != stored.term || hard_state_.vote != stored.vote ||
                   hard_state_.commit < stored.commit || hard_state_.commit - stored.commit >= lag;
  if (due) MQ_RETURN_IF_ERROR(WriteHardState());
  return absl::OkStatus();
}

absl::Status RaftLogStore::ApplySnapshot(const raft::Snapshot& snapshot) {
  MQ_RETURN_IF_ERROR(CheckOpen());
  const uint64_t index = snapshot.metadata.index;
  if (index <= snapshot_.metadata.index) {
    return absl::FailedPreconditionError(
        absl::StrFormat("raft log %s: snapshot at %d is not newer than the stored one at %d", dir_,
                        index, snapshot_.metadata.index));
  }
  if (absl::Status s = ValidateConfState(snapshot.metadata.conf_state); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("raft log %s: snapshot configuration: %s", dir_, s.message()));
  }
  // The snapshot first: a crash before the reset leaves a log that does not continue it,
  // which Open recognises and finishes (Reconcile). In history mode the older kept snapshots
  // go last; Open removes what a crash before that left (RepairHistory).
  if (options_.keep_snapshot_history) {
    MQ_RETURN_IF_ERROR(WriteKeptSnapshot(snapshot));
    MQ_RETURN_IF_ERROR(WriteLogCut(LogCutKind::kInstall, index));
  } else {
    MQ_RETURN_IF_ERROR(WriteSnapshotFile(fs_, PathOf(kSnapshotFile), snapshot));
  }
  snapshot_ = snapshot;
  ++stats_.snapshots_written;
  cache_.Clear();
  absl::Status status = log_->Reset(index + 1);
  RefreshSegmentStarts();
  MQ_RETURN_IF_ERROR(status);
  terms_.Reset(index + 1);
  UpdateFirstIndex();
  if (options_.keep_snapshot_history) {
    MQ_RETURN_IF_ERROR(DeleteKeptSnapshotsBelow(index));
    MQ_RETURN_IF_ERROR(RemoveLogCut());
  }
  return absl::OkStatus();
}

absl::Status RaftLogStore::CreateSnapshot(uint64_t index, const ConfState& conf_state,
                                          Payload data) {
  MQ_RETURN_IF_ERROR(CheckOpen());
  if (index <= snapshot_.metadata.index) {
    return absl::FailedPreconditionError(
        absl::StrFormat("raft log %s: snapshot at %d is not newer than the stored one at %d", dir_,
                        index, snapshot_.metadata.index));
  }
  if (index > log_->durable_index()) {
    return absl::OutOfRangeError(
        absl::StrFormat("raft log %s: snapshot at %d past the last durable index %d", dir_, index,
                        log_->durable_index()));
  }
  if (absl::Status s = ValidateConfState(conf_state); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("raft log %s: snapshot configuration: %s", dir_, s.message()));
  }
  MQ_ASSIGN_OR_RETURN(const uint64_t term, Term(index));
  raft::Snapshot snapshot;
  snapshot.metadata.index = index;
  snapshot.metadata.term = term;
  snapshot.metadata.conf_state = conf_state;
  snapshot.data = std::move(data);
  if (options_.keep_snapshot_history) {
    MQ_RETURN_IF_ERROR(WriteKeptSnapshot(snapshot));
  } else {
    MQ_RETURN_IF_ERROR(WriteSnapshotFile(fs_, PathOf(kSnapshotFile), snapshot));
  }
  snapshot_ = std::move(snapshot);
  ++stats_.snapshots_written;
  UpdateFirstIndex();
  return absl::OkStatus();
}

absl::StatusOr<size_t> RaftLogStore::Compact(uint64_t up_to_index) {
  MQ_RETURN_IF_ERROR(CheckOpen());
  if (options_.keep_snapshot_history) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "raft log %s keeps a snapshot history: compact it with CompactTo a segment boundary",
        dir_));
  }
  if (up_to_index > snapshot_.metadata.index) {
    return absl::FailedPreconditionError(
        absl::StrFormat("raft log %s: compaction to %d past the snapshot index %d", dir_,
                        up_to_index, snapshot_.metadata.index));
  }
  MQ_ASSIGN_OR_RETURN(const size_t dropped, log_->DropPrefix(up_to_index));
  if (dropped > 0) {
    terms_.DropBefore(log_->first_index());
    cache_.DropBefore(log_->first_index());
    UpdateFirstIndex();
    RefreshSegmentStarts();
    stats_.segments_dropped += dropped;
  }
  return dropped;
}

// ---------------------------------------------------------------------------------------------
// History mode

absl::Status RaftLogStore::CheckCompactTo(uint64_t index) const {
  MQ_RETURN_IF_ERROR(CheckOpen());
  if (!options_.keep_snapshot_history) {
    return absl::FailedPreconditionError(
        absl::StrFormat("raft log %s: CompactTo needs keep_snapshot_history (use Compact)", dir_));
  }
  if (!kept_.contains(index)) {
    return absl::FailedPreconditionError(
        absl::StrFormat("raft log %s: no kept snapshot at %d to compact to (kept: [%s])", dir_,
                        index, absl::StrJoin(SnapshotIndexes(), ", ")));
  }
  // A sealed segment ends at `index` exactly when a segment other than the first starts
  // right after it.
  const bool boundary =
      index < std::numeric_limits<uint64_t>::max() && !segment_starts_.empty() &&
      index + 1 > segment_starts_.front() &&
      std::binary_search(segment_starts_.begin(), segment_starts_.end(), index + 1);
  if (!boundary) {
    return absl::FailedPreconditionError(
        absl::StrFormat("raft log %s: no sealed segment ends at %d (segments start at [%s])", dir_,
                        index, absl::StrJoin(segment_starts_, ", ")));
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> RaftLogStore::CompactTo(uint64_t index) {
  MQ_RETURN_IF_ERROR(CheckCompactTo(index));
  // The intent first: DropPrefix removes segments one by one, and a crash part way would leave
  // a log starting after a boundary that may have no snapshot; Open finishes the cut instead.
  // Then the segments (durable when DropPrefix returns), then the snapshots they no longer need.
  MQ_RETURN_IF_ERROR(WriteLogCut(LogCutKind::kCompact, index));
  absl::StatusOr<size_t> dropped = log_->DropPrefix(index);
  terms_.DropBefore(log_->first_index());
  cache_.DropBefore(log_->first_index());
  UpdateFirstIndex();
  RefreshSegmentStarts();
  if (!dropped.ok()) return dropped.status();
  stats_.segments_dropped += *dropped;
  MQ_RETURN_IF_ERROR(DeleteKeptSnapshotsBelow(index));
  MQ_RETURN_IF_ERROR(RemoveLogCut());
  return *dropped;
}

std::vector<uint64_t> RaftLogStore::SnapshotIndexes() const {
  std::vector<uint64_t> out;
  out.reserve(kept_.size());
  for (const auto& [index, metadata] : kept_) out.push_back(index);
  return out;
}

bool RaftLogStore::IsSegmentStart(uint64_t index) const {
  return std::binary_search(segment_starts_.begin(), segment_starts_.end(), index);
}

uint64_t RaftLogStore::NextSegmentStartAfter(uint64_t index) const {
  auto it = std::upper_bound(segment_starts_.begin(), segment_starts_.end(), index);
  return it == segment_starts_.end() ? 0 : *it;
}

void RaftLogStore::RefreshSegmentStarts() { segment_starts_ = log_->SegmentFirstIndexes(); }

absl::Status RaftLogStore::LoadHistory() {
  const std::string snapshots_dir = PathOf(kSnapshotsDir);
  MQ_ASSIGN_OR_RETURN(const bool present, fs_.Exists(snapshots_dir));
  if (!present) {
    MQ_RETURN_IF_ERROR(fs_.CreateDirs(snapshots_dir));
    MQ_RETURN_IF_ERROR(fs_.SyncDir(dir_));
  }
  MQ_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_.ListDir(snapshots_dir));
  std::sort(names.begin(), names.end());
  bool removed = false;
  std::vector<uint64_t> indexes;
  for (const std::string& name : names) {
    const std::string path = storage::JoinPath(snapshots_dir, name);
    if (name.size() > storage::kAtomicTempSuffix.size() &&
        name.ends_with(storage::kAtomicTempSuffix) &&
        ParseKeptSnapshotName(
            std::string_view(name).substr(0, name.size() - storage::kAtomicTempSuffix.size()))) {
      // An interrupted WriteFileAtomically: the snapshot it was writing was never kept.
      MQ_RETURN_IF_ERROR(fs_.Remove(path));
      removed = true;
      continue;
    }
    std::optional<uint64_t> index = ParseKeptSnapshotName(name);
    if (!index.has_value()) {
      return absl::DataLossError(
          absl::StrFormat("raft log %s: unexpected file %s among the kept snapshots", dir_, path));
    }
    indexes.push_back(*index);
  }
  if (removed) MQ_RETURN_IF_ERROR(fs_.SyncDir(snapshots_dir));
  // Every file is checked (metadata and crcs); only the newest stays in memory whole.
  for (uint64_t index : indexes) {
    const std::string path = KeptSnapshotPath(index);
    MQ_ASSIGN_OR_RETURN(raft::Snapshot snapshot,
                        ReadSnapshotFile(fs_, path, options_.snapshot_bytes_max));
    if (snapshot.metadata.index != index || index == 0) {
      return absl::DataLossError(
          absl::StrFormat("%s: holds the snapshot at %d", path, snapshot.metadata.index));
    }
    kept_[index] = snapshot.metadata;
    if (index == indexes.back()) snapshot_ = std::move(snapshot);
  }
  return absl::OkStatus();
}

absl::Status RaftLogStore::RepairHistory() {
  // After Reconcile the log continues the newest kept snapshot. Kept snapshots below the log's
  // first index - 1 are what a crash inside CompactTo or ApplySnapshot left: not needed.
  const uint64_t first = log_->first_index();
  if (first > 1 && kept_.begin() != kept_.end() && kept_.begin()->first < first - 1) {
    LogWarning(absl::StrFormat(
        "raft log %s: removing kept snapshots below %d, which the log starts after (an "
        "interrupted compaction or snapshot install)",
        dir_, first - 1));
    MQ_RETURN_IF_ERROR(DeleteKeptSnapshotsBelow(first - 1));
  }
  if (first > 1 && !kept_.contains(first - 1)) return MissingKeptSnapshotError();
  return absl::OkStatus();
}

absl::Status RaftLogStore::MissingKeptSnapshotError() const {
  const uint64_t first = log_->first_index();
  return absl::DataLossError(absl::StrFormat(
      "raft log %s starts at %d but %s, the kept snapshot covering the entries before it, is "
      "missing: entries are lost (kept snapshots: [%s])",
      log_->dir(), first, KeptSnapshotPath(first - 1), absl::StrJoin(SnapshotIndexes(), ", ")));
}

absl::Status RaftLogStore::WriteLogCut(LogCutKind kind, uint64_t index) {
  return storage::WriteFileAtomically(fs_, PathOf(kLogCutFile),
                                      EncodeLogCutFile(LogCut{kind, index}));
}

absl::Status RaftLogStore::RemoveLogCut() {
  MQ_RETURN_IF_ERROR(fs_.Remove(PathOf(kLogCutFile)));
  return fs_.SyncDir(dir_);
}

absl::Status RaftLogStore::FinishLogCut() {
  const std::string path = PathOf(kLogCutFile);
  MQ_RETURN_IF_ERROR(storage::RemoveStaleTempFile(fs_, path));
  absl::StatusOr<std::string> bytes = storage::ReadWholeFile(fs_, path, kLogCutFileBytes);
  if (absl::IsNotFound(bytes.status())) return absl::OkStatus();
  if (absl::IsFailedPrecondition(bytes.status())) {  // larger than any valid one
    return absl::DataLossError(bytes.status().message());
  }
  if (!bytes.ok()) return bytes.status();
  MQ_ASSIGN_OR_RETURN(const LogCut cut, DecodeLogCutFile(*bytes, path));
  // The kept snapshot the cut is for was written before the log cut file, and only a later
  // cut deletes it.
  if (!kept_.contains(cut.index)) {
    return absl::DataLossError(
        absl::StrFormat("%s: a log cut to %d is in progress but its snapshot %s is missing", path,
                        cut.index, KeptSnapshotPath(cut.index)));
  }
  LogWarning(absl::StrFormat("raft log %s: finishing an interrupted %s at %d", dir_,
                             cut.kind == LogCutKind::kCompact ? "compaction" : "snapshot install",
                             cut.index));
  if (cut.kind == LogCutKind::kCompact) {
    MQ_RETURN_IF_ERROR(log_->DropPrefix(cut.index).status());
  } else if (log_->first_index() != cut.index + 1 || log_->last_index() != cut.index) {
    MQ_RETURN_IF_ERROR(log_->Reset(cut.index + 1));
  }
  MQ_RETURN_IF_ERROR(DeleteKeptSnapshotsBelow(cut.index));
  return RemoveLogCut();
}

absl::Status RaftLogStore::WriteKeptSnapshot(const raft::Snapshot& snapshot) {
  MQ_RETURN_IF_ERROR(WriteSnapshotFile(fs_, KeptSnapshotPath(snapshot.metadata.index), snapshot));
  kept_[snapshot.metadata.index] = snapshot.metadata;
  return absl::OkStatus();
}

absl::Status RaftLogStore::DeleteKeptSnapshotsBelow(uint64_t index) {
  // Oldest first: a crash part way leaves a contiguous suffix of the history.
  bool removed = false;
  while (!kept_.empty() && kept_.begin()->first < index) {
    MQ_RETURN_IF_ERROR(fs_.Remove(KeptSnapshotPath(kept_.begin()->first)));
    kept_.erase(kept_.begin());
    ++stats_.snapshots_deleted;
    removed = true;
  }
  if (removed) MQ_RETURN_IF_ERROR(fs_.SyncDir(PathOf(kSnapshotsDir)));
  return absl::OkStatus();
}

RaftLogStoreStats RaftLogStore::stats() const {
  RaftLogStoreStats stats = stats_;
  stats.syncs = log_syncs_.load(std::memory_order_relaxed);
  return stats;
}

absl::Status RaftLogStore::Close() {
  if (closed_) return absl::OkStatus();
  absl::Status status = Sync();
  if (status.ok() && hard_state_ != stored_hard_state_) status = WriteHardState();
  absl::Status closed = log_->Close();
  if (status.ok()) status = closed;
  closed_ = true;
  return status;
}

}  // namespace mq::raft
