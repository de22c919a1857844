// clusterList over mq_client (the output formats are in cluster_format.h).

#include <memory>

#include "client/admin.h"
#include "tools/mqadmin/client_flags.h"
#include "tools/mqadmin/cluster_format.h"
#include "tools/mqadmin/commands.h"

namespace mq::tools::mqadmin {
namespace {

absl::Status RunClusterList(const ParsedFlags& flags, CommandIo& io) {
  absl::StatusOr<std::unique_ptr<client::Admin>> admin = AdminFromFlags(flags);
  if (!admin.ok()) return admin.status();
  absl::StatusOr<protocol::ClusterStatusResponse> status = (*admin)->ClusterStatus();
  if (!status.ok()) return status.status();
  if (flags.GetSwitch("json")) {
    io.out << ClusterListJson(*status) << "\n";
  } else {
    io.out << ClusterListTable(*status);
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> ClusterCommands() {
  return {{
      .name = "clusterList",
      .summary = "brokers, Raft groups, leaders, terms, commit/applied index, replica lag",
      .description =
          "Asks any reachable broker for the cluster's status: every broker (address, whether\n"
          "it answers), and every Raft group (0 = controller, 1.. = data groups) with its\n"
          "leader, term, commit and applied index, and per replica its role, match index and\n"
          "lag in entries. LEADER '-' (JSON leader_broker_id 0) means no leader is known.\n"
          "--json prints one compact object: "
          "{\"cluster_id\",\"cluster_version\",\"brokers\":[..],\n"
          "\"groups\":[{\"group_id\",\"leader_broker_id\",\"term\",\"commit_index\",\n"
          "\"applied_index\",\"replicas\":[{\"broker_id\",\"role\",\"match_index\",\"lag_entries\"}"
          "]}]}.",
      .flags = {},
      .run = RunClusterList,
  }};
}

}  // namespace mq::tools::mqadmin
