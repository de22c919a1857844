#include "raft/durable/entry_cache.h"

#include <utility>

namespace mq::raft {

void EntryCache::Append(std::span<const Entry> entries) {
  if (entries.empty()) return;
  const uint64_t first = entries.front().index;
  if (entries_.empty() || first < first_index() || first > last_index() + 1) {
    Clear();
  } else {
    TruncateFrom(first);
  }
  if (bytes_max_ == 0) return;
  for (const Entry& e : entries) {
    entries_.push_back(e);
    bytes_ += EntryBytes(e);
  }
  Evict();
}

void EntryCache::TruncateFrom(uint64_t index) {
  while (!entries_.empty() && entries_.back().index >= index) {
    bytes_ -= EntryBytes(entries_.back());
    entries_.pop_back();
  }
}

void EntryCache::DropBefore(uint64_t index) {
  while (!entries_.empty() && entries_.front().index < index) {
    bytes_ -= EntryBytes(entries_.front());
    entries_.pop_front();
  }
}

void EntryCache::Clear() {
  entries_.clear();
  bytes_ = 0;
}

std::optional<std::vector<Entry>> EntryCache::Get(uint64_t lo, uint64_t hi,
                                                  uint64_t bytes_max) const {
  if (lo >= hi || entries_.empty() || lo < first_index() || hi > last_index() + 1) {
    return std::nullopt;
  }
  std::vector<Entry> out;
  uint64_t bytes = 0;
  for (uint64_t i = lo; i < hi; ++i) {
    const Entry& e = entries_[i - first_index()];
    bytes += EntryBytes(e);
    if (!out.empty() && bytes > bytes_max) break;
    out.push_back(e);
  }
  return out;
}

void EntryCache::Evict() {
  while (entries_.size() > 1 && bytes_ > bytes_max_) {
    bytes_ -= EntryBytes(entries_.front());
    entries_.pop_front();
  }
}

}  // namespace mq::raft
