#pragma once

// ConsumerOptions: shared by PullConsumer and PushConsumer.
//
// Modes (protocol::ConsumeMode):
//  - kClustering: the members of `group` split the subscribed queues; the controller leader
//    assigns them (JoinGroup / SyncGroup, heartbeats in the background) and keeps the offsets.
//  - kBroadcasting: every instance reads every queue; offsets are kept per `instance`
//    (required, stable across restarts) and there is no membership.
// Start position: where a queue with no committed offset for the group (or instance) starts.
// Committed offsets are the NEXT offset to consume (last consumed + 1).

#include <cstdint>
#include <string>

#include "client/client_options.h"
#include "client/protocol/messages.h"

namespace mq::client {

enum class StartPosition : uint8_t { kEarliest = 0, kLatest = 1, kOffset = 2 };

struct ConsumerOptions {
  ClientOptions client{};
  std::string group{};
  protocol::ConsumeMode mode = protocol::ConsumeMode::kClustering;
  std::string instance{};  // broadcasting: the instance name (required)
  StartPosition start_position = StartPosition::kLatest;
  uint64_t start_offset = 0;  // with kOffset (clamped to the queue's range)
  bool auto_commit = true;
  uint32_t auto_commit_interval_ms = 1000;
  uint32_t session_timeout_ms = 10000;
  // Per fetch request (one per assigned queue).
  uint32_t fetch_messages_max = 256;
  uint32_t fetch_bytes_max = 4u << 20;
  uint32_t fetch_wait_ms_max = 500;
};

}  // namespace mq::client
