#pragma once

// ReceivedMessage: one stored message as consumers and queries return it, decoded from the
// record batch the broker returned (never re-encoded on the way).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/protocol/message_id.h"
#include "client/protocol/messages.h"

namespace mq::client {

struct ReceivedMessage {
  protocol::MessageId msg_id{};
  std::string topic{};
  uint32_t queue_id = 0;
  uint64_t offset = 0;  // queue offset; commit offset + 1 after consuming it
  std::vector<std::string> keys{};
  std::string tag{};  // "" = none
  std::map<std::string, std::string> properties{};
  std::string body{};
  uint64_t born_time_ms = 0;
  uint64_t store_time_ms = 0;
  std::string message_group{};    // "" = none
  uint64_t delivery_time_ms = 0;  // 0 = none
  uint64_t producer_id = 0;       // 0 = not idempotent
  uint64_t sequence = 0;

  // 32 hex digits (protocol::FormatMessageId).
  std::string msg_id_text() const { return protocol::FormatMessageId(msg_id); }
  bool operator==(const ReceivedMessage&) const = default;
};

// The messages a fetched batch delivers (its `slots`), in slot order. InvalidArgument
// (rejected) if the batch does not verify or a slot is out of range.
[[nodiscard]] absl::StatusOr<std::vector<ReceivedMessage>> DecodeFetchedBatch(
    std::string_view topic, uint32_t queue_id, const protocol::FetchedBatch& batch);
// The same, appended to `out`; on an error nothing is appended.
[[nodiscard]] absl::Status DecodeFetchedBatchInto(std::string_view topic, uint32_t queue_id,
                                                  const protocol::FetchedBatch& batch,
                                                  std::vector<ReceivedMessage>& out);

// The message a QueryMessageById response names (slot `id.slot` of its batch).
[[nodiscard]] absl::StatusOr<ReceivedMessage> DecodeQueriedMessage(
    const protocol::MessageId& id, const protocol::QueryMessageByIdResponse& response);

}  // namespace mq::client
