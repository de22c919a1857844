#pragma once

// ControllerReplica: this broker's replica of the controller group (group 0), as the Driver
// sees it (the raft::StateMachine over ControllerState) and as the request router uses it.
//
// Metadata changes, producer ids and consumer offsets are proposed to the group and answered
// once applied. Consumer-group membership lives in memory on the controller leader
// (GroupCoordinator): members re-join after a controller failover. A subscription group that
// does not exist yet is created with defaults on first use, as most deployments expect.
// Every applied change republishes the ClusterView that sessions read (SharedValue).
//
// Threading: every method runs on group 0's strand.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "broker/core/controller/controller_state.h"
#include "broker/core/controller/group_coordinator.h"
#include "broker/net/responder.h"
#include "broker/node/proposal_waiters.h"
#include "broker/node/replica_context.h"
#include "broker/node/shared_value.h"
#include "client/protocol/messages.h"
#include "raft/durable/driver.h"

namespace mq::broker {

class ControllerReplica final : public raft::StateMachine {
 public:
  ControllerReplica(ReplicaContext context, SharedValue<ClusterView>* published_view);

  // ---- raft::StateMachine ----
  absl::Status Apply(const raft::Entry& entry) override;
  absl::StatusOr<raft::Payload> Snapshot() override;
  absl::Status Restore(const raft::Snapshot& snapshot) override;
  void OnSoftState(const raft::SoftState& state) override;

  // ---- Requests (on the strand) ----
  void CreateTopic(raft::Driver& driver, const protocol::CreateTopicRequest& request,
                   net::Responder respond);
  void DeleteTopic(raft::Driver& driver, const protocol::DeleteTopicRequest& request,
                   net::Responder respond);
  void UpdateSubGroup(raft::Driver& driver, const protocol::UpdateSubGroupRequest& request,
                      net::Responder respond);
  void DeleteSubGroup(raft::Driver& driver, const protocol::DeleteSubGroupRequest& request,
                      net::Responder respond);
  void InitProducerId(raft::Driver& driver, net::Responder respond);
  void JoinGroup(raft::Driver& driver, protocol::JoinGroupRequest request, net::Responder respond);
  void Heartbeat(raft::Driver& driver, const protocol::HeartbeatRequest& request,
                 net::Responder respond);
  void SyncGroup(raft::Driver& driver, const protocol::SyncGroupRequest& request,
                 net::Responder respond);
  void LeaveGroup(raft::Driver& driver, const protocol::LeaveGroupRequest& request,
                  net::Responder respond);
  void CommitOffset(raft::Driver& driver, protocol::CommitOffsetRequest request,
                    net::Responder respond);
  void FetchOffset(raft::Driver& driver, const protocol::FetchOffsetRequest& request,
                   net::Responder respond);
  // The group's configuration, members and committed offsets; broker offsets are left for the
  // caller to fill in from the data groups. Answers `respond` itself on failure (and returns
  // nullopt).
  std::optional<protocol::ConsumerProgressResponse> ConsumerProgress(
      raft::Driver& driver, const protocol::ConsumerProgressRequest& request,
      const net::Responder& respond);

  // Once per tick, after Driver::Tick: expires proposals and group members.
  void OnTick(raft::Driver& driver);

 private:
  using OutcomeCallback = std::function<void(const ControllerOutcome&)>;

  // The leader check every request starts with; answers NOT_LEADER itself when it fails.
  bool Leading(raft::Driver& driver, const net::Responder& respond) const;
  // Proposes `command`; `done` runs with the applied outcome, failures answer `respond`.
  void Propose(raft::Driver& driver, std::string command, const net::Responder& respond,
               OutcomeCallback done);
  // Runs `then` once `group` exists, creating it with defaults (`mode`) if it does not.
  void WithSubGroup(raft::Driver& driver, const std::string& group, protocol::ConsumeMode mode,
                    const net::Responder& respond, std::function<void()> then);
  void PublishView();

  const ReplicaContext context_;
  SharedValue<ClusterView>* const published_view_;
  std::unique_ptr<ControllerState> state_;
  GroupCoordinator coordinator_;
  ProposalWaiters<ControllerOutcome> waiters_;
  uint64_t now_tick_ = 0;
  uint64_t published_version_ = UINT64_MAX;
};

}  // namespace mq::broker
