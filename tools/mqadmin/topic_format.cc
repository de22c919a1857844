#include "tools/mqadmin/topic_format.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/protocol/limits.h"
#include "tools/mqadmin/command.h"
#include "tools/mqadmin/json_writer.h"
#include "tools/mqadmin/table.h"
#include "tools/mqadmin/text.h"

namespace mq::tools::mqadmin {
namespace {

constexpr uint64_t kMsPerHour = 3600ull * 1000;

std::string RetentionText(uint64_t retention_ms) {
  if (retention_ms == 0) return "default";
  if (retention_ms % kMsPerHour == 0) return absl::StrCat(retention_ms / kMsPerHour, "h");
  return absl::StrCat(retention_ms, "ms");
}

std::string GroupsOf(const protocol::TopicInfo& topic) {
  std::vector<uint64_t> groups;
  for (const protocol::QueueInfo& queue : topic.queues) groups.push_back(queue.group_id);
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  std::string out;
  for (uint64_t group : groups) absl::StrAppend(&out, out.empty() ? "" : ",", group);
  return out.empty() ? "-" : out;
}

std::vector<const protocol::TopicInfo*> SortedTopics(const protocol::MetadataResponse& metadata) {
  std::vector<const protocol::TopicInfo*> topics;
  for (const protocol::TopicInfo& topic : metadata.topics) topics.push_back(&topic);
  std::sort(topics.begin(), topics.end(),
            [](const auto* a, const auto* b) { return a->name < b->name; });
  return topics;
}

}  // namespace

std::vector<FlagSpec> UpdateTopicFlags() {
  return {
      {.name = "topic",
       .value_name = "NAME",
       .help = "topic to create or update",
       .required = true},
      {.name = "queues", .value_name = "N", .help = "queue count, 1..1024 (default 8)"},
      {.name = "type",
       .value_name = "TYPE",
       .help = "NORMAL | FIFO | DELAY | TRANSACTION (default NORMAL)"},
      {.name = "retention-hours",
       .value_name = "H",
       .help = "keep messages H hours (default 0: the broker's default)"},
      {.name = "retention-bytes",
       .value_name = "BYTES",
       .help = "keep at most BYTES per queue's group log (default 0: the broker's default)"},
  };
}

std::vector<FlagSpec> DeleteTopicFlags() {
  return {{.name = "topic", .value_name = "NAME", .help = "topic to delete", .required = true}};
}

std::vector<FlagSpec> TopicListFlags() { return {}; }

std::vector<FlagSpec> TopicStatusFlags() {
  return {{.name = "topic", .value_name = "NAME", .help = "topic to inspect", .required = true}};
}

absl::StatusOr<protocol::MessageType> ParseMessageType(std::string_view text) {
  const std::string upper = absl::AsciiStrToUpper(std::string(text));
  for (auto type : {protocol::MessageType::kNormal, protocol::MessageType::kFifo,
                    protocol::MessageType::kDelay, protocol::MessageType::kTransaction}) {
    if (protocol::MessageTypeName(type) == upper) return type;
  }
  return UsageError(
      absl::StrFormat("--type: expected NORMAL, FIFO, DELAY or TRANSACTION, got '%s'", text));
}

absl::StatusOr<protocol::CreateTopicRequest> CreateTopicRequestFromFlags(const ParsedFlags& flags) {
  protocol::CreateTopicRequest request;
  request.name = flags.Get("topic");
  if (request.name.empty()) return UsageError("--topic: must not be empty");
  absl::StatusOr<uint32_t> queues = flags.GetUint32("queues", kDefaultQueueCount);
  if (!queues.ok()) return AsUsageError(queues.status());
  const uint64_t queues_max = protocol::ProtocolLimits().queues_per_topic_max;
  if (*queues == 0 || *queues > queues_max) {
    return UsageError(absl::StrFormat("--queues: expected 1 to %d, got %d", queues_max, *queues));
  }
  request.queue_count = *queues;
  if (flags.Has("type")) {
    absl::StatusOr<protocol::MessageType> type = ParseMessageType(flags.Get("type"));
    if (!type.ok()) return type.status();
    request.message_type = *type;
  }
  absl::StatusOr<uint64_t> hours = flags.GetUint64("retention-hours", 0);
  if (!hours.ok()) return AsUsageError(hours.status());
  if (*hours > UINT64_MAX / kMsPerHour) {
    return UsageError(absl::StrFormat("--retention-hours: %d is too large", *hours));
  }
  request.retention_ms = *hours * kMsPerHour;
  absl::StatusOr<uint64_t> bytes = flags.GetUint64("retention-bytes", 0);
  if (!bytes.ok()) return AsUsageError(bytes.status());
  request.retention_bytes = *bytes;
  return request;
}

std::string TopicChangeJson(std::string_view topic, uint64_t cluster_version) {
  JsonWriter w;
  w.BeginObject().StringField("topic", topic).UintField("cluster_version", cluster_version);
  w.EndObject();
  return w.str();
}

std::string TopicChangeText(std::string_view verb, std::string_view topic,
                            uint64_t cluster_version) {
  return absl::StrFormat("topic %s %s (cluster version %d)\n", DisplayText(topic), verb,
                         cluster_version);
}

std::string TopicListJson(const protocol::MetadataResponse& metadata) {
  JsonWriter w;
  w.BeginObject().UintField("cluster_version", metadata.cluster_version);
  w.Key("topics").BeginArray();
  for (const protocol::TopicInfo* topic : SortedTopics(metadata)) {
    w.BeginObject()
        .StringField("topic", topic->name)
        .StringField("message_type", protocol::MessageTypeName(topic->message_type))
        .UintField("queue_count", topic->queue_count)
        .UintField("retention_ms", topic->retention_ms)
        .UintField("retention_bytes", topic->retention_bytes);
    w.Key("queues").BeginArray();
    for (const protocol::QueueInfo& queue : topic->queues) {
      w.BeginObject().UintField("queue", queue.queue_id).UintField("group_id", queue.group_id);
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return w.str();
}

std::string TopicListTable(const protocol::MetadataResponse& metadata) {
  Table table({{"TOPIC"},
               {"TYPE"},
               {"QUEUES", Align::kRight},
               {"RETENTION", Align::kRight},
               {"RETENTION_BYTES", Align::kRight},
               {"GROUPS"}});
  for (const protocol::TopicInfo* topic : SortedTopics(metadata)) {
    table.AddRow({DisplayText(topic->name), protocol::MessageTypeName(topic->message_type),
                  absl::StrCat(topic->queue_count), RetentionText(topic->retention_ms),
                  topic->retention_bytes == 0 ? "default" : absl::StrCat(topic->retention_bytes),
                  GroupsOf(*topic)});
  }
  return table.Render();
}

std::string TopicStatusJson(std::string_view topic,
                            const std::vector<protocol::QueueOffsetRange>& queues) {
  JsonWriter w;
  w.BeginObject().StringField("topic", topic).Key("queues").BeginArray();
  for (const protocol::QueueOffsetRange& queue : queues) {
    w.BeginObject()
        .UintField("queue", queue.queue_id)
        .UintField("min_offset", queue.min_offset)
        .UintField("max_offset", queue.max_offset)
        .UintField("last_store_time_ms", queue.last_store_time_ms)
        .StringField("error", protocol::ErrorCodeName(queue.error_code))
        .EndObject();
  }
  w.EndArray().EndObject();
  return w.str();
}

std::string TopicStatusTable(std::string_view topic,
                             const std::vector<protocol::QueueOffsetRange>& queues) {
  Table table({{"TOPIC"},
               {"QUEUE", Align::kRight},
               {"MIN_OFFSET", Align::kRight},
               {"MAX_OFFSET", Align::kRight},
               {"LAST_STORE_TIME"},
               {"ERROR"}});
  for (const protocol::QueueOffsetRange& queue : queues) {
    const bool ok = queue.error_code == protocol::ErrorCode::kOk;
    table.AddRow({DisplayText(topic), absl::StrCat(queue.queue_id),
                  ok ? absl::StrCat(queue.min_offset) : "-",
                  ok ? absl::StrCat(queue.max_offset) : "-",
                  ok ? FormatTimeMs(queue.last_store_time_ms) : "-",
                  ok ? "" : protocol::ErrorCodeName(queue.error_code)});
  }
  return table.Render();
}

}  // namespace mq::tools::mqadmin
