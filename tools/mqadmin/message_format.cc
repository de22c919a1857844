#include "tools/mqadmin/message_format.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/mqadmin/command.h"
#include "tools/mqadmin/group_format.h"
#include "tools/mqadmin/json_writer.h"
#include "tools/mqadmin/text.h"

namespace mq::tools::mqadmin {
namespace {

constexpr uint64_t kTimeoutMsMax = 24ull * 3600 * 1000;

std::string KeysText(const std::vector<std::string>& keys) {
  std::vector<std::string> shown;
  for (const std::string& key : keys) shown.push_back(DisplayText(key));
  return shown.empty() ? "-" : absl::StrJoin(shown, ",");
}

std::string PropertiesText(const std::map<std::string, std::string>& properties) {
  std::vector<std::string> shown;
  for (const auto& [name, value] : properties) {
    shown.push_back(absl::StrCat(DisplayText(name), "=", DisplayText(value)));
  }
  return shown.empty() ? "-" : absl::StrJoin(shown, ",");
}

}  // namespace

std::vector<FlagSpec> SendMessageFlags() {
  return {
      {.name = "topic", .value_name = "TOPIC", .help = "topic to send to", .required = true},
      {.name = "key", .value_name = "KEY", .help = "message key (also picks the queue by hash)"},
      {.name = "tag", .value_name = "TAG", .help = "message tag"},
      {.name = "property",
       .kind = FlagKind::kRepeated,
       .value_name = "K=V",
       .help = "user property"},
      {.name = "body", .value_name = "BODY", .help = "the body of the one message to send"},
      {.name = "stdin",
       .kind = FlagKind::kSwitch,
       .help = "send every line of standard input as one message, in order"},
  };
}

std::vector<FlagSpec> ConsumeMessageFlags() {
  return {
      {.name = "topic", .value_name = "TOPIC", .help = "topic to consume", .required = true},
      {.name = "group",
       .value_name = "GROUP",
       .help = "consumer group to consume as",
       .required = true},
      {.name = "mode",
       .value_name = "MODE",
       .help = "clustering | broadcasting (default clustering)"},
      {.name = "instance",
       .value_name = "NAME",
       .help = "broadcasting: instance whose offsets are used (default mqadmin)"},
      {.name = "from",
       .value_name = "POS",
       .help = "earliest | latest | OFFSET: start of queues with no committed offset "
               "(default latest)"},
      {.name = "count", .value_name = "N", .help = "stop after N messages (default: no limit)"},
      {.name = "timeout",
       .value_name = "SECONDS",
       .help = "stop after SECONDS with no new message (default 10; decimals allowed)"},
      {.name = "tag-filter", .value_name = "EXPR", .help = "'*' or 'a || b' (default '*')"},
  };
}

std::vector<FlagSpec> QueryMsgByIdFlags() {
  return {{.name = "id",
           .value_name = "MSG_ID",
           .help = "message id, 32 hex digits",
           .required = true}};
}

absl::StatusOr<SendSettings> SendSettingsFromFlags(const ParsedFlags& flags) {
  SendSettings settings;
  settings.topic = flags.Get("topic");
  if (settings.topic.empty()) return UsageError("--topic: must not be empty");
  if (flags.Has("key")) {
    std::string key = flags.Get("key");
    if (key.empty()) return UsageError("--key: must not be empty");
    settings.prototype.keys.push_back(std::move(key));
  }
  settings.prototype.tag = flags.Get("tag");
  for (const std::string& item : flags.GetAll("property")) {
    absl::StatusOr<std::pair<std::string, std::string>> kv = SplitKeyValue("property", item);
    if (!kv.ok()) return AsUsageError(kv.status());
    if (!settings.prototype.properties.emplace(kv->first, kv->second).second) {
      return UsageError(absl::StrFormat("--property: '%s' given twice", kv->first));
    }
  }
  const bool has_body = flags.Has("body");
  settings.from_stdin = flags.GetSwitch("stdin");
  if (has_body == settings.from_stdin) {
    return UsageError("give exactly one of --body BODY and --stdin");
  }
  settings.body = flags.Get("body");
  return settings;
}

std::string SendResultJson(const client::SendResult& result) {
  JsonWriter w;
  w.BeginObject()
      .StringField("msg_id", result.msg_id_text())
      .StringField("topic", result.topic)
      .UintField("queue", result.queue_id)
      .UintField("offset", result.offset)
      .EndObject();
  return w.str();
}

std::string SendErrorJson(std::string_view error, std::string_view code, bool definite) {
  JsonWriter w;
  w.BeginObject()
      .StringField("error", error)
      .StringField("code", code)
      .BoolField("definite", definite)
      .EndObject();
  return w.str();
}

std::string SendResultText(const client::SendResult& result) {
  return absl::StrFormat("SEND_OK  msg_id=%s topic=%s queue=%d offset=%d", result.msg_id_text(),
                         DisplayText(result.topic), result.queue_id, result.offset);
}

std::string SendErrorText(std::string_view error, std::string_view code, bool definite) {
  return absl::StrFormat("SEND_FAILED  code=%s %s: %s", DisplayText(code),
                         definite ? "not stored" : "may be stored", DisplayText(error));
}

absl::StatusOr<std::pair<client::StartPosition, uint64_t>> ParseStartPosition(
    std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower == "earliest") return std::pair(client::StartPosition::kEarliest, uint64_t{0});
  if (lower == "latest") return std::pair(client::StartPosition::kLatest, uint64_t{0});
  if (std::optional<uint64_t> offset = ParseDecimalUint64(text)) {
    return std::pair(client::StartPosition::kOffset, *offset);
  }
  return UsageError(
      absl::StrFormat("--from: expected earliest, latest or an offset, got '%s'", text));
}

absl::StatusOr<uint32_t> ParseTimeoutSeconds(std::string_view flag, std::string_view text) {
  const auto bad = [&] {
    return UsageError(absl::StrFormat(
        "--%s: expected seconds (e.g. 10 or 0.5, at most 86400), got '%s'", flag, text));
  };
  const size_t dot = text.find('.');
  std::optional<uint64_t> whole = ParseDecimalUint64(text.substr(0, dot));
  if (!whole || *whole > kTimeoutMsMax / 1000) return bad();
  uint64_t ms = *whole * 1000;
  if (dot != std::string_view::npos) {
    std::string_view fraction = text.substr(dot + 1);
    if (fraction.empty() || fraction.size() > 3) return bad();
    std::optional<uint64_t> digits = ParseDecimalUint64(fraction);
    if (!digits) return bad();
    for (size_t i = fraction.size(); i < 3; ++i) *digits *= 10;
    ms += *digits;
  }
  if (ms > kTimeoutMsMax) return bad();
  return static_cast<uint32_t>(ms);
}

absl::StatusOr<ConsumeSettings> ConsumeSettingsFromFlags(const ParsedFlags& flags) {
  ConsumeSettings settings;
  settings.topic = flags.Get("topic");
  if (settings.topic.empty()) return UsageError("--topic: must not be empty");
  settings.consumer.group = flags.Get("group");
  if (settings.consumer.group.empty()) return UsageError("--group: must not be empty");
  if (flags.Has("mode")) {
    absl::StatusOr<protocol::ConsumeMode> mode = ParseConsumeMode(flags.Get("mode"));
    if (!mode.ok()) return mode.status();
    settings.consumer.mode = *mode;
  }
  if (flags.Has("instance")) {
    settings.consumer.instance = flags.Get("instance");
    if (settings.consumer.instance.empty()) return UsageError("--instance: must not be empty");
  } else if (settings.consumer.mode == protocol::ConsumeMode::kBroadcasting) {
    settings.consumer.instance = "mqadmin";
  }
  if (flags.Has("from")) {
    absl::StatusOr<std::pair<client::StartPosition, uint64_t>> from =
        ParseStartPosition(flags.Get("from"));
    if (!from.ok()) return from.status();
    settings.consumer.start_position = from->first;
    settings.consumer.start_offset = from->second;
  } else {
    settings.consumer.start_position = client::StartPosition::kLatest;
  }
  absl::StatusOr<uint64_t> count = flags.GetUint64("count", 0);
  if (!count.ok()) return AsUsageError(count.status());
  settings.count_max = *count;
  if (flags.Has("timeout")) {
    absl::StatusOr<uint32_t> timeout = ParseTimeoutSeconds("timeout", flags.Get("timeout"));
    if (!timeout.ok()) return timeout.status();
    settings.idle_timeout_ms = *timeout;
  }
  if (flags.Has("tag-filter")) {
    settings.tag_filter = flags.Get("tag-filter");
    if (settings.tag_filter.empty()) return UsageError("--tag-filter: must not be empty");
  }
  settings.consumer.auto_commit = false;  // commits exactly what was printed
  return settings;
}

std::string MessageJson(const client::ReceivedMessage& message) {
  JsonWriter w;
  w.BeginObject()
      .StringField("msg_id", message.msg_id_text())
      .StringField("topic", message.topic)
      .UintField("queue", message.queue_id)
      .UintField("offset", message.offset)
      .StringField("key", message.keys.empty() ? std::string() : message.keys.front())
      .StringField("tag", message.tag);
  w.Key("properties").BeginObject();
  for (const auto& [name, value] : message.properties) w.Key(name).String(value);
  w.EndObject();
  w.StringField("body", message.body)
      .UintField("born_time_ms", message.born_time_ms)
      .UintField("store_time_ms", message.store_time_ms)
      .EndObject();
  return w.str();
}

std::string MessageLine(const client::ReceivedMessage& message) {
  return absl::StrFormat("msg_id=%s topic=%s queue=%d offset=%d tag=%s keys=%s body=%s",
                         message.msg_id_text(), DisplayText(message.topic), message.queue_id,
                         message.offset, message.tag.empty() ? "-" : DisplayText(message.tag),
                         KeysText(message.keys), DisplayText(message.body));
}

std::string MessageDetail(const client::ReceivedMessage& message) {
  std::string out;
  const auto field = [&](std::string_view name, const std::string& value) {
    absl::StrAppend(&out, absl::StrFormat("%-16s %s\n", std::string(name) + ":", value));
  };
  field("Msg ID", message.msg_id_text());
  field("Topic", DisplayText(message.topic));
  field("Queue", absl::StrCat(message.queue_id));
  field("Offset", absl::StrCat(message.offset));
  field("Tag", message.tag.empty() ? "-" : DisplayText(message.tag));
  field("Keys", KeysText(message.keys));
  field("Properties", PropertiesText(message.properties));
  field("Message group", message.message_group.empty() ? "-" : DisplayText(message.message_group));
  field("Born time",
        absl::StrFormat("%s (%d)", FormatTimeMs(message.born_time_ms), message.born_time_ms));
  field("Store time",
        absl::StrFormat("%s (%d)", FormatTimeMs(message.store_time_ms), message.store_time_ms));
  if (message.delivery_time_ms != 0) {
    field("Delivery time", absl::StrFormat("%s (%d)", FormatTimeMs(message.delivery_time_ms),
                                           message.delivery_time_ms));
  }
  field("Producer", message.producer_id == 0
                        ? std::string("- (not idempotent)")
                        : absl::StrFormat("%d sequence %d", message.producer_id, message.sequence));
  field("Body bytes", absl::StrCat(message.body.size()));
  field("Body", DisplayText(message.body));
  return out;
}

void PrintedOffsets::Record(const client::ReceivedMessage& message) {
  uint64_t& next = next_offsets_[{message.topic, message.queue_id}];
  next = std::max(next, message.offset + 1);
}

}  // namespace mq::tools::mqadmin
