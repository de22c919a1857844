#include "client/cluster_status_merge.h"

#include <map>

namespace mq::client {
namespace {

using protocol::ClusterStatusResponse;
using protocol::GroupStatus;
using protocol::ReplicaStatus;

// The broker's own answer for `group`, if it holds a replica of it.
const GroupStatus* FindGroup(const ClusterStatusResponse& answer, uint64_t group_id) {
  for (const GroupStatus& group : answer.groups) {
    if (group.group_id == group_id) return &group;
  }
  return nullptr;
}

const ReplicaStatus* FindReplica(const GroupStatus& group, uint64_t broker_id) {
  for (const ReplicaStatus& replica : group.replicas) {
    if (replica.broker_id == broker_id) return &replica;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<ClusterStatusResponse> MergeClusterStatus(const std::vector<BrokerAnswer>& answers) {
  const ClusterStatusResponse* base = nullptr;
  std::map<uint64_t, const ClusterStatusResponse*> by_broker;
  for (const BrokerAnswer& answer : answers) {
    if (!answer.status.ok()) continue;
    by_broker[answer.broker_id] = &*answer.status;
    if (base == nullptr || answer.status->cluster_version > base->cluster_version) {
      base = &*answer.status;
    }
  }
  if (base == nullptr) {
    return absl::InvalidArgumentError("no broker answered ClusterStatus: nothing to merge");
  }
  ClusterStatusResponse merged;
  merged.cluster_id = base->cluster_id;
  merged.cluster_version = base->cluster_version;
  merged.brokers = base->brokers;
  for (protocol::BrokerStatus& broker : merged.brokers) {
    auto own = by_broker.find(broker.broker_id);
    broker.reachable = own != by_broker.end();
    if (!broker.reachable) continue;
    // A broker knows its own HTTP address for sure (the others may not have heard it yet).
    for (const protocol::BrokerStatus& self : own->second->brokers) {
      if (self.broker_id == broker.broker_id && !self.http_address.empty()) {
        broker.http_address = self.http_address;
      }
    }
  }

  // Per group: the answer of the broker that leads it (highest term), else any with the
  // highest term.
  std::map<uint64_t, std::pair<uint64_t, const GroupStatus*>> chosen;  // group -> (broker, view)
  for (const auto& [broker_id, answer] : by_broker) {
    for (const GroupStatus& group : answer->groups) {
      auto [it, inserted] = chosen.try_emplace(group.group_id, broker_id, &group);
      if (inserted) continue;
      const GroupStatus& best = *it->second.second;
      const bool leads = group.leader_broker_id == broker_id;
      const bool best_leads = best.leader_broker_id == it->second.first;
      if (group.term > best.term || (group.term == best.term && leads && !best_leads)) {
        it->second = {broker_id, &group};
      }
    }
  }
  for (const auto& [group_id, pick] : chosen) {
    GroupStatus group = *pick.second;
    for (ReplicaStatus& replica : group.replicas) {
      auto own = by_broker.find(replica.broker_id);
      if (own == by_broker.end()) continue;
      const GroupStatus* own_group = FindGroup(*own->second, group_id);
      if (own_group == nullptr) continue;
      if (const ReplicaStatus* self = FindReplica(*own_group, replica.broker_id)) {
        replica.commit_index = self->commit_index;
        replica.applied_index = self->applied_index;
      }
    }
    merged.groups.push_back(std::move(group));
  }
  return merged;
}

}  // namespace mq::client
