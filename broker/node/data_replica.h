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
// Retention: every retention check interval, OnTick picks the segments to drop
// (retention_policy.h) with this replica's own segments, snapshots and wall clock, under the
// broker's limits raised by those of the topics on this group (read from the cluster view),
// and compacts the log (Driver::CompactTo, legal there: between ProcessReady calls). Leader
// and followers decide alone. The state is told where the log now starts (SetLogFirstIndex)
// after a compaction, a snapshot install or a restart, so Offsets and Fetch start at the first
// message still stored.
//
// Threading: every method runs on the group's strand (the Driver calls the StateMachine
// methods from there too).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "broker/core/controller/cluster_view.h"
#include "broker/core/data/data_group_state.h"
#include "broker/core/data/retention_policy.h"
#include "broker/net/responder.h"
#include "broker/node/proposal_waiters.h"
#include "broker/node/replica_context.h"
#include "broker/node/shared_value.h"
#include "client/protocol/messages.h"
#include "raft/durable/driver.h"

namespace mq::broker {

struct DataRetentionOptions {
  // The broker's limits (--retention-ms, --retention-bytes); topics may raise them.
  RetentionLimits limits{};
  // How often OnTick checks (counted in ticks of the context's length).
  uint64_t check_interval_ms = 2000;
  // The topics and their retention settings; null: the broker's limits alone.
  const SharedValue<ClusterView>* view = nullptr;
};

class DataReplica final : public raft::StateMachine {
 public:
  DataReplica(uint64_t group_id, std::unique_ptr<DataGroupState> state, ReplicaContext context,
              DataRetentionOptions retention = {});

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

  // Once per tick, after Driver::Tick: expires waiting requests, applies retention.
  void OnTick(raft::Driver& driver);

  uint64_t group_id() const { return group_id_; }

 private:
  struct ParkedFetch {
    protocol::FetchRequest request;
    net::Responder respond;
    uint64_t deadline_tick = 0;
  };

  uint64_t StampTime();
  // Tells the state where the log starts now, if that moved (see the class comment).
  void RefreshLogStart();
  // The limits this group applies now: the broker's, raised by its topics'.
  RetentionLimits CurrentRetention() const;
  void ApplyRetention(raft::Driver& driver);
  void WakeFetches(const std::string& topic, uint32_t queue_id);
  void AnswerFetch(const protocol::FetchRequest& request, const net::Responder& respond,
                   bool allow_park, uint64_t deadline_tick);

  const uint64_t group_id_;
  std::unique_ptr<DataGroupState> state_;
  const ReplicaContext context_;
  const DataRetentionOptions retention_;
  uint64_t next_retention_tick_ = 0;
  // The Driver's log, for reads from inside Apply (set by the first request or tick).
  const raft::LogStorage* log_ = nullptr;
  ProposalWaiters<ProduceOutcome> produces_;
  std::vector<ParkedFetch> parked_;
  uint64_t now_tick_ = 0;
  uint64_t last_stamp_ms_ = 0;
  bool leader_ = false;
};

}  // namespace mq::broker
