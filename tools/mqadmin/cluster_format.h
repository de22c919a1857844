#pragma once

// The pure part of `mqadmin clusterList`: a ClusterStatusResponse as a table or as the compact
// JSON object of the scriptable contract (docs/mqadmin.md):
//
//   {"cluster_id":"c","cluster_version":7,
//    "brokers":[{"broker_id":1,"address":"h:p","http_address":"h:p","reachable":true}],
//    "groups":[{"group_id":0,"leader_broker_id":1,"term":3,"commit_index":9,"applied_index":9,
//               "replicas":[{"broker_id":1,"role":"VOTER","match_index":9,"lag_entries":0}]}]}
//
// (one line, no spaces). leader_broker_id 0 = no leader known: tools/cluster.sh greps
// `"leader_broker_id":0` to wait for elections, so the key and the compact form are fixed.

#include <string>

#include "client/protocol/messages.h"

namespace mq::tools::mqadmin {

std::string ClusterListJson(const protocol::ClusterStatusResponse& status);
std::string ClusterListTable(const protocol::ClusterStatusResponse& status);

}  // namespace mq::tools::mqadmin
