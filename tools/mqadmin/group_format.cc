#include "tools/mqadmin/group_format.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "client/protocol/limits.h"
#include "tools/mqadmin/command.h"
#include "tools/mqadmin/json_writer.h"
#include "tools/mqadmin/table.h"
#include "tools/mqadmin/text.h"

namespace mq::tools::mqadmin {

std::vector<FlagSpec> UpdateSubGroupFlags() {
  return {
      {.name = "group",
       .value_name = "NAME",
       .help = "consumer group to create or update",
       .required = true},
      {.name = "mode",
       .value_name = "MODE",
       .help = "clustering | broadcasting (default clustering)"},
      {.name = "subscription",
       .kind = FlagKind::kRepeated,
       .value_name = "TOPIC[=EXPR]",
       .help = "subscribe to TOPIC with tag expression EXPR ('*' or 'a || b'; default '*')"},
      {.name = "max-retries",
       .value_name = "N",
       .help = "deliveries before a message goes to the dead-letter queue (default 16, max 64)"},
      {.name = "retry-backoff-ms",
       .value_name = "MS[,MS...]",
       .help = "back-off per retry (default: the broker's ladder)"},
      {.name = "fifo", .kind = FlagKind::kSwitch, .help = "consume each queue in order (FIFO)"},
  };
}

std::vector<FlagSpec> DeleteSubGroupFlags() {
  return {{.name = "group",
           .value_name = "NAME",
           .help = "consumer group to delete",
           .required = true}};
}

std::vector<FlagSpec> ConsumerProgressFlags() {
  return {{.name = "group",
           .value_name = "NAME",
           .help = "consumer group to inspect",
           .required = true}};
}

absl::StatusOr<protocol::ConsumeMode> ParseConsumeMode(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower == "clustering") return protocol::ConsumeMode::kClustering;
  if (lower == "broadcasting") return protocol::ConsumeMode::kBroadcasting;
  return UsageError(absl::StrFormat("--mode: expected clustering or broadcasting, got '%s'", text));
}

absl::StatusOr<protocol::SubGroupConfig> SubGroupConfigFromFlags(const ParsedFlags& flags) {
  const protocol::ProtocolLimits limits;
  protocol::SubGroupConfig config;
  config.name = flags.Get("group");
  if (config.name.empty()) return UsageError("--group: must not be empty");
  if (flags.Has("mode")) {
    absl::StatusOr<protocol::ConsumeMode> mode = ParseConsumeMode(flags.Get("mode"));
    if (!mode.ok()) return mode.status();
    config.mode = *mode;
  }
  for (const std::string& item : flags.GetAll("subscription")) {
    protocol::Subscription subscription;
    const size_t eq = item.find('=');
    subscription.topic = item.substr(0, eq);
    subscription.tag_expression = eq == std::string::npos ? "*" : item.substr(eq + 1);
    if (subscription.topic.empty()) {
      return UsageError(
          absl::StrFormat("--subscription: expected TOPIC[=TAG_EXPRESSION], got '%s'", item));
    }
    config.subscriptions.push_back(std::move(subscription));
  }
  absl::StatusOr<uint32_t> retries = flags.GetUint32("max-retries", protocol::kDefaultMaxRetries);
  if (!retries.ok()) return AsUsageError(retries.status());
  if (*retries > limits.max_retries_max) {
    return UsageError(
        absl::StrFormat("--max-retries: at most %d, got %d", limits.max_retries_max, *retries));
  }
  config.max_retries = *retries;
  if (flags.Has("retry-backoff-ms")) {
    const std::string list = flags.Get("retry-backoff-ms");
    for (absl::string_view step : absl::StrSplit(list, ',')) {
      std::optional<uint64_t> ms = ParseDecimalUint64(std::string_view(step.data(), step.size()));
      if (!ms || *ms == 0 || *ms > UINT32_MAX) {
        return UsageError(absl::StrFormat(
            "--retry-backoff-ms: expected positive milliseconds MS[,MS...], got '%s'", list));
      }
      config.retry_backoff_ms.push_back(static_cast<uint32_t>(*ms));
    }
    if (config.retry_backoff_ms.size() > limits.retry_backoff_steps_max) {
      return UsageError(
          absl::StrFormat("--retry-backoff-ms: at most %d steps", limits.retry_backoff_steps_max));
    }
  }
  config.fifo = flags.GetSwitch("fifo");
  return config;
}

std::string GroupChangeJson(std::string_view group, uint64_t cluster_version) {
  JsonWriter w;
  w.BeginObject().StringField("group", group).UintField("cluster_version", cluster_version);
  w.EndObject();
  return w.str();
}

std::string GroupChangeText(std::string_view verb, std::string_view group,
                            uint64_t cluster_version) {
  return absl::StrFormat("consumer group %s %s (cluster version %d)\n", DisplayText(group), verb,
                         cluster_version);
}

uint64_t QueueLag(const protocol::QueueProgress& queue) {
  if (queue.consumer_offset == protocol::kNoOffset) return queue.broker_offset;
  return queue.broker_offset > queue.consumer_offset ? queue.broker_offset - queue.consumer_offset
                                                     : 0;
}

std::string ConsumerProgressJson(std::string_view group,
                                 const protocol::ConsumerProgressResponse& progress) {
  uint64_t total_lag = 0;
  for (const protocol::QueueProgress& queue : progress.queues) total_lag += QueueLag(queue);
  JsonWriter w;
  w.BeginObject()
      .StringField("group", group)
      .StringField("mode", protocol::ConsumeModeName(progress.config.mode))
      .UintField("generation", progress.generation)
      .UintField("total_lag", total_lag);
  w.Key("members").BeginArray();
  for (const protocol::MemberInfo& member : progress.members) {
    w.BeginObject()
        .StringField("member_id", member.member_id)
        .StringField("client_id", member.client_id)
        .StringField("instance", member.instance);
    w.Key("assignment").BeginArray();
    for (const protocol::QueueRef& queue : member.assignment) {
      w.BeginObject().StringField("topic", queue.topic).UintField("queue", queue.queue_id);
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Key("queues").BeginArray();
  for (const protocol::QueueProgress& queue : progress.queues) {
    w.BeginObject()
        .StringField("topic", queue.topic)
        .UintField("queue", queue.queue_id)
        .UintField("broker_offset", queue.broker_offset)
        .Key("consumer_offset");
    if (queue.consumer_offset == protocol::kNoOffset) {
      w.Null();
    } else {
      w.Uint(queue.consumer_offset);
    }
    w.UintField("lag", QueueLag(queue)).StringField("member", queue.member_id).EndObject();
  }
  w.EndArray().EndObject();
  return w.str();
}

std::string ConsumerProgressTable(std::string_view group,
                                  const protocol::ConsumerProgressResponse& progress) {
  uint64_t total_lag = 0;
  for (const protocol::QueueProgress& queue : progress.queues) total_lag += QueueLag(queue);
  std::string out =
      absl::StrFormat("Group %s  mode %s  generation %d  members %d  total lag %d\n\n",
                      DisplayText(group), protocol::ConsumeModeName(progress.config.mode),
                      progress.generation, progress.members.size(), total_lag);
  Table table({{"TOPIC"},
               {"QUEUE", Align::kRight},
               {"BROKER_OFFSET", Align::kRight},
               {"CONSUMER_OFFSET", Align::kRight},
               {"LAG", Align::kRight},
               {"MEMBER"}});
  for (const protocol::QueueProgress& queue : progress.queues) {
    table.AddRow(
        {DisplayText(queue.topic), absl::StrCat(queue.queue_id), absl::StrCat(queue.broker_offset),
         queue.consumer_offset == protocol::kNoOffset ? "-" : absl::StrCat(queue.consumer_offset),
         absl::StrCat(QueueLag(queue)),
         queue.member_id.empty() ? "-" : DisplayText(queue.member_id)});
  }
  out += table.Render();
  return out;
}

}  // namespace mq::tools::mqadmin
