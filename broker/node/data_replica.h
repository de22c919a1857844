#pragma once

// DataReplica: one data group's replica on this broker, as the Driver sees it (the
// raft::StateMachine over DataGroupState) and as the request router uses it (produce, fetch,
// query, offsets: all run on the group's strand, with its Driver).
//
// Produce: the leader checks the batch is not a duplicate, stamps the store time (never
// earlier than the last one stamped, so cluster time does not go backwards across leaders),
// proposes the command with the term it leads in, and answers once the entry is applied
// (majority fsync + commit). Fetch: served only by the leader; an empty result with max_wait
// parks the request until an entry for its queue is applied or the wait runs out.
//
// Threading: every method runs on the group's strand (the Driver calls the StateMachine
// methods from there too).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "broker/core/data/data_group_state.h"
#include "broker/net/responder.h"
#include "broker/node/proposal_waiters.h"
#include "broker/node/replica_context.h"
#include "client/protocol/messages.h"
#include "raft/durable/driver.h"

namespace mq::broker {

class DataReplica final : public raft::StateMachine {
 public:
  DataReplica(uint64_t group_id, std::unique_ptr<DataGroupState> state, ReplicaContext context);

  // ---- raft::StateMachine ----
  absl::Status Apply(const raft::Entry& entry) override;
  absl::StatusOr<raft::Payload> Snapshot() override;
  absl::Status Restore(const raft::Snapshot& snapshot) override;
  void OnSoftState(const raft::SoftState& state) override;

  // ---- Requests (on the strand) ----
  // `request.record_batch` was verified by the caller; `base_sequence` and `producer_id` are
  // the batch header's.
  void Produce(raft::Driver& driver, protocol::ProduceRequest request, uint64_t producer_id,
               uint64_t base_sequence, net::Responder respond);
  void Fetch(raft::Driver& driver, protocol::FetchRequest request, net::Responder respond);
  void QueryById(raft::Driver& driver, const protocol::MessageId& id, net::Responder respond);
  // The queue's range as applied here (any replica; the leader's is the freshest).
  protocol::QueueOffsetRange Offsets(const std::string& topic, uint32_t queue_id) const;

  // Once per tick, after Driver::Tick: expires waiting requests.
  void OnTick(raft::Driver& driver);

  uint64_t group_id() const { return group_id_; }

 private:
  struct ParkedFetch {
    protocol::FetchRequest request;
    net::Responder respond;
    uint64_t deadline_tick = 0;
  };

  uint64_t StampTime();
  void WakeFetches(const std::string& topic, uint32_t queue_id);
  void AnswerFetch(const protocol::FetchRequest& request, const net::Responder& respond,
                   bool allow_park, uint64_t deadline_tick);

  const uint64_t group_id_;
  std::unique_ptr<DataGroupState> state_;
  const ReplicaContext context_;
  // The Driver's log, for reads from inside Apply (set by the first request or tick).
  const raft::LogStorage* log_ = nullptr;
  ProposalWaiters<ProduceOutcome> produces_;
  std::vector<ParkedFetch> parked_;
  uint64_t now_tick_ = 0;
  uint64_t last_stamp_ms_ = 0;
  bool leader_ = false;
};

}  // namespace mq::broker
