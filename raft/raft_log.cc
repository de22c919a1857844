#include "raft/raft_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "storage/base/status_macros.h"

namespace mq::raft {

void CheckStorage(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    ::mq::internal::CheckFailed(__FILE__, __LINE__, what, status.ToString().c_str());
  }
}

absl::StatusOr<RaftLog> RaftLog::Create(const LogStorage* storage,
                                        uint64_t committed_entries_bytes_max) {
  MQ_ASSIGN_OR_RETURN(const uint64_t first, storage->FirstIndex());
  MQ_ASSIGN_OR_RETURN(const uint64_t last, storage->LastIndex());
  if (first == 0 || last + 1 < first) {
    return absl::DataLossError(
        absl::StrFormat("raft storage bounds are inconsistent: first %d, last %d", first, last));
  }
  RaftLog log(storage, last + 1, committed_entries_bytes_max);
  log.committed_ = log.applying_ = log.applied_ = first - 1;
  return log;
}

absl::Status RaftLog::LoadCommitAndApplied(uint64_t commit, uint64_t applied) {
  if (commit > LastIndex()) {
    return absl::DataLossError(absl::StrFormat(
        "stored commit index %d is past the last log index %d", commit, LastIndex()));
  }
  committed_ = std::max(committed_, commit);
  applied_ = applying_ = std::clamp(applied, applied_, committed_);
  return absl::OkStatus();
}

uint64_t RaftLog::FirstIndex() const {
  if (std::optional<uint64_t> i = unstable_.MaybeFirstIndex()) return *i;
  absl::StatusOr<uint64_t> first = storage_->FirstIndex();
  CheckStorage(first.status(), "raft storage FirstIndex");
  return *first;
}

uint64_t RaftLog::LastIndex() const {
  if (std::optional<uint64_t> i = unstable_.MaybeLastIndex()) return *i;
  absl::StatusOr<uint64_t> last = storage_->LastIndex();
  CheckStorage(last.status(), "raft storage LastIndex");
  return *last;
}

EntryId RaftLog::LastEntryId() const {
  const uint64_t last = LastIndex();
  return EntryId{TermOrZero(last), last};
}

absl::StatusOr<uint64_t> RaftLog::Term(uint64_t index) const {
  const uint64_t first = FirstIndex();
  if (index + 1 < first) return CompactedError(index, first);
  const uint64_t last = LastIndex();
  if (index > last) {
    return absl::NotFoundError(
        absl::StrFormat("raft log index %d is past the last index %d", index, last));
  }
  if (std::optional<uint64_t> term = unstable_.MaybeTerm(index)) return *term;
  absl::StatusOr<uint64_t> term = storage_->Term(index);
  if (!term.ok() && !IsCompacted(term.status())) CheckStorage(term.status(), "raft storage Term");
  return term;
}

uint64_t RaftLog::TermOrZero(uint64_t index) const {
  absl::StatusOr<uint64_t> term = Term(index);
  return term.ok() ? *term : 0;
}

bool RaftLog::MatchTerm(EntryId id) const {
  absl::StatusOr<uint64_t> term = Term(id.index);
  return term.ok() && *term == id.term;
}

bool RaftLog::IsUpToDate(EntryId candidate_last) const {
  const EntryId last = LastEntryId();
  return candidate_last.term > last.term ||
         (candidate_last.term == last.term && candidate_last.index >= last.index);
}

void RaftLog::AppendEntry(Entry entry) { unstable_.Append(std::move(entry)); }

uint64_t RaftLog::FindConflict(const std::vector<Entry>& entries) const {
  for (const Entry& e : entries) {
    if (!MatchTerm(EntryId{e.term, e.index})) return e.index;
  }
  return 0;
}

absl::StatusOr<uint64_t> RaftLog::MaybeAppend(EntryId prev, uint64_t commit,
                                              std::vector<Entry> entries) {
  if (!MatchTerm(prev)) return 0;
  const uint64_t last_new = prev.index + entries.size();
  const uint64_t conflict = FindConflict(entries);
  if (conflict != 0) {
    if (conflict <= committed_) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "append would overwrite committed entry %d (commit %d)", conflict, committed_));
    }
    entries.erase(entries.begin(), entries.begin() + (conflict - (prev.index + 1)));
    unstable_.TruncateAndAppend(std::move(entries));
  }
  CommitTo(std::min(commit, last_new));
  return last_new;
}

EntryId RaftLog::FindConflictByTerm(uint64_t index, uint64_t term) const {
  // Terms never decrease along a log, so binary-search the largest index whose term is <=
  // `term` within what this log can still inspect: [FirstIndex() - 1, index].
  const uint64_t floor = FirstIndex() - 1;
  if (index <= floor) return EntryId{0, index};
  index = std::min(index, LastIndex());
  if (TermOrZero(floor) > term) return EntryId{0, floor};
  uint64_t lo = floor, hi = index;  // invariant: term(lo) <= term
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    if (TermOrZero(mid) <= term) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return EntryId{TermOrZero(lo), lo};
}

void RaftLog::CommitTo(uint64_t index) {
  if (index <= committed_) return;
  MQ_CHECK_MSG(index <= LastIndex(), "commit past the last index");
  committed_ = index;
}

bool RaftLog::MaybeCommit(EntryId id) {
  if (id.index > committed_ && TermOrZero(id.index) == id.term) {
    CommitTo(id.index);
    return true;
  }
  return false;
}

absl::StatusOr<std::vector<Entry>> RaftLog::Slice(uint64_t lo, uint64_t hi,
                                                  uint64_t bytes_max) const {
  const uint64_t first = FirstIndex();
  if (lo < first) return CompactedError(lo, first);
  MQ_CHECK_MSG(lo <= hi && hi <= LastIndex() + 1, "slice outside the log");
  std::vector<Entry> out;
  if (lo == hi) return out;
  const uint64_t offset = unstable_.offset();
  uint64_t bytes = 0;
  if (lo < offset) {
    const uint64_t stored_hi = std::min(hi, offset);
    absl::StatusOr<std::vector<Entry>> stored = storage_->Entries(lo, stored_hi, bytes_max);
    if (!stored.ok()) {
      if (!IsCompacted(stored.status())) CheckStorage(stored.status(), "raft storage Entries");
      return stored.status();
    }
    out = *std::move(stored);
    if (out.size() < stored_hi - lo) return out;  // the byte limit was reached
    for (const Entry& e : out) bytes += EntryBytes(e);
  }
  if (hi > offset) {
    const std::vector<Entry>& tail = unstable_.entries();
    uint64_t i = std::max(lo, offset);
    for (; i < hi; ++i) {
      bytes += EntryBytes(tail[i - offset]);
      if (bytes > bytes_max && !out.empty()) break;
      out.push_back(tail[i - offset]);
    }
  }
  return out;
}

bool RaftLog::HasNextCommittedEntries() const {
  if (unstable_.HasSnapshot()) return false;
  return applying_ < std::min(committed_, PersistedIndex());
}

std::vector<Entry> RaftLog::NextCommittedEntries() const {
  if (!HasNextCommittedEntries()) return {};
  const uint64_t hi = std::min(committed_, PersistedIndex()) + 1;
  absl::StatusOr<std::vector<Entry>> entries = Slice(applying_ + 1, hi, bytes_max_);
  // Entries above the applied index are never compacted (snapshots are taken of applied state).
  CheckStorage(entries.status(), "reading committed entries");
  return *std::move(entries);
}

void RaftLog::AcceptApplying(uint64_t index) {
  MQ_CHECK(index <= committed_);
  applying_ = std::max(applying_, index);
}

void RaftLog::AppliedTo(uint64_t index) {
  MQ_CHECK(index <= applying_);
  applied_ = std::max(applied_, index);
}

void RaftLog::Restore(Snapshot snapshot) {
  committed_ = snapshot.metadata.index;
  unstable_.Restore(std::move(snapshot));
}

}  // namespace mq::raft
