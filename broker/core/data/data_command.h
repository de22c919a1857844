#pragma once

// Data commands: the payload of a data group's Raft entry. The leader encodes one per accepted
// request; every replica decodes it in Apply. Binary, little-endian, versioned, verified on
// decode (the Raft log checksums the bytes; this layer checks the structure):
//
//   0      1         2            4              4+T        8+T              16+T
//   +------+---------+------------+--------------+----------+----------------+--------------+
//   | type | version | topic_len  | topic bytes  | queue_id | store_time_ms  | record batch |
//   | u8   | u8 = 1  | u16 (>= 1) | (T bytes)    | u32      | u64            | (to the end) |
//   +------+---------+------------+--------------+----------+----------------+--------------+
//
//   type 1 = produce: the client's record batch, verbatim (client/protocol/record_batch.h),
//   appended to queue (topic, queue_id). store_time_ms is the leader-stamped cluster time.
//   Other types (fire-timer, transaction commit) will take new type values; a replica that
//   does not know a type refuses the entry rather than skipping it, because skipping would let
//   replicas of different versions diverge.
//
// The decoder checks the framing only; Apply verifies the batch (RecordBatchReader::Open).

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mq::broker {

enum class DataCommandType : uint8_t {
  kProduce = 1,
};

inline constexpr uint8_t kDataCommandVersion = 1;
// type, version, topic_len.
inline constexpr size_t kDataCommandPrefixBytes = 4;
// queue_id, store_time_ms.
inline constexpr size_t kDataCommandQueueFieldsBytes = 12;
// The format's cap on a topic name (a u16 length); the controller enforces a smaller one.
inline constexpr size_t kDataCommandTopicBytesMax = 0xFFFF;

// A decoded command; the views point into the bytes given to DecodeDataCommand.
struct DataCommandView {
  DataCommandType type = DataCommandType::kProduce;
  uint8_t version = kDataCommandVersion;
  std::string_view topic;
  uint32_t queue_id = 0;
  uint64_t store_time_ms = 0;
  std::string_view record_batch;
};

// The produce command for `batch` (already verified by the caller). `topic` must be 1 to
// kDataCommandTopicBytesMax bytes (programmer error otherwise: the leader validated it).
std::string EncodeProduceCommand(std::string_view topic, uint32_t queue_id, uint64_t store_time_ms,
                                 std::string_view batch);

// InvalidArgument naming the field for anything malformed: too short, unknown type or
// version, empty or truncated topic, missing queue fields, empty record batch.
[[nodiscard]] absl::StatusOr<DataCommandView> DecodeDataCommand(std::string_view bytes);

}  // namespace mq::broker
