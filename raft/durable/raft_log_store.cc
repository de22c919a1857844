#include "raft/durable/raft_log_store.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/str_format.h"
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

}  // namespace

RaftLogStore::RaftLogStore(storage::Filesystem& fs, std::string dir, RaftLogStoreOptions options)
    : fs_(fs), dir_(std::move(dir)), options_(std::move(options)) {}

RaftLogStore::~RaftLogStore() = default;

std::string RaftLogStore::PathOf(const char* name) const { return storage::JoinPath(dir_, name); }

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
  for (const char* name : {kHardStateFile, kSnapshotFile}) {
    MQ_ASSIGN_OR_RETURN(const bool present, fs.Exists(storage::JoinPath(dir, name)));
    if (present) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s holds a Raft %s file but no founding file; refusing to bootstrap over it", dir,
          name));
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
  MQ_RETURN_IF_ERROR(Reconcile());
  MQ_RETURN_IF_ERROR(BuildTermIndex());
  UpdateFirstIndex();
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
  return snapshot_;
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
  MQ_RETURN_IF_ERROR(CheckOpen());
  if (log_->durable_index() < log_->last_index()) {
    MQ_RETURN_IF_ERROR(log_->Sync().status());
    ++stats_.syncs;
  }
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
  // which Open recognises and finishes (Reconcile).
  MQ_RETURN_IF_ERROR(WriteSnapshotFile(fs_, PathOf(kSnapshotFile), snapshot));
  snapshot_ = snapshot;
  ++stats_.snapshots_written;
  MQ_RETURN_IF_ERROR(log_->Reset(index + 1));
  terms_.Reset(index + 1);
  UpdateFirstIndex();
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
  MQ_RETURN_IF_ERROR(WriteSnapshotFile(fs_, PathOf(kSnapshotFile), snapshot));
  snapshot_ = std::move(snapshot);
  ++stats_.snapshots_written;
  UpdateFirstIndex();
  return absl::OkStatus();
}

absl::StatusOr<size_t> RaftLogStore::Compact(uint64_t up_to_index) {
  MQ_RETURN_IF_ERROR(CheckOpen());
  if (up_to_index > snapshot_.metadata.index) {
    return absl::FailedPreconditionError(
        absl::StrFormat("raft log %s: compaction to %d past the snapshot index %d", dir_,
                        up_to_index, snapshot_.metadata.index));
  }
  MQ_ASSIGN_OR_RETURN(const size_t dropped, log_->DropPrefix(up_to_index));
  if (dropped > 0) {
    terms_.DropBefore(log_->first_index());
    UpdateFirstIndex();
    stats_.segments_dropped += dropped;
  }
  return dropped;
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
