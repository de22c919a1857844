#pragma once

// ClusterView: an immutable picture of the controller's metadata at one cluster_version, for
// every thread of a broker. ControllerState builds a new one after each metadata change and
// hands it out as std::shared_ptr<const ClusterView>; holders keep the version they read for
// as long as they like, and never see it change under them.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/protocol/messages.h"

namespace mq::broker {

struct ClusterView {
  // Bumped by every metadata change (topics, subscription groups); 0 before the first.
  uint64_t cluster_version = 0;
  // By name. Each TopicInfo has error_code kOk and queues[q] = {q, data group of q}.
  std::map<std::string, protocol::TopicInfo, std::less<>> topics{};
  // Subscription groups by name.
  std::map<std::string, protocol::SubGroupConfig, std::less<>> sub_groups{};

  const protocol::TopicInfo* FindTopic(std::string_view name) const;
  const protocol::SubGroupConfig* FindSubGroup(std::string_view name) const;

  bool operator==(const ClusterView&) const = default;
};

// The data group holding (topic, queue_id); nullopt when the topic is unknown or has no such
// queue (FindTopic tells which).
std::optional<uint64_t> FindQueueGroup(const ClusterView& view, std::string_view topic,
                                       uint32_t queue_id);

// The queues of `group_id` across all topics, sorted by (topic, queue): what a data group
// serves.
std::vector<protocol::QueueRef> QueuesOfGroup(const ClusterView& view, uint64_t group_id);

// The configuration a subscription group gets when it is created on first use (a consumer
// joins, or commits, for a group nobody created): the protocol defaults, no subscriptions.
// The glue proposes it as an UpdateSubGroup before the Join or CommitOffsets.
protocol::SubGroupConfig DefaultSubGroupConfig(std::string_view name, protocol::ConsumeMode mode);

}  // namespace mq::broker
