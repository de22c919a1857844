#include "broker/core/data/producer_dedup.h"

#include <limits>

#include "absl/strings/str_format.h"
#include "storage/base/coding.h"
#include "storage/base/status_macros.h"

namespace mq::broker {

ProducerDedup::Check ProducerDedup::Lookup(uint64_t producer_id, std::string_view topic,
                                           uint32_t queue_id, uint64_t base_sequence) const {
  Check check;
  if (producer_id == 0) return check;
  const auto it = windows_.find(std::make_tuple(producer_id, topic, queue_id));
  if (it == windows_.end()) return check;
  const std::deque<BatchRecord>& window = it->second;
  const BatchRecord& last = window.back();
  check.expected_sequence = last.base_sequence + last.count;
  for (const BatchRecord& record : window) {
    if (record.base_sequence == base_sequence) {
      check.verdict = Verdict::kDuplicate;
      check.cached = record;
      return check;
    }
  }
  if (base_sequence < check.expected_sequence) {
    check.verdict = Verdict::kDuplicateOutOfWindow;
  } else if (base_sequence > check.expected_sequence) {
    check.verdict = Verdict::kOutOfSequence;
  }
  return check;
}

void ProducerDedup::Record(uint64_t producer_id, std::string_view topic, uint32_t queue_id,
                           const BatchRecord& record) {
  if (producer_id == 0) return;
  auto it = windows_.find(std::make_tuple(producer_id, topic, queue_id));
  if (it == windows_.end()) {
    it = windows_.emplace(Key(producer_id, std::string(topic), queue_id), std::deque<BatchRecord>())
             .first;
  }
  it->second.push_back(record);
  while (it->second.size() > kDedupWindowBatches) it->second.pop_front();
}

void ProducerDedup::Expire(uint64_t now_ms, uint64_t expiry_ms) {
  if (now_ms < expiry_ms) return;
  const uint64_t cutoff = now_ms - expiry_ms;
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (it->second.back().store_time_ms < cutoff) {
      it = windows_.erase(it);
    } else {
      ++it;
    }
  }
}

void ProducerDedup::EncodeTo(std::string* out) const {
  PutFixed32(out, static_cast<uint32_t>(windows_.size()));
  for (const auto& [key, window] : windows_) {
    PutFixed64(out, std::get<0>(key));
    PutShortString(out, std::get<1>(key));
    PutFixed32(out, std::get<2>(key));
    out->push_back(static_cast<char>(window.size()));
    for (const BatchRecord& r : window) {
      PutFixed64(out, r.base_sequence);
      PutFixed32(out, r.count);
      PutFixed64(out, r.base_offset);
      PutFixed64(out, r.raft_index);
      PutFixed64(out, r.store_time_ms);
    }
  }
}

absl::Status ProducerDedup::DecodeFrom(ByteReader& reader) {
  windows_.clear();
  std::map<Key, std::deque<BatchRecord>, std::less<>> decoded;
  uint32_t keys = 0;
  // Each key takes at least 15 bytes before its records.
  MQ_RETURN_IF_ERROR(
      reader.ReadCount("dedup key count", std::numeric_limits<uint32_t>::max(), 15, &keys));
  for (uint32_t k = 0; k < keys; ++k) {
    uint64_t producer_id = 0;
    std::string topic;
    uint32_t queue_id = 0;
    uint8_t count = 0;
    MQ_RETURN_IF_ERROR(reader.ReadU64("dedup producer id", &producer_id));
    MQ_RETURN_IF_ERROR(reader.ReadShortString("dedup topic", &topic));
    MQ_RETURN_IF_ERROR(reader.ReadU32("dedup queue id", &queue_id));
    MQ_RETURN_IF_ERROR(reader.ReadU8("dedup record count", &count));
    if (producer_id == 0 || topic.empty()) {
      return reader.Error("dedup key",
                          absl::StrFormat("key %d: zero producer id or empty topic", k));
    }
    if (count == 0 || count > kDedupWindowBatches) {
      return reader.Error(
          "dedup record count",
          absl::StrFormat("key %d: %d records (1..%d allowed)", k, count, kDedupWindowBatches));
    }
    std::deque<BatchRecord> window;
    for (uint8_t i = 0; i < count; ++i) {
      BatchRecord r;
      MQ_RETURN_IF_ERROR(reader.ReadU64("dedup base sequence", &r.base_sequence));
      MQ_RETURN_IF_ERROR(reader.ReadU32("dedup count", &r.count));
      MQ_RETURN_IF_ERROR(reader.ReadU64("dedup base offset", &r.base_offset));
      MQ_RETURN_IF_ERROR(reader.ReadU64("dedup raft index", &r.raft_index));
      MQ_RETURN_IF_ERROR(reader.ReadU64("dedup store time", &r.store_time_ms));
      if (!window.empty() && r.base_sequence <= window.back().base_sequence) {
        return reader.Error("dedup base sequence",
                            absl::StrFormat("key %d: records not in sequence order", k));
      }
      window.push_back(r);
    }
    Key key(producer_id, std::move(topic), queue_id);
    if (!decoded.empty() && !(decoded.rbegin()->first < key)) {
      return reader.Error("dedup key", absl::StrFormat("key %d out of order or repeated", k));
    }
    decoded.emplace_hint(decoded.end(), std::move(key), std::move(window));
  }
  windows_ = std::move(decoded);
  return absl::OkStatus();
}

}  // namespace mq::broker
