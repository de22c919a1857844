#pragma once

// RequestRouter: serves the client api (everything but Hello, which sessions answer) by
// sending each request to the group that owns it, on that group's strand:
//   - Metadata: answered at once from the published ClusterView and the leader table;
//   - topic, subscription-group, producer-id and consumer-group requests: the controller
//     replica (group 0), which answers NOT_LEADER unless it leads;
//   - Produce, Fetch, QueryMessageById: the queue's (or message id's) data group;
//   - ListOffsets, ClusterStatus: gathered from every local replica.
// Checks that need no group (unknown topic or queue, message type, a batch that fails
// verification) are answered on the session's thread, before any group work.
//
// Threading: Handle runs on session strands, concurrently; everything it touches is either
// immutable after construction, thread-safe (SharedValue, LeaderTable, GroupRunner), or
// reached through a group's strand.

#include <cstdint>
#include <functional>
#include <map>

#include "broker/core/controller/cluster_view.h"
#include "broker/net/group_runner.h"
#include "broker/net/responder.h"
#include "broker/node/controller_replica.h"
#include "broker/node/data_replica.h"
#include "broker/node/replica_context.h"
#include "broker/node/shared_value.h"

namespace mq::broker {

// The groups this broker holds a replica of.
struct LocalGroups {
  net::GroupRunner* controller_runner = nullptr;
  ControllerReplica* controller = nullptr;
  struct Data {
    net::GroupRunner* runner = nullptr;
    DataReplica* replica = nullptr;
  };
  std::map<uint64_t, Data> data;
};

class RequestRouter final : public net::ClientRequestHandler {
 public:
  // `is_reachable(broker_id)`: whether this broker has a live connection to that peer.
  RequestRouter(ReplicaContext context, const SharedValue<ClusterView>* view, LocalGroups groups,
                std::function<bool(uint64_t)> is_reachable);

  void Handle(protocol::Request request, net::Responder respond) override;

 private:
  void Metadata(const protocol::MetadataRequest& request, const net::Responder& respond) const;
  void Produce(protocol::ProduceRequest request, const net::Responder& respond) const;
  void Fetch(protocol::FetchRequest request, const net::Responder& respond) const;
  void QueryMessageById(const protocol::QueryMessageByIdRequest& request,
                        const net::Responder& respond) const;
  void ListOffsets(const protocol::ListOffsetsRequest& request, const net::Responder& respond) const;
  // The offset range of every queue, in order, as applied by the local replicas (errors per
  // queue for unknown queues and groups with no replica here).
  void GatherOffsets(std::vector<protocol::QueueRef> queues,
                     std::function<void(std::vector<protocol::QueueOffsetRange>)> done) const;
  void ConsumerProgress(const protocol::ConsumerProgressRequest& request,
                        const net::Responder& respond) const;
  void ClusterStatus(const net::Responder& respond) const;
  // Runs `fn` on the controller replica's strand (NOT_LEADER if there is none here).
  void OnController(const net::Responder& respond,
                    std::function<void(ControllerReplica&, raft::Driver&)> fn) const;
  // The data group of a queue in `view`, or answers the error itself and returns nullptr.
  const LocalGroups::Data* DataGroupOf(const ClusterView& view, const std::string& topic,
                                       uint32_t queue_id, const net::Responder& respond) const;

  const ReplicaContext context_;
  const SharedValue<ClusterView>* const view_;
  const LocalGroups groups_;
  const std::function<bool(uint64_t)> is_reachable_;
};

}  // namespace mq::broker
