#pragma once

// Building the response headers every handler needs: success, a definite or unknown failure,
// and NOT_LEADER with a leader hint.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "broker/core/controller/cluster_config.h"
#include "client/protocol/messages.h"

namespace mq::broker {

protocol::ResponseHeader Failure(protocol::ErrorCode code, std::string message, bool definite);

// NOT_LEADER for `group_id`, pointing at `leader_broker_id` (0: unknown) and its address.
// Definite: the request was not acted on.
protocol::ResponseHeader NotLeader(const ClusterConfig& config, uint64_t self_id,
                                   uint64_t group_id, uint64_t leader_broker_id);

// A Status from the code below the handlers, as a response header. Aborted means "definitely
// not done" (ProposalWaiters: replaced by a new leader); DeadlineExceeded and Unavailable are
// unknown outcomes; ResourceExhausted is a throttle (definite); InvalidArgument definite.
protocol::ResponseHeader FromStatus(const absl::Status& status);

}  // namespace mq::broker
