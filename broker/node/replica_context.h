#pragma once

// What every replica adapter of this broker shares: who we are, the static cluster layout,
// the leader table sessions read, and the tick length.

#include <cstdint>

#include "broker/core/controller/cluster_config.h"
#include "broker/node/leader_table.h"

namespace mq::broker {

struct ReplicaContext {
  uint64_t self_id = 0;
  const ClusterConfig* config = nullptr;
  LeaderTable* leaders = nullptr;
  uint32_t tick_ms = 50;

  uint64_t MsToTicks(uint64_t ms) const { return (ms + tick_ms - 1) / tick_ms; }
};

}  // namespace mq::broker
