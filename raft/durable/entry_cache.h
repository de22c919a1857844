#pragma once

// EntryCache: the newest entries of a Raft log, kept in memory so that the entries a node has
// just appended are applied (and sent to followers) without reading them back from the log
// file. On a busy leader that read-back (pread + record crc re-check of entries written a
// millisecond earlier) was ~8 % of the broker's CPU (bench/RESULTS.md, "Profile: broker under
// the async scenario").
//
// What it holds: a window [first_index(), last_index()] of consecutive entries, the newest
// ones appended, within bytes_max (by EntryBytes; the oldest are evicted first, but the newest
// entry always stays, however large). Payloads are shared by reference count (raft/payload.h),
// so a cached entry costs a few words beyond the bytes the unstable log and the messages to
// followers already share.
//
// Keeping it right is the owner's job, and simple: mirror every change of the log.
//   Append(entries)      after the log appended them (a suffix from entries[0].index was
//                        replaced: the cache drops it too; a gap after the window restarts it)
//   TruncateFrom(index)  the log dropped [index, ...)
//   DropBefore(index)    the log was compacted below index
//   Clear()              the log was reset (a snapshot was installed)
// Get() answers only when it holds every entry asked for; otherwise the caller reads the log.
// A stale cache is the one failure mode (wrong entries applied), hence the mirror rule above
// and the term+index stored with each entry (Get returns the entries as appended).
//
// Threading: none; owned by the log store, on its node's thread.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "raft/types.h"

namespace mq::raft {

class EntryCache {
 public:
  // bytes_max 0: cache nothing (every Get misses).
  explicit EntryCache(uint64_t bytes_max) : bytes_max_(bytes_max) {}

  EntryCache(const EntryCache&) = delete;
  EntryCache& operator=(const EntryCache&) = delete;

  // `entries` have consecutive indexes. Entries at or after entries[0].index that were cached
  // are replaced; when entries[0].index is past last_index() + 1 (or before first_index()),
  // the cache restarts with `entries`.
  void Append(std::span<const Entry> entries);
  // Drops the cached entries with index >= `index`.
  void TruncateFrom(uint64_t index);
  // Drops the cached entries with index < `index`.
  void DropBefore(uint64_t index);
  void Clear();

  // Entries [lo, hi) if every one is cached, stopping once their EntryBytes() sum would
  // exceed bytes_max but always at least one (LogStorage::Entries' contract); nullopt when
  // lo >= hi or any entry of [lo, hi) is missing.
  std::optional<std::vector<Entry>> Get(uint64_t lo, uint64_t hi, uint64_t bytes_max) const;

  bool empty() const { return entries_.empty(); }
  // Meaningful when !empty().
  uint64_t first_index() const { return entries_.empty() ? 0 : entries_.front().index; }
  uint64_t last_index() const { return entries_.empty() ? 0 : entries_.back().index; }
  size_t size() const { return entries_.size(); }
  uint64_t bytes() const { return bytes_; }
  uint64_t bytes_max() const { return bytes_max_; }

 private:
  void Evict();

  const uint64_t bytes_max_;
  std::deque<Entry> entries_;  // consecutive indexes, oldest first
  uint64_t bytes_ = 0;         // EntryBytes sum of entries_
};

}  // namespace mq::raft
