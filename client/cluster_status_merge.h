#pragma once

// MergeClusterStatus: one cluster-wide picture out of every broker's own ClusterStatus.
//
// A broker answers ClusterStatus from its local replicas: it knows the match index (and so the
// lag) of every replica only for the groups it leads, and the commit/applied indexes only of
// its own replicas. Asking every broker and merging gives, per group, the view of the broker
// that leads it (highest term wins if two claim it) for leader, term, indexes and every
// replica's match and lag, and each replica's own commit/applied from its broker's answer.
// A broker that did not answer is reported unreachable; its replicas keep zeros for what only
// it could tell. Each broker's HTTP address is the one it gives for itself.
//
// Plain function; no I/O.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "client/protocol/messages.h"

namespace mq::client {

struct BrokerAnswer {
  uint64_t broker_id = 0;
  absl::StatusOr<protocol::ClusterStatusResponse> status;
};

// `answers` holds one entry per broker asked; at least one must be OK (InvalidArgument
// otherwise: there is nothing to merge). The broker list comes from the first OK answer with
// the highest cluster version.
[[nodiscard]] absl::StatusOr<protocol::ClusterStatusResponse> MergeClusterStatus(
    const std::vector<BrokerAnswer>& answers);

}  // namespace mq::client
