#include "broker/node/data_replica.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "broker/core/data/data_command.h"
#include "broker/node/responses.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"
#include "broker/node/leader_balancer.h"

namespace mq::broker {
namespace {

using protocol::ErrorCode;

constexpr uint64_t kProduceTimeoutMsDefault = 10000;
constexpr uint64_t kFetchWaitMsMax = 30000;

uint64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

protocol::ProduceResponse ToResponse(uint64_t group_id, const ProduceOutcome& outcome) {
  protocol::ProduceResponse response;
  if (outcome.code != ErrorCode::kOk) {
    // The state machine refused the batch deterministically: nothing was stored.
    response.header = Failure(outcome.code, outcome.message, true);
    return response;
  }
  response.base_offset = outcome.base_offset;
  response.store_time_ms = outcome.store_time_ms;
  response.msg_ids.reserve(outcome.count);
  for (uint32_t slot = 0; slot < outcome.count; ++slot) {
    response.msg_ids.push_back({.group_id = static_cast<uint32_t>(group_id),
                                .raft_index = outcome.raft_index,
                                .slot = slot});
  }
  return response;
}

}  // namespace

DataReplica::DataReplica(uint64_t group_id, std::unique_ptr<DataGroupState> state,
                         ReplicaContext context, DataRetentionOptions retention)
    : group_id_(group_id),
      state_(std::move(state)),
      context_(context),
      retention_(std::move(retention)) {}

absl::Status DataReplica::Apply(const raft::Entry& entry) {
  MQ_ASSIGN_OR_RETURN(ApplyOutcome outcome, state_->Apply(entry));
  if (!outcome.is_produce) return absl::OkStatus();
  last_stamp_ms_ = std::max(last_stamp_ms_, outcome.produce.store_time_ms);
  produces_.Resolve(entry.index, entry.term, outcome.produce);
  if (outcome.produce.code == ErrorCode::kOk && !outcome.produce.duplicate) {
    WakeFetches(outcome.topic, outcome.queue_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<raft::Payload> DataReplica::Snapshot() { return state_->Snapshot(); }

absl::Status DataReplica::Restore(const raft::Snapshot& snapshot) {
  // Proposals at or below the snapshot were decided by others; this replica cannot tell how.
  produces_.FailUpTo(snapshot.metadata.index,
                     absl::UnavailableError("a snapshot replaced the log here; outcome unknown"));
  MQ_RETURN_IF_ERROR(state_->Restore(snapshot));
  // An installed snapshot reset the log: the queues start where it starts now.
  RefreshLogStart();
  return absl::OkStatus();
}

void DataReplica::OnSoftState(const raft::SoftState& state) {
  leader_ = state.role == raft::Role::kLeader;
  if (!leader_) {
    // Parked fetches were promised leader reads: send the consumers to the new leader.
    for (ParkedFetch& parked : parked_) {
      parked.respond.Error(NotLeader(*context_.config, context_.self_id, group_id_, state.leader));
    }
    parked_.clear();
  }
}

uint64_t DataReplica::StampTime() {
  last_stamp_ms_ = std::max(last_stamp_ms_, WallClockMs());
  return last_stamp_ms_;
}

void DataReplica::Produce(raft::Driver& driver, protocol::ProduceRequest request,
                          uint64_t producer_id, uint64_t base_sequence, net::Responder respond) {
  log_ = &driver.log();
  const raft::RawNode& node = driver.node();
  if (!node.is_leader()) {
    respond.Error(NotLeader(*context_.config, context_.self_id, group_id_, node.leader()));
    return;
  }
  if (producer_id != 0) {
    if (auto duplicate =
            state_->FindDuplicate(producer_id, request.topic, request.queue_id, base_sequence)) {
      respond(ToResponse(group_id_, *duplicate));
      return;
    }
  }
  const uint64_t term = node.term();
  std::string command =
      EncodeProduceCommand(request.topic, request.queue_id, StampTime(), request.record_batch);
  auto index = driver.Propose(raft::Payload(std::move(command)), term);
  if (!index.ok()) {
    if (absl::IsResourceExhausted(index.status())) {
      respond.Error(Failure(ErrorCode::kThrottled,
                            absl::StrCat("group ", group_id_, " is busy: ", index.status().message(),
                                         "; retry later"),
                            true));
    } else {
      respond.Error(NotLeader(*context_.config, context_.self_id, group_id_, node.leader()));
    }
    return;
  }
  const uint64_t timeout_ms = request.timeout_ms != 0 ? request.timeout_ms : kProduceTimeoutMsDefault;
  produces_.Add(*index, term, now_tick_ + context_.MsToTicks(timeout_ms),
                [group_id = group_id_, respond](absl::StatusOr<ProduceOutcome> outcome) {
                  if (outcome.ok()) {
                    respond(ToResponse(group_id, *outcome));
                  } else {
                    respond.Error(FromStatus(outcome.status()));
                  }
                });
}

void DataReplica::Fetch(raft::Driver& driver, protocol::FetchRequest request,
                        net::Responder respond) {
  log_ = &driver.log();
  RefreshLogStart();
  const raft::RawNode& node = driver.node();
  if (!node.is_leader()) {
    respond.Error(NotLeader(*context_.config, context_.self_id, group_id_, node.leader()));
    return;
  }
  const uint64_t wait_ms = std::min<uint64_t>(request.max_wait_ms, kFetchWaitMsMax);
  AnswerFetch(request, respond, wait_ms > 0, now_tick_ + context_.MsToTicks(wait_ms));
}

void DataReplica::AnswerFetch(const protocol::FetchRequest& request, const net::Responder& respond,
                              bool allow_park, uint64_t deadline_tick) {
  auto response = state_->Fetch(request, *log_);
  if (!response.ok()) {
    LogError(absl::StrCat("group ", group_id_, ": fetch failed: ", response.status().message()));
    respond.Error(Failure(ErrorCode::kInternal, std::string(response.status().message()), true));
    return;
  }
  if (allow_park && response->header.ok() && response->batches.empty()) {
    parked_.push_back({request, respond, deadline_tick});
    return;
  }
  respond(std::move(*response));
}

void DataReplica::WakeFetches(const std::string& topic, uint32_t queue_id) {
  if (parked_.empty() || log_ == nullptr) return;
  std::vector<ParkedFetch> still;
  std::vector<ParkedFetch> woken;
  for (ParkedFetch& parked : parked_) {
    if (parked.request.topic == topic && parked.request.queue_id == queue_id) {
      woken.push_back(std::move(parked));
    } else {
      still.push_back(std::move(parked));
    }
  }
  parked_ = std::move(still);
  // A woken fetch whose filter matches none of the new messages parks again.
  for (ParkedFetch& parked : woken) {
    AnswerFetch(parked.request, parked.respond, true, parked.deadline_tick);
  }
}

void DataReplica::QueryById(raft::Driver& driver, const protocol::MessageId& id,
                            net::Responder respond) {
  log_ = &driver.log();
  const raft::RawNode& node = driver.node();
  if (!node.is_leader()) {
    respond.Error(NotLeader(*context_.config, context_.self_id, group_id_, node.leader()));
    return;
  }
  auto response = state_->QueryById(id, driver.log());
  if (!response.ok()) {
    respond.Error(Failure(ErrorCode::kInternal, std::string(response.status().message()), true));
    return;
  }
  respond(std::move(*response));
}

protocol::QueueOffsetRange DataReplica::Offsets(const std::string& topic,
                                                uint32_t queue_id) const {
  return state_->Offsets(topic, queue_id);
}

void DataReplica::OnTick(raft::Driver& driver) {
  log_ = &driver.log();
  ++now_tick_;
  context_.leaders->Set(group_id_, driver.node().leader(), driver.node().term());
  MaybeBalanceLeader(driver, context_, group_id_, now_tick_);
  produces_.Expire(now_tick_, absl::DeadlineExceededError(
                                  "produce timed out waiting for a majority; outcome unknown"));
  RefreshLogStart();
  if (now_tick_ >= next_retention_tick_) {
    next_retention_tick_ = now_tick_ + context_.MsToTicks(retention_.check_interval_ms);
    ApplyRetention(driver);
  }
  if (parked_.empty()) return;
  std::vector<ParkedFetch> due;
  auto it = std::partition(parked_.begin(), parked_.end(),
                           [&](const ParkedFetch& p) { return p.deadline_tick > now_tick_; });
  std::move(it, parked_.end(), std::back_inserter(due));
  parked_.erase(it, parked_.end());
  for (ParkedFetch& parked : due) AnswerFetch(parked.request, parked.respond, false, 0);
}

void DataReplica::RefreshLogStart() {
  if (log_ == nullptr) return;
  const absl::StatusOr<uint64_t> first = log_->FirstIndex();
  if (!first.ok() || *first == state_->log_first_index()) return;
  if (absl::Status s = state_->SetLogFirstIndex(*first); !s.ok()) {
    LogError(absl::StrFormat("group %d: cannot move the queues to the log's first index %d: %s",
                             group_id_, *first, s.message()));
  }
}

RetentionLimits DataReplica::CurrentRetention() const {
  if (retention_.view == nullptr) return retention_.limits;
  const std::shared_ptr<const ClusterView> view = retention_.view->Get();
  std::vector<RetentionLimits> topics;
  for (const auto& [name, topic] : view->topics) {
    if (std::any_of(topic.queues.begin(), topic.queues.end(),
                    [&](const protocol::QueueInfo& q) { return q.group_id == group_id_; })) {
      topics.push_back(
          {.retention_ms = topic.retention_ms, .retention_bytes = topic.retention_bytes});
    }
  }
  return EffectiveRetention(retention_.limits, topics);
}

void DataReplica::ApplyRetention(raft::Driver& driver) {
  const raft::RaftLogStore& log = driver.log();
  if (!log.keeps_snapshot_history()) return;
  // Before the controller has loaded the topics, a topic that wants more than the broker's
  // limits could not speak up: wait (no topic known also means no message to drop).
  if (retention_.view != nullptr && retention_.view->Get()->cluster_version == 0) return;
  const RetentionLimits limits = CurrentRetention();
  if (limits.retention_ms == 0 && limits.retention_bytes == 0) return;
  std::vector<RetentionSegment> segments;
  for (const storage::SegmentInfo& s : log.Segments()) {
    segments.push_back({.first_index = s.first_index,
                        .last_index = s.last_index,
                        .bytes = s.bytes,
                        .active = s.active});
  }
  const RetentionDecision decision = ChooseCompaction(
      segments, log.SnapshotIndexes(), state_->last_applied_index(), limits, WallClockMs(),
      [&log](const RetentionSegment& segment) { return NewestStoreTimeInLog(log, segment); });
  if (decision.compact_to == 0) return;
  absl::StatusOr<size_t> dropped = driver.CompactTo(decision.compact_to);
  if (!dropped.ok()) {
    LogWarning(absl::StrFormat("group %d: retention could not compact to index %d: %s", group_id_,
                               decision.compact_to, dropped.status().message()));
    return;
  }
  RefreshLogStart();
  LogInfo(absl::StrFormat(
      "group %d: retention dropped %d log segments (%d bytes: %d expired, %d over the size "
      "limit of %d bytes); the log now starts at index %d",
      group_id_, *dropped, decision.bytes, decision.expired, decision.segments - decision.expired,
      limits.retention_bytes, log.first_index()));
}

}  // namespace mq::broker
