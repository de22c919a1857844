#include "tools/mqadmin/cluster_format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/mqadmin/json_writer.h"
#include "tools/mqadmin/table.h"
#include "tools/mqadmin/text.h"

namespace mq::tools::mqadmin {

std::string ClusterListJson(const protocol::ClusterStatusResponse& status) {
  JsonWriter w;
  w.BeginObject();
  w.StringField("cluster_id", status.cluster_id);
  w.UintField("cluster_version", status.cluster_version);
  w.Key("brokers").BeginArray();
  for (const protocol::BrokerStatus& broker : status.brokers) {
    w.BeginObject()
        .UintField("broker_id", broker.broker_id)
        .StringField("address", broker.address)
        .StringField("http_address", broker.http_address)
        .BoolField("reachable", broker.reachable)
        .EndObject();
  }
  w.EndArray();
  w.Key("groups").BeginArray();
  for (const protocol::GroupStatus& group : status.groups) {
    w.BeginObject()
        .UintField("group_id", group.group_id)
        .UintField("leader_broker_id", group.leader_broker_id)
        .UintField("term", group.term)
        .UintField("commit_index", group.commit_index)
        .UintField("applied_index", group.applied_index);
    w.Key("replicas").BeginArray();
    for (const protocol::ReplicaStatus& replica : group.replicas) {
      w.BeginObject()
          .UintField("broker_id", replica.broker_id)
          .StringField("role", protocol::ReplicaRoleName(replica.role))
          .UintField("match_index", replica.match_index)
          .UintField("lag_entries", replica.lag_entries)
          .EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return w.str();
}

std::string ClusterListTable(const protocol::ClusterStatusResponse& status) {
  std::string out = absl::StrFormat("Cluster %s (version %d)\n\n", DisplayText(status.cluster_id),
                                    status.cluster_version);
  Table brokers({{"BROKER", Align::kRight}, {"ADDRESS"}, {"HTTP"}, {"REACHABLE"}});
  for (const protocol::BrokerStatus& broker : status.brokers) {
    brokers.AddRow({absl::StrCat(broker.broker_id), DisplayText(broker.address),
                    DisplayText(broker.http_address), broker.reachable ? "yes" : "no"});
  }
  out += brokers.Render();
  out += "\n";
  // One row per replica; the leader's row is marked "*". Group 0 is the controller.
  Table groups({{"GROUP", Align::kRight},
                {"LEADER", Align::kRight},
                {"TERM", Align::kRight},
                {"COMMIT", Align::kRight},
                {"APPLIED", Align::kRight},
                {"REPLICA", Align::kRight},
                {"ROLE"},
                {"MATCH", Align::kRight},
                {"LAG", Align::kRight}});
  for (const protocol::GroupStatus& group : status.groups) {
    const std::string leader =
        group.leader_broker_id == 0 ? "-" : absl::StrCat(group.leader_broker_id);
    const std::vector<std::string> group_cells = {
        absl::StrCat(group.group_id), leader, absl::StrCat(group.term),
        absl::StrCat(group.commit_index), absl::StrCat(group.applied_index)};
    if (group.replicas.empty()) {
      groups.AddRow(group_cells);
      continue;
    }
    for (const protocol::ReplicaStatus& replica : group.replicas) {
      std::vector<std::string> row = group_cells;
      const bool is_leader = replica.broker_id == group.leader_broker_id;
      row.push_back(absl::StrCat(is_leader ? "*" : "", replica.broker_id));
      row.push_back(protocol::ReplicaRoleName(replica.role));
      row.push_back(absl::StrCat(replica.match_index));
      row.push_back(absl::StrCat(replica.lag_entries));
      groups.AddRow(std::move(row));
    }
  }
  out += groups.Render();
  return out;
}

}  // namespace mq::tools::mqadmin
