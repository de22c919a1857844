#include "raft/memory_storage.h"

#include <utility>

#include "absl/strings/str_format.h"

namespace mq::raft {

MemoryStorage::MemoryStorage() {
  entries_.emplace_back();  // placeholder for index 0, term 0
}

absl::Status MemoryStorage::Bootstrap(const ConfState& founding) {
  if (last_index() != 0 || !snapshot_.empty() || !hard_state_.empty()) {
    return absl::FailedPreconditionError("raft bootstrap: storage is not empty");
  }
  absl::StatusOr<BootstrapLog> log = MakeBootstrapLog(founding);
  if (!log.ok()) return log.status();
  hard_state_ = log->hard_state;
  return Append(std::move(log->entries));
}

absl::StatusOr<StorageState> MemoryStorage::InitialState() const {
  return StorageState{hard_state_, snapshot_.metadata.conf_state};
}

absl::StatusOr<std::vector<Entry>> MemoryStorage::Entries(uint64_t lo, uint64_t hi,
                                                          uint64_t bytes_max) const {
  if (lo < first_index()) return CompactedError(lo, first_index());
  if (hi > last_index() + 1 || lo > hi) {
    return absl::InvalidArgumentError(absl::StrFormat("entries [%d, %d) outside the log [%d, %d]",
                                                      lo, hi, first_index(), last_index()));
  }
  const size_t begin = lo - entries_.front().index;
  const size_t n = CountWithinBytes(entries_.data() + begin, hi - lo, bytes_max);
  return std::vector<Entry>(entries_.begin() + begin, entries_.begin() + begin + n);
}

absl::StatusOr<uint64_t> MemoryStorage::Term(uint64_t index) const {
  const uint64_t offset = entries_.front().index;
  if (index < offset) return CompactedError(index, first_index());
  if (index > last_index()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("term of index %d past the last index %d", index, last_index()));
  }
  return entries_[index - offset].term;
}

absl::StatusOr<uint64_t> MemoryStorage::FirstIndex() const { return first_index(); }
absl::StatusOr<uint64_t> MemoryStorage::LastIndex() const { return last_index(); }
absl::StatusOr<raft::Snapshot> MemoryStorage::Snapshot() const { return snapshot_; }

absl::Status MemoryStorage::Append(std::vector<Entry> entries) {
  if (entries.empty()) return absl::OkStatus();
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].index != entries[i - 1].index + 1) {
      return absl::InvalidArgumentError(
          absl::StrFormat("append: index %d follows %d", entries[i].index, entries[i - 1].index));
    }
  }
  const uint64_t first = first_index();
  const uint64_t last_new = entries.back().index;
  if (last_new < first) return absl::OkStatus();  // all compacted already
  if (entries.front().index > last_index() + 1) {
    return absl::InvalidArgumentError(absl::StrFormat("append: gap between last index %d and %d",
                                                      last_index(), entries.front().index));
  }
  size_t skip = 0;
  if (entries.front().index < first) skip = first - entries.front().index;
  const uint64_t start = entries[skip].index;
  entries_.resize(start - entries_.front().index);  // drop the suffix being overwritten
  for (size_t i = skip; i < entries.size(); ++i) entries_.push_back(std::move(entries[i]));
  return absl::OkStatus();
}

absl::Status MemoryStorage::ApplySnapshot(raft::Snapshot snapshot) {
  if (snapshot.metadata.index <= snapshot_.metadata.index) {
    return absl::FailedPreconditionError(
        absl::StrFormat("snapshot at %d is not newer than the stored one at %d",
                        snapshot.metadata.index, snapshot_.metadata.index));
  }
  entries_.clear();
  Entry placeholder;
  placeholder.index = snapshot.metadata.index;
  placeholder.term = snapshot.metadata.term;
  entries_.push_back(std::move(placeholder));
  snapshot_ = std::move(snapshot);
  return absl::OkStatus();
}

absl::Status MemoryStorage::CreateSnapshot(uint64_t index, const ConfState& conf_state,
                                           Payload data) {
  if (index <= snapshot_.metadata.index) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "snapshot at %d is not newer than the stored one at %d", index, snapshot_.metadata.index));
  }
  if (index > last_index()) {
    return absl::OutOfRangeError(
        absl::StrFormat("snapshot at %d past the last index %d", index, last_index()));
  }
  if (index < entries_.front().index) return CompactedError(index, first_index());
  snapshot_.metadata.index = index;
  snapshot_.metadata.term = entries_[index - entries_.front().index].term;
  snapshot_.metadata.conf_state = conf_state;
  snapshot_.data = std::move(data);
  return absl::OkStatus();
}

absl::Status MemoryStorage::Compact(uint64_t index) {
  const uint64_t offset = entries_.front().index;
  if (index <= offset) return absl::OkStatus();
  if (index > snapshot_.metadata.index) {
    return absl::FailedPreconditionError(absl::StrFormat("compact to %d past the snapshot index %d",
                                                         index, snapshot_.metadata.index));
  }
  // The entry at `index` becomes the placeholder; its payload is no longer needed.
  const size_t drop = index - offset;
  entries_.erase(entries_.begin(), entries_.begin() + drop);
  entries_.front().data = Payload();
  return absl::OkStatus();
}

}  // namespace mq::raft
