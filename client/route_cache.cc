#include "client/route_cache.h"

#include <algorithm>
#include <utility>

#include "storage/base/status_macros.h"

namespace mq::client {

RouteCache::RouteCache(std::vector<std::string> bootstrap) : bootstrap_(std::move(bootstrap)) {
  MQ_CHECK(!bootstrap_.empty());
}

void RouteCache::ApplyMetadata(const protocol::MetadataResponse& metadata, uint64_t now_ms) {
  cluster_version_ = std::max(cluster_version_, metadata.cluster_version);
  for (const protocol::BrokerInfo& broker : metadata.brokers) {
    if (broker.broker_id != 0 && !broker.address.empty()) {
      brokers_[broker.broker_id] = broker.address;
    }
  }
  for (const protocol::GroupInfo& group : metadata.groups) {
    if (group.leader_broker_id != 0) {
      leaders_[group.group_id] = group.leader_broker_id;
    } else {
      leaders_.erase(group.group_id);
    }
  }
  if (metadata.controller_broker_id != 0) {
    leaders_[0] = metadata.controller_broker_id;
  }
  for (const protocol::TopicInfo& topic : metadata.topics) {
    if (topic.error_code != protocol::ErrorCode::kOk) {
      topics_.erase(topic.name);
      continue;
    }
    TopicEntry& entry = topics_[topic.name];
    entry.info = topic;
    std::sort(entry.info.queues.begin(), entry.info.queues.end(),
              [](const protocol::QueueInfo& a, const protocol::QueueInfo& b) {
                return a.queue_id < b.queue_id;
              });
    entry.fetched_ms = now_ms;
  }
}

bool RouteCache::ApplyHint(const protocol::LeaderHint& hint) {
  if (hint.broker_id == 0) {
    InvalidateGroup(hint.group_id);
    return false;
  }
  if (!hint.address.empty()) {
    brokers_[hint.broker_id] = hint.address;
  } else if (!brokers_.contains(hint.broker_id)) {
    InvalidateGroup(hint.group_id);
    return false;
  }
  leaders_[hint.group_id] = hint.broker_id;
  return true;
}

void RouteCache::InvalidateGroup(uint64_t group_id) { leaders_.erase(group_id); }

void RouteCache::ForgetTopic(std::string_view topic) {
  auto it = topics_.find(topic);
  if (it != topics_.end()) topics_.erase(it);
}

std::optional<std::string> RouteCache::LeaderAddress(uint64_t group_id) const {
  auto it = leaders_.find(group_id);
  if (it == leaders_.end()) return std::nullopt;
  return BrokerAddress(it->second);
}

std::optional<std::string> RouteCache::BrokerAddress(uint64_t broker_id) const {
  auto it = brokers_.find(broker_id);
  if (it == brokers_.end()) return std::nullopt;
  return it->second;
}

std::string RouteCache::NextAnyAddress() {
  // Bootstrap addresses first, then brokers the metadata named that are not among them.
  std::vector<std::string> all = bootstrap_;
  for (const auto& [id, address] : brokers_) {
    if (std::find(all.begin(), all.end(), address) == all.end()) all.push_back(address);
  }
  return all[any_index_++ % all.size()];
}

const protocol::TopicInfo* RouteCache::Topic(std::string_view topic) const {
  auto it = topics_.find(topic);
  return it == topics_.end() ? nullptr : &it->second.info;
}

bool RouteCache::TopicStale(std::string_view topic, uint64_t now_ms, uint64_t max_age_ms) const {
  auto it = topics_.find(topic);
  return it == topics_.end() || now_ms - it->second.fetched_ms > max_age_ms;
}

std::optional<uint64_t> RouteCache::QueueGroup(std::string_view topic, uint32_t queue_id) const {
  const protocol::TopicInfo* info = Topic(topic);
  if (info == nullptr) return std::nullopt;
  for (const protocol::QueueInfo& queue : info->queues) {
    if (queue.queue_id == queue_id) return queue.group_id;
  }
  return std::nullopt;
}

std::vector<std::string> RouteCache::TopicNames() const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : topics_) names.push_back(name);
  return names;
}

}  // namespace mq::client
