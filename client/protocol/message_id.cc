#include "client/protocol/message_id.h"

#include "absl/strings/str_format.h"

namespace mq::protocol {
namespace {

// The input shown in an error, shortened: ids come from users and logs.
std::string Shown(std::string_view text) {
  constexpr size_t kShownBytesMax = 48;
  std::string out;
  for (char c : text.substr(0, kShownBytesMax)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7F) ? std::string(1, c) : absl::StrFormat("\\x%02x", u);
  }
  if (text.size() > kShownBytesMax) out += "...";
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string FormatMessageId(const MessageId& id) {
  return absl::StrFormat("%08X%016X%08X", id.group_id, id.raft_index, id.slot);
}

absl::Status ValidateMessageId(const MessageId& id) {
  if (id.group_id == 0) {
    return absl::InvalidArgumentError(
        "message id names group 0 (the controller holds no messages)");
  }
  if (id.raft_index == 0) {
    return absl::InvalidArgumentError("message id names raft index 0 (no entry has index 0)");
  }
  return absl::OkStatus();
}

absl::StatusOr<MessageId> ParseMessageId(std::string_view text) {
  if (text.size() != kMessageIdHexDigits) {
    return absl::InvalidArgumentError(
        absl::StrFormat("message id \"%s\" has %d characters, want %d hex digits", Shown(text),
                        text.size(), kMessageIdHexDigits));
  }
  uint64_t words[3] = {0, 0, 0};
  constexpr size_t kDigits[3] = {8, 16, 8};
  size_t at = 0;
  for (int w = 0; w < 3; ++w) {
    for (size_t i = 0; i < kDigits[w]; ++i, ++at) {
      const int v = HexValue(text[at]);
      if (v < 0) {
        return absl::InvalidArgumentError(
            absl::StrFormat("message id \"%s\": character %d is not a hex digit", Shown(text), at));
      }
      words[w] = words[w] << 4 | static_cast<uint64_t>(v);
    }
  }
  MessageId id{.group_id = static_cast<uint32_t>(words[0]),
               .raft_index = words[1],
               .slot = static_cast<uint32_t>(words[2])};
  if (absl::Status status = ValidateMessageId(id); !status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("message id \"%s\": %s", Shown(text), status.message()));
  }
  return id;
}

}  // namespace mq::protocol
