#include "broker/node/request_router.h"

#include <memory>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "broker/node/gather.h"
#include "broker/node/responses.h"
#include "client/protocol/record_batch.h"

namespace mq::broker {
namespace {

using protocol::ErrorCode;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

}  // namespace

RequestRouter::RequestRouter(ReplicaContext context, const SharedValue<ClusterView>* view,
                             LocalGroups groups, std::function<bool(uint64_t)> is_reachable)
    : context_(context),
      view_(view),
      groups_(std::move(groups)),
      is_reachable_(std::move(is_reachable)) {}

void RequestRouter::Handle(protocol::Request request, net::Responder respond) {
  using R = ControllerReplica;
  std::visit(
      Overloaded{
          [&](protocol::MetadataRequest& r) { Metadata(r, respond); },
          [&](protocol::ProduceRequest& r) { Produce(std::move(r), respond); },
          [&](protocol::FetchRequest& r) { Fetch(std::move(r), respond); },
          [&](protocol::QueryMessageByIdRequest& r) { QueryMessageById(r, respond); },
          [&](protocol::ListOffsetsRequest& r) { ListOffsets(r, respond); },
          [&](protocol::ConsumerProgressRequest& r) { ConsumerProgress(r, respond); },
          [&](protocol::ClusterStatusRequest&) { ClusterStatus(respond); },
          [&](protocol::CreateTopicRequest& r) {
            OnController(respond, [r, respond](R& c, raft::Driver& d) { c.CreateTopic(d, r, respond); });
          },
          [&](protocol::DeleteTopicRequest& r) {
            OnController(respond, [r, respond](R& c, raft::Driver& d) { c.DeleteTopic(d, r, respond); });
          },
          [&](protocol::UpdateSubGroupRequest& r) {
            OnController(respond,
                         [r, respond](R& c, raft::Driver& d) { c.UpdateSubGroup(d, r, respond); });
          },
          [&](protocol::DeleteSubGroupRequest& r) {
            OnController(respond,
                         [r, respond](R& c, raft::Driver& d) { c.DeleteSubGroup(d, r, respond); });
          },
          [&](protocol::InitProducerIdRequest&) {
            OnController(respond, [respond](R& c, raft::Driver& d) { c.InitProducerId(d, respond); });
          },
          [&](protocol::JoinGroupRequest& r) {
            OnController(respond, [r, respond](R& c, raft::Driver& d) { c.JoinGroup(d, r, respond); });
          },
          [&](protocol::HeartbeatRequest& r) {
            OnController(respond, [r, respond](R& c, raft::Driver& d) { c.Heartbeat(d, r, respond); });
          },
          [&](protocol::SyncGroupRequest& r) {
            OnController(respond, [r, respond](R& c, raft::Driver& d) { c.SyncGroup(d, r, respond); });
          },
          [&](protocol::LeaveGroupRequest& r) {
            OnController(respond, [r, respond](R& c, raft::Driver& d) { c.LeaveGroup(d, r, respond); });
          },
          [&](protocol::CommitOffsetRequest& r) {
            OnController(respond,
                         [r, respond](R& c, raft::Driver& d) { c.CommitOffset(d, r, respond); });
          },
          [&](protocol::FetchOffsetRequest& r) {
            OnController(respond, [r, respond](R& c, raft::Driver& d) { c.FetchOffset(d, r, respond); });
          },
          [&](auto&) {
            respond.Error(Failure(ErrorCode::kUnsupportedApi,
                                  absl::StrCat("api ", protocol::ApiKeyName(respond.api_key()),
                                               " is not served by this broker"),
                                  true));
          },
      },
      request);
}

void RequestRouter::OnController(const net::Responder& respond,
                                 std::function<void(ControllerReplica&, raft::Driver&)> fn) const {
  if (groups_.controller_runner == nullptr) {
    respond.Error(NotLeader(*context_.config, context_.self_id, 0, context_.leaders->Leader(0)));
    return;
  }
  groups_.controller_runner->Post(
      [controller = groups_.controller, fn = std::move(fn)](raft::Driver& driver) {
        fn(*controller, driver);
      });
}

void RequestRouter::Metadata(const protocol::MetadataRequest& request,
                             const net::Responder& respond) const {
  const auto view = view_->Get();
  protocol::MetadataResponse response;
  response.cluster_id = context_.config->cluster_id;
  response.cluster_version = view->cluster_version;
  response.controller_broker_id = context_.leaders->Leader(0);
  for (const BrokerAddress& broker : context_.config->brokers) {
    response.brokers.push_back(
        {.broker_id = broker.id, .address = broker.address, .http_address = broker.http_address});
  }
  for (const GroupPlacement& group : context_.config->groups) {
    response.groups.push_back({.group_id = group.group_id,
                               .leader_broker_id = context_.leaders->Leader(group.group_id),
                               .term = context_.leaders->Term(group.group_id),
                               .replicas = group.replicas});
  }
  if (request.topics.empty()) {
    for (const auto& [name, topic] : view->topics) response.topics.push_back(topic);
  } else {
    for (const std::string& name : request.topics) {
      if (const protocol::TopicInfo* topic = view->FindTopic(name)) {
        response.topics.push_back(*topic);
      } else {
        response.topics.push_back({.name = name, .error_code = ErrorCode::kUnknownTopic});
      }
    }
  }
  respond(std::move(response));
}

const LocalGroups::Data* RequestRouter::DataGroupOf(const ClusterView& view,
                                                    const std::string& topic, uint32_t queue_id,
                                                    const net::Responder& respond) const {
  const protocol::TopicInfo* info = view.FindTopic(topic);
  if (info == nullptr) {
    respond.Error(Failure(ErrorCode::kUnknownTopic,
                          absl::StrCat("unknown topic '", topic, "' (create it with mqadmin updateTopic)"),
                          true));
    return nullptr;
  }
  const std::optional<uint64_t> group = FindQueueGroup(view, topic, queue_id);
  if (!group.has_value()) {
    respond.Error(Failure(ErrorCode::kUnknownQueue,
                          absl::StrCat("topic '", topic, "' has ", info->queue_count,
                                       " queues; there is no queue ", queue_id),
                          true));
    return nullptr;
  }
  auto it = groups_.data.find(*group);
  if (it == groups_.data.end()) {
    respond.Error(
        NotLeader(*context_.config, context_.self_id, *group, context_.leaders->Leader(*group)));
    return nullptr;
  }
  return &it->second;
}

void RequestRouter::Produce(protocol::ProduceRequest request, const net::Responder& respond) const {
  const auto view = view_->Get();
  const LocalGroups::Data* group = DataGroupOf(*view, request.topic, request.queue_id, respond);
  if (group == nullptr) return;
  const protocol::TopicInfo* topic = view->FindTopic(request.topic);
  if (topic->message_type != protocol::MessageType::kNormal) {
    respond.Error(Failure(
        ErrorCode::kMessageTypeMismatch,
        absl::StrCat("topic '", request.topic, "' is of type ",
                     protocol::MessageTypeName(topic->message_type),
                     "; this broker stores NORMAL messages only (the other types are not built yet)"),
        true));
    return;
  }
  // Verified here, on the session's thread, so the group's strand only proposes.
  auto reader = protocol::RecordBatchReader::Open(request.record_batch);
  if (!reader.ok()) {
    respond.Error(Failure(ErrorCode::kInvalidArgument,
                          absl::StrCat("record batch: ", reader.status().message()), true));
    return;
  }
  const uint64_t producer_id = reader->header().producer_id;
  const uint64_t base_sequence = reader->header().base_sequence;
  if (request.producer_id != 0 && request.producer_id != producer_id) {
    respond.Error(Failure(ErrorCode::kInvalidArgument,
                          absl::StrCat("producer id ", request.producer_id,
                                       " differs from the record batch's ", producer_id),
                          true));
    return;
  }
  auto shared = std::make_shared<protocol::ProduceRequest>(std::move(request));
  group->runner->Post([replica = group->replica, shared, producer_id, base_sequence,
                       respond](raft::Driver& driver) {
    replica->Produce(driver, std::move(*shared), producer_id, base_sequence, respond);
  });
}

void RequestRouter::Fetch(protocol::FetchRequest request, const net::Responder& respond) const {
  const auto view = view_->Get();
  const LocalGroups::Data* group = DataGroupOf(*view, request.topic, request.queue_id, respond);
  if (group == nullptr) return;
  group->runner->Post([replica = group->replica, request = std::move(request),
                       respond](raft::Driver& driver) { replica->Fetch(driver, request, respond); });
}

void RequestRouter::QueryMessageById(const protocol::QueryMessageByIdRequest& request,
                                     const net::Responder& respond) const {
  auto it = groups_.data.find(request.msg_id.group_id);
  if (it == groups_.data.end()) {
    if (context_.config->FindGroup(request.msg_id.group_id) == nullptr ||
        request.msg_id.group_id == 0) {
      respond.Error(Failure(ErrorCode::kNotFound,
                            absl::StrCat("message id names data group ", request.msg_id.group_id,
                                         ", which this cluster does not have"),
                            true));
    } else {
      respond.Error(NotLeader(*context_.config, context_.self_id, request.msg_id.group_id,
                              context_.leaders->Leader(request.msg_id.group_id)));
    }
    return;
  }
  it->second.runner->Post([replica = it->second.replica, id = request.msg_id,
                           respond](raft::Driver& driver) { replica->QueryById(driver, id, respond); });
}

void RequestRouter::GatherOffsets(
    std::vector<protocol::QueueRef> queues,
    std::function<void(std::vector<protocol::QueueOffsetRange>)> done) const {
  const auto view = view_->Get();
  // One result per queue, in order; those a local group holds are filled on its strand.
  auto results = std::make_shared<std::vector<protocol::QueueOffsetRange>>();
  std::vector<net::GroupRunner*> runners;
  std::vector<std::pair<DataReplica*, std::vector<size_t>>> work;  // per runner
  std::map<uint64_t, size_t> work_of_group;
  for (const protocol::QueueRef& queue : queues) {
    const size_t i = results->size();
    results->push_back({.topic = queue.topic, .queue_id = queue.queue_id});
    const std::optional<uint64_t> group = FindQueueGroup(*view, queue.topic, queue.queue_id);
    if (!group.has_value()) {
      (*results)[i].error_code =
          view->FindTopic(queue.topic) ? ErrorCode::kUnknownQueue : ErrorCode::kUnknownTopic;
      continue;
    }
    auto local = groups_.data.find(*group);
    if (local == groups_.data.end()) {
      (*results)[i].error_code = ErrorCode::kNotLeader;
      continue;
    }
    auto [slot, inserted] = work_of_group.try_emplace(*group, work.size());
    if (inserted) {
      runners.push_back(local->second.runner);
      work.push_back({local->second.replica, {}});
    }
    work[slot->second].second.push_back(i);
  }
  using Partial = std::vector<std::pair<size_t, protocol::QueueOffsetRange>>;
  GatherFromGroups<Partial>(
      runners,
      [work, results](size_t w, raft::Driver&) {
        Partial partial;
        for (size_t i : work[w].second) {
          protocol::QueueOffsetRange range =
              work[w].first->Offsets((*results)[i].topic, (*results)[i].queue_id);
          range.topic = (*results)[i].topic;
          range.queue_id = (*results)[i].queue_id;
          partial.push_back({i, std::move(range)});
        }
        return partial;
      },
      [results, done = std::move(done)](std::vector<Partial> partials) {
        for (Partial& partial : partials) {
          for (auto& [i, range] : partial) (*results)[i] = std::move(range);
        }
        done(std::move(*results));
      });
}

void RequestRouter::ListOffsets(const protocol::ListOffsetsRequest& request,
                                const net::Responder& respond) const {
  GatherOffsets(request.queues, [respond](std::vector<protocol::QueueOffsetRange> ranges) {
    respond(protocol::ListOffsetsResponse{.queues = std::move(ranges)});
  });
}

void RequestRouter::ConsumerProgress(const protocol::ConsumerProgressRequest& request,
                                     const net::Responder& respond) const {
  OnController(respond, [this, request, respond](ControllerReplica& controller,
                                                 raft::Driver& driver) {
    auto progress = controller.ConsumerProgress(driver, request, respond);
    if (!progress.has_value()) return;
    std::vector<protocol::QueueRef> queues;
    for (const auto& queue : progress->queues) {
      queues.push_back({.topic = queue.topic, .queue_id = queue.queue_id});
    }
    auto shared = std::make_shared<protocol::ConsumerProgressResponse>(std::move(*progress));
    GatherOffsets(std::move(queues),
                  [shared, respond](std::vector<protocol::QueueOffsetRange> ranges) {
                    for (size_t i = 0; i < ranges.size(); ++i) {
                      shared->queues[i].broker_offset = ranges[i].max_offset;
                    }
                    respond(std::move(*shared));
                  });
  });
}

void RequestRouter::ClusterStatus(const net::Responder& respond) const {
  std::vector<net::GroupRunner*> runners;
  if (groups_.controller_runner != nullptr) runners.push_back(groups_.controller_runner);
  for (const auto& [id, group] : groups_.data) runners.push_back(group.runner);
  GatherFromGroups<protocol::GroupStatus>(
      runners,
      [](size_t, raft::Driver& driver) {
        const raft::NodeStatus status = driver.Status();
        protocol::GroupStatus group;
        group.leader_broker_id = status.soft_state.leader;
        group.term = status.hard_state.term;
        group.commit_index = status.hard_state.commit;
        group.applied_index = status.applied;
        for (uint64_t voter : status.conf_state.voters) {
          protocol::ReplicaStatus replica{.broker_id = voter};
          if (auto it = status.progress.find(voter); it != status.progress.end()) {
            replica.match_index = it->second.match;
            replica.lag_entries =
                status.last_index > it->second.match ? status.last_index - it->second.match : 0;
          }
          if (voter == status.id) {
            replica.commit_index = status.hard_state.commit;
            replica.applied_index = status.applied;
          }
          group.replicas.push_back(replica);
        }
        return group;
      },
      [this, runners, respond](std::vector<protocol::GroupStatus> groups) {
        protocol::ClusterStatusResponse response;
        response.cluster_id = context_.config->cluster_id;
        response.cluster_version = view_->Get()->cluster_version;
        for (size_t i = 0; i < groups.size(); ++i) groups[i].group_id = runners[i]->group_id();
        response.groups = std::move(groups);
        for (const BrokerAddress& broker : context_.config->brokers) {
          response.brokers.push_back({.broker_id = broker.id,
                                      .address = broker.address,
                                      .http_address = broker.http_address,
                                      .reachable = broker.id == context_.self_id ||
                                                   is_reachable_(broker.id)});
        }
        respond(std::move(response));
      });
}

}  // namespace mq::broker
