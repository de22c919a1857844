// updateSubGroup, deleteSubGroup, consumerProgress over mq_client (the flag handling and output
// formats are in group_format.h).

#include <memory>

#include "client/admin.h"
#include "tools/mqadmin/client_flags.h"
#include "tools/mqadmin/commands.h"
#include "tools/mqadmin/group_format.h"

namespace mq::tools::mqadmin {
namespace {

absl::Status RunUpdateSubGroup(const ParsedFlags& flags, CommandIo& io) {
  absl::StatusOr<protocol::SubGroupConfig> config = SubGroupConfigFromFlags(flags);
  if (!config.ok()) return config.status();
  absl::StatusOr<std::unique_ptr<client::Admin>> admin = AdminFromFlags(flags);
  if (!admin.ok()) return admin.status();
  absl::StatusOr<uint64_t> version = (*admin)->UpdateSubGroup(*config);
  if (!version.ok()) return version.status();
  if (flags.GetSwitch("json")) {
    io.out << GroupChangeJson(config->name, *version) << "\n";
  } else {
    io.out << GroupChangeText("updated", config->name, *version);
  }
  return absl::OkStatus();
}

absl::Status RunDeleteSubGroup(const ParsedFlags& flags, CommandIo& io) {
  const std::string group = flags.Get("group");
  if (group.empty()) return UsageError("--group: must not be empty");
  absl::StatusOr<std::unique_ptr<client::Admin>> admin = AdminFromFlags(flags);
  if (!admin.ok()) return admin.status();
  absl::StatusOr<uint64_t> version = (*admin)->DeleteSubGroup(group);
  if (!version.ok()) return version.status();
  if (flags.GetSwitch("json")) {
    io.out << GroupChangeJson(group, *version) << "\n";
  } else {
    io.out << GroupChangeText("deleted", group, *version);
  }
  return absl::OkStatus();
}

absl::Status RunConsumerProgress(const ParsedFlags& flags, CommandIo& io) {
  const std::string group = flags.Get("group");
  if (group.empty()) return UsageError("--group: must not be empty");
  absl::StatusOr<std::unique_ptr<client::Admin>> admin = AdminFromFlags(flags);
  if (!admin.ok()) return admin.status();
  absl::StatusOr<protocol::ConsumerProgressResponse> progress = (*admin)->ConsumerProgress(group);
  if (!progress.ok()) return progress.status();
  if (flags.GetSwitch("json")) {
    io.out << ConsumerProgressJson(group, *progress) << "\n";
  } else {
    io.out << ConsumerProgressTable(group, *progress);
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> GroupCommands() {
  return {
      {.name = "updateSubGroup",
       .summary = "create or update a consumer (subscription) group",
       .description =
           "Creates --group or replaces its configuration: mode, subscriptions, retries.\n"
           "--json: {\"group\",\"cluster_version\"}.",
       .flags = UpdateSubGroupFlags(),
       .run = RunUpdateSubGroup},
      {.name = "deleteSubGroup",
       .summary = "delete a consumer group and its committed offsets",
       .description = "Deletes --group. --json: {\"group\",\"cluster_version\"}.",
       .flags = DeleteSubGroupFlags(),
       .run = RunDeleteSubGroup},
      {.name = "consumerProgress",
       .summary = "per queue: broker offset, consumer offset, lag, member",
       .description =
           "Shows the group's mode, generation and members, and for every queue it consumes the\n"
           "broker offset (one past the last stored message), the committed consumer offset\n"
           "(the next one to consume; '-' / null if none), the lag and the member that owns it.\n"
           "--json: {\"group\",\"mode\",\"generation\",\"total_lag\",\"members\":[{\"member_id\",\n"
           "\"client_id\",\"instance\",\"assignment\":[{\"topic\",\"queue\"}]}],\"queues\":[{"
           "\"topic\",\n"
           "\"queue\",\"broker_offset\",\"consumer_offset\",\"lag\",\"member\"}]}.",
       .flags = ConsumerProgressFlags(),
       .run = RunConsumerProgress},
  };
}

}  // namespace mq::tools::mqadmin
