#include "broker/core/data/retention_policy.h"

#include <algorithm>

#include "broker/core/data/data_command.h"

namespace mq::broker {
namespace {

// The larger of two limits where 0 means "no limit" (larger than any number).
uint64_t LargerLimit(uint64_t a, uint64_t b) { return a == 0 || b == 0 ? 0 : std::max(a, b); }

}  // namespace

RetentionDecision ChooseCompaction(const std::vector<RetentionSegment>& segments,
                                   const std::vector<uint64_t>& snapshot_indexes,
                                   uint64_t applied_index, const RetentionLimits& limits,
                                   uint64_t now_ms, const SegmentStoreTime& store_time) {
  uint64_t retained = 0;
  for (const RetentionSegment& segment : segments) retained += segment.bytes;
  const bool time_limited = limits.retention_ms != 0 && now_ms > limits.retention_ms;
  const uint64_t expired_before_ms = time_limited ? now_ms - limits.retention_ms : 0;

  RetentionDecision decision;
  RetentionDecision dropped;  // every segment so far, whether or not B may stop after it
  for (const RetentionSegment& segment : segments) {
    if (segment.active || segment.last_index > applied_index) break;
    const bool for_size = limits.retention_bytes != 0 && retained > limits.retention_bytes;
    if (!for_size) {
      if (!time_limited) break;
      const std::optional<uint64_t> newest_ms = store_time(segment);
      if (!newest_ms.has_value() || *newest_ms >= expired_before_ms) break;
      ++dropped.expired;
    }
    retained -= segment.bytes;
    ++dropped.segments;
    dropped.bytes += segment.bytes;
    const bool empty = segment.last_index < segment.first_index;
    if (!empty &&
        std::binary_search(snapshot_indexes.begin(), snapshot_indexes.end(), segment.last_index)) {
      decision = dropped;
      decision.compact_to = segment.last_index;
    }
  }
  return decision;
}

std::optional<uint64_t> NewestStoreTimeInLog(const raft::LogStorage& log,
                                             const RetentionSegment& segment) {
  uint64_t scanned = 0;
  for (uint64_t index = segment.last_index; index >= segment.first_index && index > 0; --index) {
    if (scanned++ == kStoreTimeScanEntriesMax) return std::nullopt;
    absl::StatusOr<std::vector<raft::Entry>> entries = log.Entries(index, index + 1, UINT64_MAX);
    if (!entries.ok() || entries->size() != 1) return std::nullopt;
    const raft::Entry& entry = (*entries)[0];
    if (entry.type != raft::EntryType::kNormal || entry.data.empty()) continue;
    absl::StatusOr<DataCommandView> command = DecodeDataCommand(entry.data.view());
    if (!command.ok()) return std::nullopt;
    if (command->type == DataCommandType::kProduce) return command->store_time_ms;
  }
  return 0;
}

RetentionLimits EffectiveRetention(const RetentionLimits& broker,
                                   const std::vector<RetentionLimits>& topic_limits) {
  RetentionLimits out = broker;
  for (const RetentionLimits& topic : topic_limits) {
    out.retention_ms = LargerLimit(
        out.retention_ms, topic.retention_ms != 0 ? topic.retention_ms : broker.retention_ms);
    out.retention_bytes =
        LargerLimit(out.retention_bytes,
                    topic.retention_bytes != 0 ? topic.retention_bytes : broker.retention_bytes);
  }
  return out;
}

}  // namespace mq::broker
