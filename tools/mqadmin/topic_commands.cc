// updateTopic, deleteTopic, topicList, topicStatus over mq_client (the flag handling and output
// formats are in topic_format.h).

#include <memory>

#include "client/admin.h"
#include "tools/mqadmin/client_flags.h"
#include "tools/mqadmin/commands.h"
#include "tools/mqadmin/topic_format.h"

namespace mq::tools::mqadmin {
namespace {

absl::Status RunUpdateTopic(const ParsedFlags& flags, CommandIo& io) {
  absl::StatusOr<protocol::CreateTopicRequest> request = CreateTopicRequestFromFlags(flags);
  if (!request.ok()) return request.status();
  absl::StatusOr<std::unique_ptr<client::Admin>> admin = AdminFromFlags(flags);
  if (!admin.ok()) return admin.status();
  absl::StatusOr<uint64_t> version = (*admin)->CreateTopic(*request);
  if (!version.ok()) return version.status();
  if (flags.GetSwitch("json")) {
    io.out << TopicChangeJson(request->name, *version) << "\n";
  } else {
    io.out << TopicChangeText("created or unchanged", request->name, *version);
  }
  return absl::OkStatus();
}

absl::Status RunDeleteTopic(const ParsedFlags& flags, CommandIo& io) {
  const std::string topic = flags.Get("topic");
  if (topic.empty()) return UsageError("--topic: must not be empty");
  absl::StatusOr<std::unique_ptr<client::Admin>> admin = AdminFromFlags(flags);
  if (!admin.ok()) return admin.status();
  absl::StatusOr<uint64_t> version = (*admin)->DeleteTopic(topic);
  if (!version.ok()) return version.status();
  if (flags.GetSwitch("json")) {
    io.out << TopicChangeJson(topic, *version) << "\n";
  } else {
    io.out << TopicChangeText("deleted", topic, *version);
  }
  return absl::OkStatus();
}

absl::Status RunTopicList(const ParsedFlags& flags, CommandIo& io) {
  absl::StatusOr<std::unique_ptr<client::Admin>> admin = AdminFromFlags(flags);
  if (!admin.ok()) return admin.status();
  absl::StatusOr<protocol::MetadataResponse> metadata = (*admin)->Metadata();
  if (!metadata.ok()) return metadata.status();
  if (flags.GetSwitch("json")) {
    io.out << TopicListJson(*metadata) << "\n";
  } else {
    io.out << TopicListTable(*metadata);
  }
  return absl::OkStatus();
}

absl::Status RunTopicStatus(const ParsedFlags& flags, CommandIo& io) {
  const std::string topic = flags.Get("topic");
  if (topic.empty()) return UsageError("--topic: must not be empty");
  absl::StatusOr<std::unique_ptr<client::Admin>> admin = AdminFromFlags(flags);
  if (!admin.ok()) return admin.status();
  absl::StatusOr<std::vector<protocol::QueueOffsetRange>> queues = (*admin)->ListOffsets(topic);
  if (!queues.ok()) return queues.status();
  if (flags.GetSwitch("json")) {
    io.out << TopicStatusJson(topic, *queues) << "\n";
  } else {
    io.out << TopicStatusTable(topic, *queues);
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> TopicCommands() {
  return {
      {.name = "updateTopic",
       .summary = "create a topic (or confirm an identical one exists)",
       .description =
           "Creates --topic with --queues queues of message type --type. Running it again with\n"
           "the same definition succeeds and changes nothing; a different definition of an\n"
           "existing topic is refused (ALREADY_EXISTS). Prints the cluster version after the\n"
           "change; --json: {\"topic\",\"cluster_version\"}.",
       .flags = UpdateTopicFlags(),
       .run = RunUpdateTopic},
      {.name = "deleteTopic",
       .summary = "delete a topic",
       .description = "Deletes --topic. --json: {\"topic\",\"cluster_version\"}.",
       .flags = DeleteTopicFlags(),
       .run = RunDeleteTopic},
      {.name = "topicList",
       .summary = "every topic: type, queue count, retention, data groups",
       .description = "Lists every topic, sorted by name. --json: "
                      "{\"cluster_version\",\"topics\":[{\"topic\",\n"
                      "\"message_type\",\"queue_count\",\"retention_ms\",\"retention_bytes\",\n"
                      "\"queues\":[{\"queue\",\"group_id\"}]}]}.",
       .flags = TopicListFlags(),
       .run = RunTopicList},
      {.name = "topicStatus",
       .summary = "per queue: min/max offset and last store time",
       .description =
           "For every queue of --topic, asks its data group's leader for the first offset still\n"
           "stored (MIN_OFFSET), one past the last (MAX_OFFSET) and the store time of the last\n"
           "message. A queue whose leader could not answer shows its error code.\n"
           "--json: {\"topic\",\"queues\":[{\"queue\",\"min_offset\",\"max_offset\",\n"
           "\"last_store_time_ms\",\"error\"}]}.",
       .flags = TopicStatusFlags(),
       .run = RunTopicStatus},
  };
}

}  // namespace mq::tools::mqadmin
