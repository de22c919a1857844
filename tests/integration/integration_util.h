#pragma once

// Shared steps of the integration tests: wait for a cluster to elect, create topics, find a
// group's leader, consume everything a group can see.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "client/admin.h"
#include "client/pull_consumer.h"
#include "client/received_message.h"

namespace mq::testing {

// Until every group has a leader known to the brokers (or `timeout_ms`).
[[nodiscard]] absl::Status WaitForLeaders(client::Admin& admin, uint32_t timeout_ms = 30000);
[[nodiscard]] absl::Status CreateTopic(client::Admin& admin, const std::string& name,
                                       uint32_t queues);
// The leader broker of `group_id` as metadata says (0: none).
uint64_t LeaderOf(client::Admin& admin, uint64_t group_id);

using QueueKey = std::tuple<std::string, uint32_t>;

// Polls `consumer` until it has `expected` messages or `idle_ms` pass with nothing new.
std::vector<client::ReceivedMessage> ConsumeAll(client::PullConsumer& consumer, size_t expected,
                                                uint32_t idle_ms = 5000);

}  // namespace mq::testing
