#pragma once

// Record batches: many messages of ONE queue, built by a producer, verified by the broker and
// stored verbatim as one Raft entry (never re-encoded, never recompressed), then sent as is to
// consumers. A compact little-endian binary format, not FlatBuffers: the broker must validate it
// in one pass without rewriting it, consumers read bodies in place, and every message is one
// length-prefixed record whose fields are checked against the limits as they are read.
//
// Batch (all integers little-endian):
//
//   0          4             8             12    13    14          16              20
//   +----------+-------------+-------------+-----+-----+-----------+---------------+
//   | magic    | batch_bytes | crc32c      | ver | flg | reserved  | message_count |
//   | "RMQB"   | u32 (all)   | of [12,end) | u8  | u8  | u16 = 0   | u32 (>= 1)    |
//   +----------+-------------+-------------+-----+-----+-----------+---------------+
//   20              24                    32                      40                    48
//   +---------------+---------------------+-----------------------+---------------------+
//   | section_bytes | producer_id u64     | base_sequence u64     | first_born_time_ms  |
//   | u32 (uncompr.)| 0: not idempotent   | seq of message 0      | u64                 |
//   +---------------+---------------------+-----------------------+---------------------+
//   48 .. batch_bytes: the message section (section_bytes bytes once decompressed),
//                      LZ4-block-compressed when flags say so.
//
//   flags: bits 0-1 compression (0 none, 1 LZ4; 2 and 3 refused), bit 2 transactional (the
//   batch is a transaction's half messages), bits 3-7 refused.
//
// Message record, message_count of them back to back in the section:
//
//   0               4               8     9     10        12          14          16          18
//   +---------------+---------------+-----+-----+---------+-----------+-----------+-----------+
//   | message_bytes | born_delta_ms | flg | rsv | tag_len | group_len | key_count | prop_count|
//   | u32 (after    | i32           | u8  | u8  | u16     | u16       | u16       | u16       |
//   |  this field)  |               |     | = 0 |         |           |           |           |
//   +---------------+---------------+-----+-----+---------+-----------+-----------+-----------+
//   18: [delivery_time_ms u64, if flg bit 0]
//       tag (tag_len bytes), message group (group_len bytes),
//       key_count x (u16 len, bytes), prop_count x (u16 name len, name, u16 value len, value)
//       with names strictly ascending, then the body: the rest of message_bytes.
//
//   born time = first_born_time_ms + born_delta_ms; sequence = base_sequence + slot.
//
// The crc covers everything after itself, so the broker checks integrity without
// decompressing; it still decompresses once to verify every message, then stores the batch as
// it came. section_bytes is checked against batch_uncompressed_bytes_max before anything is
// allocated.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/protocol/limits.h"

namespace mq::protocol {

// "RMQB" as it appears on the wire (little-endian u32).
inline constexpr uint32_t kBatchMagic = 0x42514D52;
inline constexpr uint8_t kBatchVersion = 1;
inline constexpr size_t kBatchHeaderBytes = 48;
inline constexpr size_t kBatchMagicOffset = 0;
inline constexpr size_t kBatchBytesOffset = 4;
inline constexpr size_t kBatchCrcOffset = 8;
inline constexpr size_t kBatchVersionOffset = 12;
inline constexpr size_t kBatchFlagsOffset = 13;
inline constexpr size_t kBatchReservedOffset = 14;
inline constexpr size_t kBatchMessageCountOffset = 16;
inline constexpr size_t kBatchSectionBytesOffset = 20;
inline constexpr size_t kBatchProducerIdOffset = 24;
inline constexpr size_t kBatchBaseSequenceOffset = 32;
inline constexpr size_t kBatchFirstBornTimeOffset = 40;
// The crc covers [kBatchCrcCoverageStart, batch_bytes).
inline constexpr size_t kBatchCrcCoverageStart = 12;

inline constexpr uint8_t kBatchCompressionMask = 0x03;
inline constexpr uint8_t kBatchFlagTransactional = 0x04;
inline constexpr uint8_t kBatchFlagsKnown = kBatchCompressionMask | kBatchFlagTransactional;

inline constexpr size_t kMessageFixedBytes = 18;
inline constexpr uint8_t kMessageFlagDeliveryTime = 0x01;
inline constexpr uint8_t kMessageFlagsKnown = kMessageFlagDeliveryTime;
// The format's cap for a tag, group, key, property name or value (a u16 length).
inline constexpr size_t kMessageFieldBytesMax = 0xFFFF;

enum class Compression : uint8_t { kNone = 0, kLz4 = 1 };

// A message as a producer builds it (and as a consumer may copy it out of a batch).
struct Message {
  std::string body{};
  std::string tag{};  // "" = none
  std::vector<std::string> keys{};
  std::map<std::string, std::string> properties{};  // names non-empty
  uint64_t born_time_ms = 0;
  std::string message_group{};    // FIFO topics; "" = none
  uint64_t delivery_time_ms = 0;  // DELAY topics; 0 = none
  bool operator==(const Message&) const = default;
};

// The fixed header of a batch, decoded.
struct RecordBatchHeader {
  uint32_t batch_bytes = 0;
  uint32_t crc32c = 0;
  uint8_t version = 0;
  Compression compression = Compression::kNone;
  bool transactional = false;
  uint32_t message_count = 0;
  uint32_t section_bytes = 0;
  uint64_t producer_id = 0;
  uint64_t base_sequence = 0;
  uint64_t first_born_time_ms = 0;
};

// One message inside a verified batch. The views point into the batch bytes (uncompressed
// batch) or into the reader's decompressed section: valid while the RecordBatchReader and the
// batch bytes it was opened on live.
struct MessageView {
  uint32_t slot = 0;
  uint64_t born_time_ms = 0;
  uint64_t delivery_time_ms = 0;  // 0 = none
  std::string_view tag{};
  std::string_view message_group{};
  std::vector<std::string_view> keys{};
  std::vector<std::pair<std::string_view, std::string_view>> properties{};  // ascending names
  std::string_view body{};

  Message ToMessage() const;
};

// Checks one message against the limits, as the builder does before adding it and the reader
// does for every message it verifies: tag (no control characters, spaces or '|', not "*"),
// message group, keys (non-empty), property names (non-empty) and sizes.
[[nodiscard]] absl::Status ValidateMessage(const Message& message,
                                           const ProtocolLimits& limits = ProtocolLimits());

// Decodes and checks the fixed header only (magic, batch_bytes against the input size and
// batch_bytes_max, version, flags, reserved bits, message count, section size); no crc, no
// messages. For routing decisions before the full verification.
[[nodiscard]] absl::StatusOr<RecordBatchHeader> DecodeRecordBatchHeader(
    std::string_view batch, const ProtocolLimits& limits = ProtocolLimits());

// RecordBatchBuilder: the producer's side. Add messages, then Build once.
//
//   RecordBatchBuilder builder({.producer_id = id, .base_sequence = seq,
//                               .compression = Compression::kLz4});
//   for (...) if (absl::Status s = builder.Add(m); !s.ok()) { ... }
//   absl::StatusOr<std::string> batch = std::move(builder).Build();
//
// The built batch is at most batch_bytes_max whether or not LZ4 helps: the uncompressed
// section is capped at batch_bytes_max - header, and a section LZ4 does not shrink is stored
// uncompressed. Not thread-safe.
struct RecordBatchOptions {
  uint64_t producer_id = 0;    // 0: not idempotent (base_sequence must then be 0)
  uint64_t base_sequence = 0;  // sequence of the first message
  Compression compression = Compression::kNone;
  bool transactional = false;
};

class RecordBatchBuilder {
 public:
  explicit RecordBatchBuilder(const RecordBatchOptions& options,
                              const ProtocolLimits& limits = ProtocolLimits());

  // Appends `message`. InvalidArgument if the message is invalid or could never fit in a batch
  // (nothing changes); ResourceExhausted if this batch is full (by messages_per_batch_max or
  // bytes): build it and add the message to the next one.
  [[nodiscard]] absl::Status Add(const Message& message);

  uint32_t message_count() const { return message_count_; }
  bool empty() const { return message_count_ == 0; }
  // The batch's size if built uncompressed now: an upper bound on what Build returns.
  size_t uncompressed_batch_bytes() const { return kBatchHeaderBytes + section_.size(); }

  // The finished batch; FailedPrecondition if no message was added.
  [[nodiscard]] absl::StatusOr<std::string> Build() &&;

 private:
  RecordBatchOptions options_;
  ProtocolLimits limits_;
  uint32_t message_count_ = 0;
  uint64_t first_born_time_ms_ = 0;
  std::string section_;
};

// RecordBatchReader: the broker's (and consumer's) side. Open verifies the whole batch once:
// header, crc, decompression (size declared, checked and allocated once), every message record
// and its fields against the limits, and nothing left over. After that, message(slot) cannot
// fail. It never modifies or re-encodes the batch: the broker stores bytes() verbatim.
//
// Borrows the batch bytes (they must outlive the reader); owns the decompressed section of a
// compressed batch. Bodies of an uncompressed batch are read in place. Movable; not
// thread-safe to move while another thread reads.
class RecordBatchReader {
 public:
  // InvalidArgument naming the first problem (field, slot, limit).
  [[nodiscard]] static absl::StatusOr<RecordBatchReader> Open(
      std::string_view batch, const ProtocolLimits& limits = ProtocolLimits());

  const RecordBatchHeader& header() const { return header_; }
  uint32_t message_count() const { return header_.message_count; }
  // The batch exactly as given to Open.
  std::string_view bytes() const { return bytes_; }
  // The message at `slot` (< message_count(), else abort).
  MessageView message(uint32_t slot) const;
  // Every message, copied out.
  std::vector<Message> ToMessages() const;

 private:
  RecordBatchReader() = default;

  std::string_view bytes_;
  RecordBatchHeader header_;
  std::unique_ptr<char[]> decompressed_;  // stable across moves, unlike a std::string's SSO
  std::string_view section_;
  std::vector<uint32_t> offsets_;  // start of each message record within section_
};

}  // namespace mq::protocol
