#include "broker/core/controller/group_coordinator.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_format.h"

namespace mq::broker {
namespace {

using protocol::ErrorCode;

// Generated member ids stay within the protocol's client id limit (255 bytes).
constexpr size_t kMemberIdPrefixBytesMax = 200;

bool QueueLess(const protocol::QueueRef& a, const protocol::QueueRef& b) {
  return std::tie(a.topic, a.queue_id) < std::tie(b.topic, b.queue_id);
}

}  // namespace

GroupCoordinator::GroupCoordinator(std::shared_ptr<const ClusterView> view,
                                   GroupCoordinatorLimits limits)
    : view_(std::move(view)), limits_(limits) {}

protocol::ResponseHeader GroupCoordinator::Fail(ErrorCode code, std::string message) {
  protocol::ResponseHeader header;
  header.error_code = code;
  header.message = std::move(message);
  header.definite = true;
  return header;
}

protocol::ResponseHeader GroupCoordinator::UnknownGroup(std::string_view group) {
  return Fail(ErrorCode::kUnknownGroup, absl::StrFormat("no subscription group %s", group));
}

protocol::ResponseHeader GroupCoordinator::UnknownMember(std::string_view group,
                                                         std::string_view member_id) {
  return Fail(ErrorCode::kUnknownMember,
              absl::StrFormat("group %s has no member %s (join again)", group, member_id));
}

const protocol::SubGroupConfig* GroupCoordinator::FindConfig(std::string_view name) const {
  return view_->FindSubGroup(name);
}

std::vector<protocol::QueueRef> GroupCoordinator::SubscribedQueues(
    const protocol::SubGroupConfig& config,
    const std::vector<protocol::Subscription>& subscriptions) const {
  const std::vector<protocol::Subscription>& subs =
      subscriptions.empty() ? config.subscriptions : subscriptions;
  std::set<std::string, std::less<>> topics;
  for (const protocol::Subscription& s : subs) topics.insert(s.topic);
  std::vector<protocol::QueueRef> queues;
  for (const std::string& topic : topics) {
    const protocol::TopicInfo* info = view_->FindTopic(topic);
    if (info == nullptr) continue;
    for (uint32_t q = 0; q < info->queue_count; ++q) {
      queues.push_back({.topic = topic, .queue_id = q});
    }
  }
  return queues;
}

void GroupCoordinator::Rebalance(const protocol::SubGroupConfig& config, Group& group,
                                 bool membership_changed) {
  // The members subscribing to each queue's topic, by subscriber set. Members iterate in id
  // order, so each set's member list is sorted.
  std::map<std::string, std::vector<std::string>> subscribers_of_topic;
  for (const auto& [id, member] : group.members) {
    const std::vector<protocol::Subscription>& subs =
        member.subscriptions.empty() ? config.subscriptions : member.subscriptions;
    std::set<std::string, std::less<>> topics;
    for (const protocol::Subscription& s : subs) topics.insert(s.topic);
    for (const std::string& topic : topics) subscribers_of_topic[topic].push_back(id);
  }
  std::map<std::vector<std::string>, std::vector<protocol::QueueRef>> queues_of_set;
  for (const auto& [topic, members] : subscribers_of_topic) {
    const protocol::TopicInfo* info = view_->FindTopic(topic);
    if (info == nullptr) continue;
    std::vector<protocol::QueueRef>& queues = queues_of_set[members];
    for (uint32_t q = 0; q < info->queue_count; ++q) {
      queues.push_back({.topic = topic, .queue_id = q});
    }
  }
  std::map<std::string, std::vector<protocol::QueueRef>, std::less<>> assignment;
  for (const auto& [members, queues] : queues_of_set) {
    const size_t m = members.size();
    const size_t base = queues.size() / m;
    const size_t extra = queues.size() % m;
    size_t next = 0;
    for (size_t i = 0; i < m; ++i) {
      const size_t share = base + (i < extra ? 1 : 0);
      std::vector<protocol::QueueRef>& out = assignment[members[i]];
      out.insert(out.end(), queues.begin() + next, queues.begin() + next + share);
      next += share;
    }
  }
  bool changed = membership_changed;
  for (auto& [id, member] : group.members) {
    std::vector<protocol::QueueRef> mine;
    if (auto it = assignment.find(id); it != assignment.end()) mine = std::move(it->second);
    std::sort(mine.begin(), mine.end(), QueueLess);
    if (mine != member.assignment) changed = true;
    member.assignment = std::move(mine);
  }
  if (changed) ++group.generation;
}

std::string GroupCoordinator::NewMemberId(const Group& group, std::string_view client_id) {
  std::string prefix(client_id.empty() ? std::string_view("member")
                                       : client_id.substr(0, kMemberIdPrefixBytesMax));
  while (true) {
    std::string id = absl::StrFormat("%s-%d", prefix, ++member_counter_);
    if (!group.members.contains(id)) return id;
  }
}

GroupCoordinator::MemberLookup GroupCoordinator::FindMember(std::string_view group_name,
                                                            std::string_view member_id) {
  MemberLookup found;
  found.config = FindConfig(group_name);
  if (found.config == nullptr) {
    found.error = UnknownGroup(group_name);
    return found;
  }
  if (found.config->mode == protocol::ConsumeMode::kBroadcasting) {
    found.broadcasting = true;
    return found;
  }
  auto group = groups_.find(group_name);
  if (group == groups_.end()) {
    found.error = UnknownMember(group_name, member_id);
    return found;
  }
  auto member = group->second.members.find(member_id);
  if (member == group->second.members.end()) {
    found.error = UnknownMember(group_name, member_id);
    return found;
  }
  found.group = &group->second;
  found.member = &member->second;
  return found;
}

protocol::JoinGroupResponse GroupCoordinator::Join(const protocol::JoinGroupRequest& request,
                                                   uint64_t session_timeout_ticks) {
  protocol::JoinGroupResponse response;
  const protocol::SubGroupConfig* config = FindConfig(request.group);
  if (config == nullptr) {
    response.header = UnknownGroup(request.group);
    return response;
  }
  if (config->mode == protocol::ConsumeMode::kBroadcasting) {
    response.member_id =
        request.member_id.empty() ? NewMemberId(Group{}, request.client_id) : request.member_id;
    response.generation = 0;
    response.assignment = SubscribedQueues(*config, request.subscriptions);
    return response;
  }
  Group& group = groups_[request.group];
  std::string member_id = request.member_id;
  auto it = group.members.find(member_id);
  const bool is_new = member_id.empty() || it == group.members.end();
  if (is_new && group.members.size() >= limits_.members_per_group_max) {
    response.header = Fail(ErrorCode::kInvalidArgument,
                           absl::StrFormat("group %s already has %d members, the most allowed",
                                           request.group, limits_.members_per_group_max));
    return response;
  }
  if (member_id.empty()) member_id = NewMemberId(group, request.client_id);
  Member& member = group.members[member_id];
  const bool changed = is_new || member.subscriptions != request.subscriptions;
  member.client_id = request.client_id;
  member.instance = request.instance;
  member.subscriptions = request.subscriptions;
  member.session_timeout_ticks = std::max<uint64_t>(session_timeout_ticks, 1);
  member.last_seen_ticks = now_ticks_;
  if (changed) Rebalance(*config, group, true);
  response.member_id = member_id;
  response.generation = group.generation;
  response.assignment = member.assignment;
  return response;
}

protocol::HeartbeatResponse GroupCoordinator::Heartbeat(const protocol::HeartbeatRequest& request) {
  protocol::HeartbeatResponse response;
  MemberLookup found = FindMember(request.group, request.member_id);
  if (found.member == nullptr) {
    response.header = found.error;
    return response;
  }
  found.member->last_seen_ticks = now_ticks_;
  response.generation = found.group->generation;
  if (request.generation != found.group->generation) {
    response.header =
        Fail(ErrorCode::kRebalanceInProgress,
             absl::StrFormat("group %s is at generation %d, not %d (sync again)", request.group,
                             found.group->generation, request.generation));
  }
  return response;
}

protocol::SyncGroupResponse GroupCoordinator::Sync(const protocol::SyncGroupRequest& request) {
  protocol::SyncGroupResponse response;
  MemberLookup found = FindMember(request.group, request.member_id);
  if (found.broadcasting) {
    response.assignment = SubscribedQueues(*found.config, {});
    return response;
  }
  if (found.member == nullptr) {
    response.header = found.error;
    return response;
  }
  found.member->last_seen_ticks = now_ticks_;
  response.generation = found.group->generation;
  response.assignment = found.member->assignment;
  return response;
}

protocol::LeaveGroupResponse GroupCoordinator::Leave(const protocol::LeaveGroupRequest& request) {
  protocol::LeaveGroupResponse response;
  MemberLookup found = FindMember(request.group, request.member_id);
  if (found.member == nullptr) {
    response.header = found.error;
    return response;
  }
  found.group->members.erase(request.member_id);
  Rebalance(*found.config, *found.group, true);
  return response;
}

protocol::ResponseHeader GroupCoordinator::CheckGeneration(std::string_view group_name,
                                                           std::string_view member_id,
                                                           uint64_t generation) const {
  if (member_id.empty()) return {};
  const protocol::SubGroupConfig* config = FindConfig(group_name);
  if (config == nullptr) return UnknownGroup(group_name);
  if (config->mode == protocol::ConsumeMode::kBroadcasting) return {};
  auto group = groups_.find(group_name);
  if (group == groups_.end() || !group->second.members.contains(member_id)) {
    return UnknownMember(group_name, member_id);
  }
  if (generation != group->second.generation) {
    return Fail(ErrorCode::kFenced,
                absl::StrFormat("group %s member %s: generation %d is stale (current %d)",
                                group_name, member_id, generation, group->second.generation));
  }
  return {};
}

size_t GroupCoordinator::Tick(uint64_t now_ticks) {
  now_ticks_ = std::max(now_ticks_, now_ticks);
  size_t expired = 0;
  for (auto& [name, group] : groups_) {
    const size_t before = group.members.size();
    std::erase_if(group.members, [&](const auto& entry) {
      const Member& m = entry.second;
      return now_ticks_ - m.last_seen_ticks > m.session_timeout_ticks;
    });
    if (group.members.size() == before) continue;
    expired += before - group.members.size();
    if (const protocol::SubGroupConfig* config = FindConfig(name)) {
      Rebalance(*config, group, true);
    }
  }
  return expired;
}

void GroupCoordinator::OnViewChanged(std::shared_ptr<const ClusterView> view) {
  view_ = std::move(view);
  for (auto it = groups_.begin(); it != groups_.end();) {
    const protocol::SubGroupConfig* config = FindConfig(it->first);
    if (config == nullptr || config->mode == protocol::ConsumeMode::kBroadcasting) {
      it = groups_.erase(it);
      continue;
    }
    Rebalance(*config, it->second, false);
    ++it;
  }
}

void GroupCoordinator::Reset() { groups_.clear(); }

std::optional<GroupDescription> GroupCoordinator::Describe(std::string_view name) const {
  auto group = groups_.find(name);
  if (group == groups_.end()) return std::nullopt;
  GroupDescription description;
  description.generation = group->second.generation;
  for (const auto& [id, member] : group->second.members) {
    description.members.push_back({.member_id = id,
                                   .client_id = member.client_id,
                                   .instance = member.instance,
                                   .assignment = member.assignment});
  }
  return description;
}

}  // namespace mq::broker
