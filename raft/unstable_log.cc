#include "raft/unstable_log.h"

#include <algorithm>
#include <utility>

#include "storage/base/status_macros.h"

namespace mq::raft {

std::optional<uint64_t> UnstableLog::MaybeFirstIndex() const {
  if (snapshot_.has_value()) return snapshot_->metadata.index + 1;
  return std::nullopt;
}

std::optional<uint64_t> UnstableLog::MaybeLastIndex() const {
  if (!entries_.empty()) return offset_ + entries_.size() - 1;
  if (snapshot_.has_value()) return snapshot_->metadata.index;
  return std::nullopt;
}

std::optional<uint64_t> UnstableLog::MaybeTerm(uint64_t index) const {
  if (index < offset_) {
    if (snapshot_.has_value() && snapshot_->metadata.index == index) {
      return snapshot_->metadata.term;
    }
    return std::nullopt;
  }
  if (index - offset_ >= entries_.size()) return std::nullopt;
  return entries_[index - offset_].term;
}

std::vector<Entry> UnstableLog::NextEntries() const {
  std::vector<Entry> out;
  if (!HasNextEntries()) return out;
  out.assign(entries_.begin() + (offset_in_progress_ - offset_), entries_.end());
  return out;
}

void UnstableLog::AcceptInProgress() {
  offset_in_progress_ = offset_ + entries_.size();
  if (snapshot_.has_value()) snapshot_in_progress_ = true;
}

void UnstableLog::StableTo(EntryId id) {
  std::optional<uint64_t> term = MaybeTerm(id.index);
  // Not here, overwritten by a later leader, or the snapshot's index: nothing to drop.
  if (!term.has_value() || *term != id.term || id.index < offset_) return;
  const size_t drop = id.index + 1 - offset_;
  entries_.erase(entries_.begin(), entries_.begin() + drop);
  offset_ = id.index + 1;
  offset_in_progress_ = std::max(offset_in_progress_, offset_);
}

void UnstableLog::StableSnapshotTo(uint64_t index) {
  if (snapshot_.has_value() && snapshot_->metadata.index == index) {
    snapshot_.reset();
    snapshot_in_progress_ = false;
  }
}

void UnstableLog::Restore(Snapshot snapshot) {
  offset_ = snapshot.metadata.index + 1;
  offset_in_progress_ = offset_;
  entries_.clear();
  snapshot_ = std::move(snapshot);
  snapshot_in_progress_ = false;
}

void UnstableLog::TruncateAndAppend(std::vector<Entry> entries) {
  MQ_CHECK(!entries.empty());
  const uint64_t from = entries.front().index;
  const uint64_t end = offset_ + entries_.size();
  MQ_CHECK_MSG(from <= end, "unstable append leaves a gap");
  if (from == end) {
    // The common case: straight after the tail.
  } else if (from <= offset_) {
    // Replaces the whole unstable tail (and, logically, stored entries from `from`).
    entries_.clear();
    offset_ = from;
    offset_in_progress_ = from;
  } else {
    entries_.resize(from - offset_);
    offset_in_progress_ = std::min(offset_in_progress_, from);
  }
  if (entries_.empty()) {
    entries_ = std::move(entries);
  } else {
    entries_.insert(entries_.end(), std::make_move_iterator(entries.begin()),
                    std::make_move_iterator(entries.end()));
  }
}

void UnstableLog::Append(Entry entry) {
  MQ_CHECK_MSG(entry.index == offset_ + entries_.size(), "unstable append must follow the tail");
  entries_.push_back(std::move(entry));
}

void UnstableLog::Slice(uint64_t lo, uint64_t hi, std::vector<Entry>* out) const {
  MQ_CHECK(offset_ <= lo && lo <= hi && hi <= offset_ + entries_.size());
  out->insert(out->end(), entries_.begin() + (lo - offset_), entries_.begin() + (hi - offset_));
}

}  // namespace mq::raft
