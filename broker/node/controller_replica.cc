#include "broker/node/controller_replica.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "broker/core/controller/controller_command.h"
#include "broker/node/leader_balancer.h"
#include "broker/node/responses.h"
#include "storage/base/status_macros.h"

namespace mq::broker {
namespace {

using protocol::ErrorCode;

constexpr uint64_t kProposalTimeoutMs = 10000;
constexpr uint64_t kSessionTimeoutMsDefault = 10000;
constexpr uint64_t kSessionTimeoutMsMax = 300000;

protocol::ResponseHeader HeaderOf(const ControllerOutcome& outcome) {
  if (outcome.code == ErrorCode::kOk) return {};
  return Failure(outcome.code, outcome.message, true);
}

}  // namespace

ControllerReplica::ControllerReplica(ReplicaContext context,
                                     SharedValue<ClusterView>* published_view)
    : context_(context),
      published_view_(published_view),
      state_(std::make_unique<ControllerState>(*context.config)),
      coordinator_(state_->View()) {
  PublishView();
}

void ControllerReplica::PublishView() {
  if (state_->cluster_version() == published_version_) return;
  published_version_ = state_->cluster_version();
  published_view_->Set(state_->View());
  coordinator_.OnViewChanged(state_->View());
}

absl::Status ControllerReplica::Apply(const raft::Entry& entry) {
  if (entry.type != raft::EntryType::kNormal || entry.data.empty()) return absl::OkStatus();
  const ControllerOutcome outcome = state_->Apply(entry);
  PublishView();
  waiters_.Resolve(entry.index, entry.term, outcome);
  return absl::OkStatus();
}

absl::StatusOr<raft::Payload> ControllerReplica::Snapshot() { return state_->Snapshot(); }

absl::Status ControllerReplica::Restore(const raft::Snapshot& snapshot) {
  waiters_.FailUpTo(snapshot.metadata.index,
                    absl::UnavailableError("a snapshot replaced the log here; outcome unknown"));
  MQ_RETURN_IF_ERROR(state_->Restore(snapshot));
  PublishView();
  return absl::OkStatus();
}

void ControllerReplica::OnSoftState(const raft::SoftState& state) {
  if (state.role != raft::Role::kLeader) coordinator_.Reset();
}

void ControllerReplica::OnTick(raft::Driver& driver) {
  ++now_tick_;
  context_.leaders->Set(0, driver.node().leader(), driver.node().term());
  waiters_.Expire(now_tick_, absl::DeadlineExceededError(
                                 "controller change timed out waiting for a majority; outcome unknown"));
  if (driver.node().is_leader()) coordinator_.Tick(now_tick_);
  MaybeBalanceLeader(driver, context_, 0, now_tick_);
}

bool ControllerReplica::Leading(raft::Driver& driver, const net::Responder& respond) const {
  if (driver.node().is_leader()) return true;
  respond.Error(NotLeader(*context_.config, context_.self_id, 0, driver.node().leader()));
  return false;
}

void ControllerReplica::Propose(raft::Driver& driver, std::string command,
                                const net::Responder& respond, OutcomeCallback done) {
  const uint64_t term = driver.node().term();
  auto index = driver.Propose(raft::Payload(std::move(command)), term);
  if (!index.ok()) {
    respond.Error(NotLeader(*context_.config, context_.self_id, 0, driver.node().leader()));
    return;
  }
  waiters_.Add(*index, term, now_tick_ + context_.MsToTicks(kProposalTimeoutMs),
               [respond, done = std::move(done)](absl::StatusOr<ControllerOutcome> outcome) {
                 if (outcome.ok()) {
                   done(*outcome);
                 } else {
                   respond.Error(FromStatus(outcome.status()));
                 }
               });
}

void ControllerReplica::CreateTopic(raft::Driver& driver,
                                    const protocol::CreateTopicRequest& request,
                                    net::Responder respond) {
  if (!Leading(driver, respond)) return;
  Propose(driver, EncodeCreateTopic(request), respond, [respond](const ControllerOutcome& o) {
    respond(protocol::CreateTopicResponse{.header = HeaderOf(o), .cluster_version = o.cluster_version});
  });
}

void ControllerReplica::DeleteTopic(raft::Driver& driver,
                                    const protocol::DeleteTopicRequest& request,
                                    net::Responder respond) {
  if (!Leading(driver, respond)) return;
  Propose(driver, EncodeDeleteTopic(request), respond, [respond](const ControllerOutcome& o) {
    respond(protocol::DeleteTopicResponse{.header = HeaderOf(o), .cluster_version = o.cluster_version});
  });
}

void ControllerReplica::UpdateSubGroup(raft::Driver& driver,
                                       const protocol::UpdateSubGroupRequest& request,
                                       net::Responder respond) {
  if (!Leading(driver, respond)) return;
  Propose(driver, EncodeUpdateSubGroup(request), respond, [respond](const ControllerOutcome& o) {
    respond(protocol::UpdateSubGroupResponse{.header = HeaderOf(o),
                                             .cluster_version = o.cluster_version});
  });
}

void ControllerReplica::DeleteSubGroup(raft::Driver& driver,
                                       const protocol::DeleteSubGroupRequest& request,
                                       net::Responder respond) {
  if (!Leading(driver, respond)) return;
  Propose(driver, EncodeDeleteSubGroup(request), respond, [respond](const ControllerOutcome& o) {
    respond(protocol::DeleteSubGroupResponse{.header = HeaderOf(o),
                                             .cluster_version = o.cluster_version});
  });
}

void ControllerReplica::InitProducerId(raft::Driver& driver, net::Responder respond) {
  if (!Leading(driver, respond)) return;
  Propose(driver, EncodeAllocateProducerId(), respond, [respond](const ControllerOutcome& o) {
    respond(protocol::InitProducerIdResponse{.header = HeaderOf(o), .producer_id = o.producer_id});
  });
}

void ControllerReplica::WithSubGroup(raft::Driver& driver, const std::string& group,
                                     protocol::ConsumeMode mode, const net::Responder& respond,
                                     std::function<void()> then) {
  if (state_->View()->FindSubGroup(group) != nullptr) {
    then();
    return;
  }
  protocol::UpdateSubGroupRequest create{.config = DefaultSubGroupConfig(group, mode)};
  Propose(driver, EncodeUpdateSubGroup(create), respond,
          [respond, then = std::move(then)](const ControllerOutcome& o) {
            if (o.code != ErrorCode::kOk) {
              respond.Error(HeaderOf(o));
              return;
            }
            then();
          });
}

void ControllerReplica::JoinGroup(raft::Driver& driver, protocol::JoinGroupRequest request,
                                  net::Responder respond) {
  if (!Leading(driver, respond)) return;
  const std::string group = request.group;
  WithSubGroup(driver, group, protocol::ConsumeMode::kClustering, respond,
               [this, request = std::move(request), respond] {
                 uint64_t timeout_ms = request.session_timeout_ms != 0
                                           ? request.session_timeout_ms
                                           : kSessionTimeoutMsDefault;
                 timeout_ms = std::min(timeout_ms, kSessionTimeoutMsMax);
                 respond(coordinator_.Join(request, context_.MsToTicks(timeout_ms)));
               });
}

void ControllerReplica::Heartbeat(raft::Driver& driver, const protocol::HeartbeatRequest& request,
                                  net::Responder respond) {
  if (!Leading(driver, respond)) return;
  respond(coordinator_.Heartbeat(request));
}

void ControllerReplica::SyncGroup(raft::Driver& driver, const protocol::SyncGroupRequest& request,
                                  net::Responder respond) {
  if (!Leading(driver, respond)) return;
  respond(coordinator_.Sync(request));
}

void ControllerReplica::LeaveGroup(raft::Driver& driver, const protocol::LeaveGroupRequest& request,
                                   net::Responder respond) {
  if (!Leading(driver, respond)) return;
  respond(coordinator_.Leave(request));
}

void ControllerReplica::CommitOffset(raft::Driver& driver, protocol::CommitOffsetRequest request,
                                     net::Responder respond) {
  if (!Leading(driver, respond)) return;
  const bool broadcast = !request.instance.empty();
  if (!broadcast) {
    const protocol::ResponseHeader check =
        coordinator_.CheckGeneration(request.group, request.member_id, request.generation);
    if (!check.ok()) {
      respond.Error(check);
      return;
    }
  }
  const std::string group = request.group;
  const auto mode =
      broadcast ? protocol::ConsumeMode::kBroadcasting : protocol::ConsumeMode::kClustering;
  WithSubGroup(driver, group, mode, respond,
               [this, &driver, request = std::move(request), respond] {
                 Propose(driver,
                         EncodeCommitOffsets(request.group, request.instance, request.offsets),
                         respond, [respond](const ControllerOutcome& o) {
                           respond(protocol::CommitOffsetResponse{.header = HeaderOf(o)});
                         });
               });
}

void ControllerReplica::FetchOffset(raft::Driver& driver,
                                    const protocol::FetchOffsetRequest& request,
                                    net::Responder respond) {
  if (!Leading(driver, respond)) return;
  respond(protocol::FetchOffsetResponse{
      .offsets = state_->FetchOffsets(request.group, request.instance, request.queues)});
}

std::optional<protocol::ConsumerProgressResponse> ControllerReplica::ConsumerProgress(
    raft::Driver& driver, const protocol::ConsumerProgressRequest& request,
    const net::Responder& respond) {
  if (!Leading(driver, respond)) return std::nullopt;
  auto view = state_->View();
  const protocol::SubGroupConfig* config = view->FindSubGroup(request.group);
  if (config == nullptr) {
    respond.Error(Failure(ErrorCode::kUnknownGroup,
                          absl::StrCat("no subscription group '", request.group, "'"), true));
    return std::nullopt;
  }
  protocol::ConsumerProgressResponse response;
  response.config = *config;
  std::map<std::pair<std::string, uint32_t>, std::string> owner;
  if (auto described = coordinator_.Describe(request.group)) {
    response.generation = described->generation;
    response.members = described->members;
    for (const auto& member : response.members) {
      for (const auto& queue : member.assignment) {
        owner[{queue.topic, queue.queue_id}] = member.member_id;
      }
    }
  }
  // The queues of the subscribed topics, of the members' assignments and of the committed
  // offsets, each with the group's committed offset.
  std::map<std::pair<std::string, uint32_t>, uint64_t> committed;
  for (const CommittedOffset& offset : state_->GroupOffsets(request.group)) {
    if (offset.instance.empty()) committed[{offset.topic, offset.queue_id}] = offset.offset;
  }
  std::set<std::pair<std::string, uint32_t>> queues;
  for (const auto& [queue, offset] : committed) queues.insert(queue);
  for (const auto& [queue, member] : owner) queues.insert(queue);
  for (const auto& subscription : config->subscriptions) {
    if (const protocol::TopicInfo* topic = view->FindTopic(subscription.topic)) {
      for (const auto& queue : topic->queues) queues.insert({topic->name, queue.queue_id});
    }
  }
  for (const auto& queue : queues) {
    protocol::QueueProgress progress{.topic = queue.first, .queue_id = queue.second};
    if (auto it = committed.find(queue); it != committed.end()) progress.consumer_offset = it->second;
    if (auto it = owner.find(queue); it != owner.end()) progress.member_id = it->second;
    response.queues.push_back(std::move(progress));
  }
  return response;
}

}  // namespace mq::broker
