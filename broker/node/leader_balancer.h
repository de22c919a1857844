#pragma once

// Leader balancing: each group has a preferred leader (cluster_config.h spreads them over the
// brokers so every broker takes writes). A leader that is not the preferred one hands over
// leadership once the preferred replica is caught up (matches the whole log), e.g. after it
// restarted; until then it keeps leading.

#include <cstdint>

#include "broker/node/replica_context.h"
#include "raft/durable/driver.h"

namespace mq::broker {

// Call once per tick on the group's strand; checks every kBalanceIntervalTicks.
void MaybeBalanceLeader(raft::Driver& driver, const ReplicaContext& context, uint64_t group_id,
                        uint64_t now_tick);

}  // namespace mq::broker
