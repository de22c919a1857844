#include "broker/core/controller/controller_state.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "storage/base/status_macros.h"

namespace mq::broker {

using protocol::ErrorCode;

ControllerState::ControllerState(ClusterConfig config)
    : config_(std::move(config)),
      data_groups_(config_.DataGroupIds()),
      view_(std::make_shared<const ClusterView>()) {}

ControllerOutcome ControllerState::Outcome(ErrorCode code, std::string message) const {
  return ControllerOutcome{.code = code,
                           .message = std::move(message),
                           .cluster_version = view_->cluster_version,
                           .producer_id = 0};
}

void ControllerState::Publish(std::shared_ptr<ClusterView> next) {
  next->cluster_version = view_->cluster_version + 1;
  view_ = std::move(next);
}

ControllerOutcome ControllerState::Apply(const raft::Entry& entry) {
  if (entry.type != raft::EntryType::kNormal || entry.data.empty()) {
    return Outcome(ErrorCode::kOk, "");
  }
  return ApplyCommand(entry.data.view());
}

ControllerOutcome ControllerState::ApplyCommand(std::string_view payload) {
  absl::StatusOr<ControllerCommand> command = DecodeControllerCommand(payload);
  if (!command.ok())
    return Outcome(ErrorCode::kInvalidArgument, std::string(command.status().message()));
  struct Visitor {
    ControllerState* self;
    ControllerOutcome operator()(const protocol::CreateTopicRequest& c) {
      return self->ApplyCreateTopic(c);
    }
    ControllerOutcome operator()(const protocol::DeleteTopicRequest& c) {
      return self->ApplyDeleteTopic(c);
    }
    ControllerOutcome operator()(const protocol::UpdateSubGroupRequest& c) {
      return self->ApplyUpdateSubGroup(c);
    }
    ControllerOutcome operator()(const protocol::DeleteSubGroupRequest& c) {
      return self->ApplyDeleteSubGroup(c);
    }
    ControllerOutcome operator()(const AllocateProducerIdCommand&) {
      return self->ApplyAllocateProducerId();
    }
    ControllerOutcome operator()(const CommitOffsetsCommand& c) {
      return self->ApplyCommitOffsets(c);
    }
  };
  return std::visit(Visitor{this}, *command);
}

ControllerOutcome ControllerState::ApplyCreateTopic(const protocol::CreateTopicRequest& c) {
  if (c.name.empty()) return Outcome(ErrorCode::kInvalidArgument, "topic name is empty");
  if (c.queue_count < 1 || c.queue_count > kControllerQueuesPerTopicMax) {
    return Outcome(ErrorCode::kInvalidArgument,
                   absl::StrFormat("topic %s: queue count %d is outside 1..%d", c.name,
                                   c.queue_count, kControllerQueuesPerTopicMax));
  }
  if (const protocol::TopicInfo* existing = view_->FindTopic(c.name)) {
    if (existing->message_type == c.message_type && existing->queue_count == c.queue_count &&
        existing->retention_ms == c.retention_ms &&
        existing->retention_bytes == c.retention_bytes) {
      return Outcome(ErrorCode::kOk, "");
    }
    return Outcome(
        ErrorCode::kAlreadyExists,
        absl::StrFormat("topic %s already exists with another definition (%s, %d "
                        "queues, retention %d ms / %d bytes)",
                        c.name, protocol::MessageTypeName(existing->message_type),
                        existing->queue_count, existing->retention_ms, existing->retention_bytes));
  }
  if (view_->topics.size() >= kControllerTopicsMax) {
    return Outcome(ErrorCode::kInvalidArgument,
                   absl::StrFormat("topic %s: the cluster already holds %d topics, the most "
                                   "allowed",
                                   c.name, kControllerTopicsMax));
  }
  if (data_groups_.empty()) {
    return Outcome(ErrorCode::kUnavailable, "the cluster has no data groups");
  }
  protocol::TopicInfo info;
  info.name = c.name;
  info.message_type = c.message_type;
  info.queue_count = c.queue_count;
  info.retention_ms = c.retention_ms;
  info.retention_bytes = c.retention_bytes;
  for (uint32_t q = 0; q < c.queue_count; ++q) {
    info.queues.push_back(
        {.queue_id = q, .group_id = data_groups_[(topics_created_ + q) % data_groups_.size()]});
  }
  ++topics_created_;
  auto next = std::make_shared<ClusterView>(*view_);
  next->topics.emplace(c.name, std::move(info));
  Publish(std::move(next));
  return Outcome(ErrorCode::kOk, "");
}

ControllerOutcome ControllerState::ApplyDeleteTopic(const protocol::DeleteTopicRequest& c) {
  if (view_->FindTopic(c.name) == nullptr) {
    return Outcome(ErrorCode::kUnknownTopic, absl::StrFormat("no topic %s", c.name));
  }
  auto next = std::make_shared<ClusterView>(*view_);
  next->topics.erase(c.name);
  Publish(std::move(next));
  EraseOffsetsOfTopic(c.name);
  return Outcome(ErrorCode::kOk, "");
}

ControllerOutcome ControllerState::ApplyUpdateSubGroup(const protocol::UpdateSubGroupRequest& c) {
  const protocol::SubGroupConfig& config = c.config;
  if (config.name.empty()) {
    return Outcome(ErrorCode::kInvalidArgument, "subscription group name is empty");
  }
  if (config.max_retries > kControllerMaxRetriesMax) {
    return Outcome(ErrorCode::kInvalidArgument,
                   absl::StrFormat("group %s: max retries %d is more than %d", config.name,
                                   config.max_retries, kControllerMaxRetriesMax));
  }
  const protocol::SubGroupConfig* existing = view_->FindSubGroup(config.name);
  if (existing != nullptr && *existing == config) return Outcome(ErrorCode::kOk, "");
  if (existing == nullptr && view_->sub_groups.size() >= kControllerSubGroupsMax) {
    return Outcome(ErrorCode::kInvalidArgument,
                   absl::StrFormat("group %s: the cluster already holds %d subscription groups, "
                                   "the most allowed",
                                   config.name, kControllerSubGroupsMax));
  }
  auto next = std::make_shared<ClusterView>(*view_);
  next->sub_groups.insert_or_assign(config.name, config);
  Publish(std::move(next));
  return Outcome(ErrorCode::kOk, "");
}

ControllerOutcome ControllerState::ApplyDeleteSubGroup(const protocol::DeleteSubGroupRequest& c) {
  if (view_->FindSubGroup(c.name) == nullptr) {
    return Outcome(ErrorCode::kUnknownGroup, absl::StrFormat("no subscription group %s", c.name));
  }
  auto next = std::make_shared<ClusterView>(*view_);
  next->sub_groups.erase(c.name);
  Publish(std::move(next));
  EraseOffsetsOfGroup(c.name);
  return Outcome(ErrorCode::kOk, "");
}

ControllerOutcome ControllerState::ApplyAllocateProducerId() {
  ControllerOutcome outcome = Outcome(ErrorCode::kOk, "");
  outcome.producer_id = next_producer_id_++;
  return outcome;
}

ControllerOutcome ControllerState::ApplyCommitOffsets(const CommitOffsetsCommand& c) {
  const protocol::SubGroupConfig* group = view_->FindSubGroup(c.group);
  if (group == nullptr) {
    return Outcome(ErrorCode::kUnknownGroup, absl::StrFormat("no subscription group %s", c.group));
  }
  const bool broadcasting = group->mode == protocol::ConsumeMode::kBroadcasting;
  if (broadcasting && c.instance.empty()) {
    return Outcome(ErrorCode::kInvalidArgument,
                   absl::StrFormat("group %s is broadcasting: offsets need an instance", c.group));
  }
  if (!broadcasting && !c.instance.empty()) {
    return Outcome(ErrorCode::kInvalidArgument,
                   absl::StrFormat("group %s is clustering: offsets take no instance (got %s)",
                                   c.group, c.instance));
  }
  for (const protocol::QueueOffset& o : c.offsets) {
    const protocol::TopicInfo* topic = view_->FindTopic(o.topic);
    if (topic == nullptr) {
      return Outcome(ErrorCode::kUnknownTopic, absl::StrFormat("no topic %s", o.topic));
    }
    if (o.queue_id >= topic->queue_count) {
      return Outcome(ErrorCode::kUnknownQueue,
                     absl::StrFormat("topic %s has %d queues, no queue %d", o.topic,
                                     topic->queue_count, o.queue_id));
    }
    if (o.offset == protocol::kNoOffset) {
      return Outcome(ErrorCode::kInvalidArgument,
                     absl::StrFormat("%s queue %d: no offset given", o.topic, o.queue_id));
    }
  }
  for (const protocol::QueueOffset& o : c.offsets) {
    offsets_[OffsetKey(c.group, c.instance, o.topic, o.queue_id)] = o.offset;
  }
  return Outcome(ErrorCode::kOk, "");
}

void ControllerState::EraseOffsetsOfGroup(std::string_view group) {
  auto it = offsets_.lower_bound(OffsetKey(std::string(group), "", "", 0));
  while (it != offsets_.end() && std::get<0>(it->first) == group) it = offsets_.erase(it);
}

void ControllerState::EraseOffsetsOfTopic(std::string_view topic) {
  std::erase_if(offsets_, [&](const auto& entry) { return std::get<2>(entry.first) == topic; });
}

std::vector<protocol::QueueOffset> ControllerState::FetchOffsets(
    std::string_view group, std::string_view instance,
    const std::vector<protocol::QueueRef>& queues) const {
  std::vector<protocol::QueueOffset> result;
  result.reserve(queues.size());
  for (const protocol::QueueRef& q : queues) {
    auto it =
        offsets_.find(OffsetKey(std::string(group), std::string(instance), q.topic, q.queue_id));
    result.push_back({.topic = q.topic,
                      .queue_id = q.queue_id,
                      .offset = it == offsets_.end() ? protocol::kNoOffset : it->second});
  }
  return result;
}

std::vector<CommittedOffset> ControllerState::GroupOffsets(std::string_view group) const {
  std::vector<CommittedOffset> result;
  for (auto it = offsets_.lower_bound(OffsetKey(std::string(group), "", "", 0));
       it != offsets_.end() && std::get<0>(it->first) == group; ++it) {
    const auto& [g, instance, topic, queue] = it->first;
    result.push_back(
        {.instance = instance, .topic = topic, .queue_id = queue, .offset = it->second});
  }
  return result;
}

}  // namespace mq::broker
