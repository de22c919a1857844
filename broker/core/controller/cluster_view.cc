#include "broker/core/controller/cluster_view.h"

namespace mq::broker {

const protocol::TopicInfo* ClusterView::FindTopic(std::string_view name) const {
  auto it = topics.find(name);
  return it == topics.end() ? nullptr : &it->second;
}

const protocol::SubGroupConfig* ClusterView::FindSubGroup(std::string_view name) const {
  auto it = sub_groups.find(name);
  return it == sub_groups.end() ? nullptr : &it->second;
}

std::optional<uint64_t> FindQueueGroup(const ClusterView& view, std::string_view topic,
                                       uint32_t queue_id) {
  const protocol::TopicInfo* info = view.FindTopic(topic);
  if (info == nullptr || queue_id >= info->queues.size()) return std::nullopt;
  return info->queues[queue_id].group_id;
}

std::vector<protocol::QueueRef> QueuesOfGroup(const ClusterView& view, uint64_t group_id) {
  std::vector<protocol::QueueRef> queues;
  for (const auto& [name, info] : view.topics) {
    for (const protocol::QueueInfo& q : info.queues) {
      if (q.group_id == group_id) queues.push_back({.topic = name, .queue_id = q.queue_id});
    }
  }
  return queues;
}

protocol::SubGroupConfig DefaultSubGroupConfig(std::string_view name, protocol::ConsumeMode mode) {
  protocol::SubGroupConfig config;
  config.name = std::string(name);
  config.mode = mode;
  return config;
}

}  // namespace mq::broker
