#pragma once

// Message ids: where a message is stored, so finding it by id needs no index.
//
// (group id, raft index, slot): the data group whose log holds the message, the index of the
// Raft entry that holds its batch, and the message's position in that batch. Printed as 32
// hex digits, fixed width, group then index then slot:
//
//   +----------+------------------+----------+
//   | group_id | raft_index       | slot     |
//   | 8 hex    | 16 hex           | 8 hex    |
//   +----------+------------------+----------+
//   e.g. 00000002000000000000A1B200000000 = group 2, index 0xA1B2, slot 0
//
// Group ids are 32-bit here (groups are numbered from 1 by the controller); group 0 (the
// controller) and raft index 0 never hold messages, so ids naming them are refused.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mq::protocol {

inline constexpr size_t kMessageIdHexDigits = 32;

struct MessageId {
  uint32_t group_id = 0;
  uint64_t raft_index = 0;
  uint32_t slot = 0;
  bool operator==(const MessageId&) const = default;
};

// 32 upper-case hex digits.
std::string FormatMessageId(const MessageId& id);
// Accepts exactly 32 hex digits (either case); InvalidArgument saying what is wrong otherwise,
// including a zero group id or raft index.
[[nodiscard]] absl::StatusOr<MessageId> ParseMessageId(std::string_view text);
// The checks ParseMessageId applies to the numbers (group and index non-zero).
[[nodiscard]] absl::Status ValidateMessageId(const MessageId& id);

}  // namespace mq::protocol
