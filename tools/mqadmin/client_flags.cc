#include "tools/mqadmin/client_flags.h"

#include <algorithm>

#include "tools/mqadmin/command.h"
#include "tools/mqadmin/commands.h"

namespace mq::tools::mqadmin {

absl::StatusOr<client::ClientOptions> ClientOptionsFromFlags(const ParsedFlags& flags) {
  client::ClientOptions options;
  options.servers = flags.Get("servers", kDefaultServers);
  if (absl::StatusOr<std::vector<std::string>> servers = client::ParseServers(options.servers);
      !servers.ok()) {
    return UsageError("--servers: " + std::string(servers.status().message()));
  }
  absl::StatusOr<uint32_t> deadline_ms = flags.GetUint32("deadline-ms", kDefaultDeadlineMs);
  if (!deadline_ms.ok()) return AsUsageError(deadline_ms.status());
  if (*deadline_ms == 0) return UsageError("--deadline-ms: must be at least 1");
  options.deadline_ms = *deadline_ms;
  options.connect_timeout_ms = std::min(options.connect_timeout_ms, *deadline_ms);
  options.request_timeout_ms = std::min(options.request_timeout_ms, *deadline_ms);
  return options;
}

absl::StatusOr<std::unique_ptr<client::Admin>> AdminFromFlags(const ParsedFlags& flags) {
  absl::StatusOr<client::ClientOptions> options = ClientOptionsFromFlags(flags);
  if (!options.ok()) return options.status();
  return client::Admin::Create(*options);
}

std::vector<Command> AllCommands() {
  std::vector<Command> all;
  for (auto group : {ClusterCommands, TopicCommands, GroupCommands, MessageCommands}) {
    for (Command& command : group()) all.push_back(std::move(command));
  }
  return all;
}

}  // namespace mq::tools::mqadmin
