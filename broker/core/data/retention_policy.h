#pragma once

// Retention of a data group: which whole log segments to drop from the front of its Raft log
// (the message store) because they are older than the retention time or because the group's
// log holds more than its retention bytes. Pure: the caller gives the segments, the kept
// snapshot indexes, the applied index, the limits, the time and a way to learn a segment's
// newest store time; ChooseCompaction answers the index to compact to (Driver::CompactTo).
//
// Why only to a kept snapshot at a segment end (the retention plan): a follower behind the
// leader's first index is sent the leader's OLDEST kept snapshot, which must sit exactly at
// FirstIndex() - 1 after compaction, else the follower would miss entries the leader still
// serves. Each replica decides on its own segments and clock: retention is "at least".
//
// Threading: none (plain functions; NewestStoreTimeInLog reads the log it is given).

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "raft/log_storage.h"

namespace mq::broker {

// One segment of the group's log, oldest first (mirrors storage::SegmentInfo, so this stays
// free of the storage layer).
struct RetentionSegment {
  uint64_t first_index = 0;
  uint64_t last_index = 0;  // first_index - 1 when empty
  uint64_t bytes = 0;
  bool active = false;  // the segment being appended to: never dropped
};

struct RetentionLimits {
  // A segment whose newest message is older than now - retention_ms may go; 0: no time limit.
  uint64_t retention_ms = 0;
  // Old segments go while the log holds more than this many bytes; 0: no size limit.
  uint64_t retention_bytes = 0;
};

struct RetentionDecision {
  // The index to compact to (every segment ending at or below it goes); 0: nothing to do.
  uint64_t compact_to = 0;
  size_t segments = 0;  // how many segments go
  size_t expired = 0;   // of which by time (the rest for size)
  uint64_t bytes = 0;   // their bytes
};

// The newest store time (ms) of the messages in a segment; nullopt when unknown (then the
// segment counts as not expired). A segment holding no message at all may answer 0.
using SegmentStoreTime = std::function<std::optional<uint64_t>(const RetentionSegment&)>;

// The highest B such that: B is in `snapshot_indexes`, a segment ends at B, B <= applied_index,
// no active segment lies at or below B, and every segment up to B is expired (newest message
// older than now_ms - retention_ms) or must go to bring the log's bytes to retention_bytes.
// `store_time` is asked only about segments the size limit does not already drop, oldest
// first, and no further than the first one that is not expired.
RetentionDecision ChooseCompaction(const std::vector<RetentionSegment>& segments,
                                   const std::vector<uint64_t>& snapshot_indexes,
                                   uint64_t applied_index, const RetentionLimits& limits,
                                   uint64_t now_ms, const SegmentStoreTime& store_time);

// Entries NewestStoreTimeInLog reads back from a segment's end looking for a produce.
inline constexpr uint64_t kStoreTimeScanEntriesMax = 64;

// A SegmentStoreTime over the group's log: the leader-stamped store_time_ms of the LAST
// produce command in `segment` (store times never go backwards in the log, so it is the
// newest), read back from its last entry past entries that carry no time (new leaders' no-ops,
// configuration changes), at most kStoreTimeScanEntriesMax of them: further, or when an entry
// cannot be read or decoded, nullopt (not expired). 0 when the whole segment holds no produce
// (no message anyone could want).
std::optional<uint64_t> NewestStoreTimeInLog(const raft::LogStorage& log,
                                             const RetentionSegment& segment);

// The limits a group applies when its topics ask for `topic_limits` (0 fields: the broker's
// default) and the broker's default is `broker`: segments are shared by every topic of the
// group, so a segment stays while ANY topic still wants it: the largest of each, where 0 (no
// limit) is the largest of all.
RetentionLimits EffectiveRetention(const RetentionLimits& broker,
                                   const std::vector<RetentionLimits>& topic_limits);

}  // namespace mq::broker
