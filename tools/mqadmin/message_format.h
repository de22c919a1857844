#pragma once

// The pure part of the message subcommands (sendMessage, consumeMessage, queryMsgById): flags ->
// settings, results -> lines of text or compact JSON, exactly as the scriptable contract in
// docs/mqadmin.md fixes them:
//
//   sendMessage --json, per message:  {"msg_id":"..","topic":"T","queue":0,"offset":5}
//                           or:       {"error":"..","code":"NOT_LEADER","definite":false}
//   consumeMessage --json, per message (also queryMsgById --json):
//     {"msg_id":"..","topic":"T","queue":0,"offset":5,"key":"k","tag":"t",
//      "properties":{"a":"1"},"body":"..","born_time_ms":1,"store_time_ms":2}

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "client/consumer_options.h"
#include "client/producer.h"
#include "client/received_message.h"
#include "tools/mqadmin/flags.h"

namespace mq::tools::mqadmin {

inline constexpr uint32_t kDefaultConsumeTimeoutMs = 10000;

// The subcommands' own flags (the dispatcher adds --servers, --deadline-ms, --json, --help).
std::vector<FlagSpec> SendMessageFlags();
std::vector<FlagSpec> ConsumeMessageFlags();
std::vector<FlagSpec> QueryMsgByIdFlags();

// sendMessage: what every message shares (--key, --tag, --property k=v ...); the body is set
// per message. Exactly one of --body and --stdin must be given (a usage error otherwise).
struct SendSettings {
  std::string topic;
  protocol::Message prototype;  // body empty
  bool from_stdin = false;
  std::string body;  // with --body
};
[[nodiscard]] absl::StatusOr<SendSettings> SendSettingsFromFlags(const ParsedFlags& flags);

// One sendMessage result line (without the '\n'). For a failure the caller passes what
// client/status.h says of it: the message, FailureCodeName and IsDefiniteFailure.
std::string SendResultJson(const client::SendResult& result);
std::string SendErrorJson(std::string_view error, std::string_view code, bool definite);
std::string SendResultText(const client::SendResult& result);
std::string SendErrorText(std::string_view error, std::string_view code, bool definite);

// consumeMessage: --topic, --group, --mode, --instance (broadcasting; default "mqadmin"),
// --from earliest|latest|OFFSET (default latest), --count N (0 or absent: no limit),
// --timeout SECONDS (default 10; decimals allowed, e.g. 0.5), --tag-filter EXPR (default "*").
struct ConsumeSettings {
  std::string topic;
  std::string tag_filter = "*";
  client::ConsumerOptions consumer;  // group, mode, instance, start position; client unset
  uint64_t count_max = 0;            // 0: no limit
  uint32_t idle_timeout_ms = kDefaultConsumeTimeoutMs;
};
[[nodiscard]] absl::StatusOr<ConsumeSettings> ConsumeSettingsFromFlags(const ParsedFlags& flags);

// "earliest" | "latest" | a decimal offset.
[[nodiscard]] absl::StatusOr<std::pair<client::StartPosition, uint64_t>> ParseStartPosition(
    std::string_view text);
// Non-negative seconds, with up to 3 decimals ("2", "0.5"), as milliseconds (<= 24 h).
[[nodiscard]] absl::StatusOr<uint32_t> ParseTimeoutSeconds(std::string_view flag,
                                                           std::string_view text);

// The contract's message object (consumeMessage --json, queryMsgById --json). "key" is the
// message's first key ("" if none), "tag" "" if none.
std::string MessageJson(const client::ReceivedMessage& message);
// consumeMessage's human line: msg id, queue, offset, tag, keys, body (escaped if not text).
std::string MessageLine(const client::ReceivedMessage& message);
// queryMsgById's human view: one "Field: value" line per field, every field of the message.
std::string MessageDetail(const client::ReceivedMessage& message);

// consumeMessage commits exactly what it printed: per queue, one past the highest offset
// printed (a Poll may return more messages than --count lets it print).
class PrintedOffsets {
 public:
  void Record(const client::ReceivedMessage& message);
  // ((topic, queue), next offset) in (topic, queue) order.
  const std::map<std::pair<std::string, uint32_t>, uint64_t>& next_offsets() const {
    return next_offsets_;
  }

 private:
  std::map<std::pair<std::string, uint32_t>, uint64_t> next_offsets_;
};

}  // namespace mq::tools::mqadmin
