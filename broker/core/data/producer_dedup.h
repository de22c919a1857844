#pragma once

// ProducerDedup: the replicated memory that makes idempotent produces store exactly one copy.
//
// Per (producer id, topic, queue) it keeps the outcomes of the last kDedupWindowBatches
// batches applied, in sequence order. A producer numbers its messages per queue; a batch's
// base_sequence is the sequence of its first message and the next batch's is base_sequence +
// count. Check() classifies a new batch:
//   - no state for the key (a new producer, or one whose state expired): kNew, any sequence;
//   - base_sequence equal to a remembered batch's: kDuplicate, with that batch's outcome (the
//     retry is answered with the ORIGINAL offsets);
//   - base_sequence below the next expected one but not remembered: kDuplicateOutOfWindow
//     (stored long ago; the offsets are no longer known);
//   - base_sequence == next expected: kNew;
//   - base_sequence past the next expected: kOutOfSequence (a gap: an earlier batch was not
//     stored; accepting this one would later turn that batch's retry into a "duplicate" and
//     lose it).
// Producer id 0 means "not idempotent": never remembered, always kNew.
//
// Expiry: a key whose last batch is older than `expiry_ms` of cluster time (store_time_ms of
// the entries, stamped by the leader, so every replica expires identically) is forgotten by
// Expire(), which the state machine calls as cluster time advances.
//
// Deterministic, in memory, part of the data group's snapshot (EncodeTo/DecodeFrom). Not
// thread-safe: owned by the data group's strand.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "absl/status/status.h"
#include "storage/base/byte_io.h"

namespace mq::broker {

inline constexpr size_t kDedupWindowBatches = 5;

// What one applied batch became.
struct BatchRecord {
  uint64_t base_sequence = 0;
  uint32_t count = 0;
  uint64_t base_offset = 0;
  uint64_t raft_index = 0;
  uint64_t store_time_ms = 0;
  bool operator==(const BatchRecord&) const = default;
};

class ProducerDedup {
 public:
  enum class Verdict : uint8_t { kNew, kDuplicate, kDuplicateOutOfWindow, kOutOfSequence };
  struct Check {
    Verdict verdict = Verdict::kNew;
    BatchRecord cached;              // kDuplicate: the original outcome
    uint64_t expected_sequence = 0;  // kOutOfSequence / kDuplicateOutOfWindow: the next one
  };

  Check Lookup(uint64_t producer_id, std::string_view topic, uint32_t queue_id,
               uint64_t base_sequence) const;
  // Remembers a stored batch (Lookup said kNew). A no-op for producer id 0.
  void Record(uint64_t producer_id, std::string_view topic, uint32_t queue_id,
              const BatchRecord& record);
  // Forgets keys whose last batch was stored before now_ms - expiry_ms.
  void Expire(uint64_t now_ms, uint64_t expiry_ms);
  // Forgets everything.
  void Clear() { windows_.clear(); }

  size_t key_count() const { return windows_.size(); }

  // Snapshot section: u32 key count, then per key: u64 producer id, u16 topic length, topic,
  // u32 queue id, u8 record count (1..kDedupWindowBatches), then per record: u64
  // base_sequence, u32 count, u64 base_offset, u64 raft_index, u64 store_time_ms.
  void EncodeTo(std::string* out) const;
  // Replaces the content with the section at the reader's position and reads past it; the
  // reader's error (naming the field and byte) for malformed bytes, leaving the content cleared.
  [[nodiscard]] absl::Status DecodeFrom(ByteReader& reader);

  bool operator==(const ProducerDedup&) const = default;

 private:
  using Key = std::tuple<uint64_t, std::string, uint32_t>;
  // Oldest first; never empty.
  std::map<Key, std::deque<BatchRecord>, std::less<>> windows_;
};

}  // namespace mq::broker
