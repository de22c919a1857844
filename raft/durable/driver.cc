#include "raft/durable/driver.h"

#include <functional>
#include <utility>

#include "absl/strings/str_format.h"
#include "storage/base/prng.h"
#include "storage/base/status_macros.h"

namespace mq::raft {
namespace {

absl::Status ValidateOptions(const DriverOptions& options) {
  if (options.snapshot_at_segment_starts && !options.log.keep_snapshot_history) {
    return absl::InvalidArgumentError(
        "raft driver: snapshot_at_segment_starts needs log.keep_snapshot_history");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Driver>> Driver::Bootstrap(storage::Filesystem& fs, std::string dir,
                                                          const ConfState& founding,
                                                          const DriverOptions& options,
                                                          StateMachine* state_machine,
                                                          Transport* transport) {
  MQ_RETURN_IF_ERROR(ValidateOptions(options));
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<RaftLogStore> log,
                      RaftLogStore::Create(fs, std::move(dir), founding, options.log));
  return Start(options, std::move(log), state_machine, transport);
}

absl::StatusOr<std::unique_ptr<Driver>> Driver::Open(storage::Filesystem& fs, std::string dir,
                                                     const DriverOptions& options,
                                                     StateMachine* state_machine,
                                                     Transport* transport) {
  MQ_RETURN_IF_ERROR(ValidateOptions(options));
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<RaftLogStore> log,
                      RaftLogStore::Open(fs, std::move(dir), options.log));
  return Start(options, std::move(log), state_machine, transport);
}

absl::StatusOr<std::unique_ptr<Driver>> Driver::Start(const DriverOptions& options,
                                                      std::unique_ptr<RaftLogStore> log,
                                                      StateMachine* state_machine,
                                                      Transport* transport) {
  if (state_machine == nullptr || transport == nullptr) {
    return absl::InvalidArgumentError("raft driver: state machine and transport are required");
  }
  if (options.raft.applied_index != 0) {
    return absl::InvalidArgumentError(
        "raft driver: raft.applied_index must be 0 (the driver re-applies from its snapshot)");
  }
  std::unique_ptr<Driver> driver(new Driver(options, std::move(log), state_machine, transport));
  // The newest snapshot: with a snapshot history, LogStorage::Snapshot() is the oldest kept
  // one (what followers are sent), and the core learns from raft.applied_index that the state
  // machine is further on.
  const raft::Snapshot& snapshot = driver->log_->newest_snapshot();
  if (!snapshot.empty()) {
    MQ_RETURN_IF_ERROR(state_machine->Restore(snapshot));
    driver->applied_ = snapshot.metadata.index;
  }
  Config raft = options.raft;
  if (driver->log_->keeps_snapshot_history()) raft.applied_index = driver->applied_;
  MQ_ASSIGN_OR_RETURN(driver->node_,
                      RawNode::Create(raft, driver->log_.get(), Prng(options.prng_seed)));
  MQ_CHECK(driver->node_->applied() == driver->applied_);
  return driver;
}

Driver::Driver(const DriverOptions& options, std::unique_ptr<RaftLogStore> log,
               StateMachine* state_machine, Transport* transport)
    : options_(options),
      log_(std::move(log)),
      state_machine_(state_machine),
      transport_(transport) {}

Driver::~Driver() = default;

absl::Status Driver::Usable() const {
  if (closed_) return absl::FailedPreconditionError("raft driver: closed");
  if (!broken_.ok()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("raft driver broken: %s", broken_.ToString()));
  }
  return absl::OkStatus();
}

absl::Status Driver::Fail(absl::Status status) {
  if (!status.ok() && broken_.ok()) broken_ = status;
  return status;
}

// ---------------------------------------------------------------------------------------------
// Inputs

void Driver::Tick() {
  if (!Usable().ok()) return;
  MQ_CHECK_MSG(!busy_, "raft driver: Tick called from inside a Ready cycle");
  node_->Tick();
}

absl::Status Driver::Step(Message message) {
  MQ_RETURN_IF_ERROR(Usable());
  MQ_CHECK_MSG(!busy_, "raft driver: Step called from inside a Ready cycle");
  return node_->Step(std::move(message));
}

absl::StatusOr<uint64_t> Driver::Propose(Payload data, uint64_t expected_term) {
  MQ_RETURN_IF_ERROR(Usable());
  return node_->Propose(std::move(data), expected_term);
}

absl::StatusOr<uint64_t> Driver::ProposeBatch(std::vector<Payload> batch, uint64_t expected_term) {
  MQ_RETURN_IF_ERROR(Usable());
  return node_->ProposeBatch(std::move(batch), expected_term);
}

absl::StatusOr<uint64_t> Driver::ProposeConfChange(const ConfChange& change,
                                                   uint64_t expected_term) {
  MQ_RETURN_IF_ERROR(Usable());
  return node_->ProposeConfChange(change, expected_term);
}

absl::Status Driver::ReadIndex(std::string context) {
  MQ_RETURN_IF_ERROR(Usable());
  return node_->ReadIndex(std::move(context));
}

absl::Status Driver::TransferLeader(NodeId to) {
  MQ_RETURN_IF_ERROR(Usable());
  return node_->TransferLeader(to);
}

void Driver::ReportSnapshot(NodeId peer, bool ok) {
  if (Usable().ok()) node_->ReportSnapshot(peer, ok);
}

void Driver::ReportUnreachable(NodeId peer) {
  if (Usable().ok()) node_->ReportUnreachable(peer);
}

// ---------------------------------------------------------------------------------------------
// The loop

absl::Status Driver::RunExclusive(const char* reentered_message,
                                  const std::function<absl::Status()>& work) {
  MQ_RETURN_IF_ERROR(Usable());
  MQ_CHECK_MSG(!busy_, reentered_message);
  busy_ = true;
  absl::Status status = work();
  busy_ = false;
  return Fail(std::move(status));
}

absl::Status Driver::ProcessReady() {
  return RunExclusive("raft driver: ProcessReady called from inside a Ready cycle", [this] {
    absl::Status status;
    while (status.ok() && node_->HasReady()) status = RunCycle();
    if (status.ok()) status = MaybeSnapshot();
    return status;
  });
}

absl::Status Driver::RunCycle() {
  Ready rd = node_->GetReady();
  ++cycle_;
  ++stats_.ready_cycles;

  if (rd.soft_state.has_value()) state_machine_->OnSoftState(*rd.soft_state);
  // They promise nothing this node has not made durable already: out at once, in parallel
  // with the disk.
  for (Message& m : rd.messages) Send(std::move(m));

  MQ_RETURN_IF_ERROR(Write(rd));

  const bool needs_sync = rd.must_sync || rd.hard_state.has_value();
  if (options_.persist_mode == PersistMode::kInline) {
    if (needs_sync) MQ_RETURN_IF_ERROR(log_->Sync());
    if (rd.must_sync) ++stats_.syncs;
    synced_cycle_ = cycle_;
    ++stats_.persist_jobs;
    MQ_RETURN_IF_ERROR(DeliverAfterPersist(cycle_, rd.messages_after_persist));
  } else if (jobs_.empty() && !rd.must_sync) {
    // Nothing written that needs a sync, and nothing earlier pending: what this Ready promises
    // (e.g. an acknowledgement of entries already durable) holds now.
    synced_cycle_ = cycle_;
    MQ_RETURN_IF_ERROR(DeliverAfterPersist(cycle_, rd.messages_after_persist));
  } else {
    // Jobs are queued in log order: a cycle that cuts the log back first completes them all
    // (Write), so the last indexes of pending jobs never decrease.
    const uint64_t last_index = log_->last_index();
    MQ_CHECK_MSG(jobs_.empty() || jobs_.back().last_index <= last_index,
                 "raft driver: a persist job behind the one before it");
    jobs_.push_back(PersistJob{cycle_, last_index, std::move(rd.messages_after_persist)});
  }

  MQ_RETURN_IF_ERROR(Apply(rd));
  for (ReadState& read : rd.read_states) reads_.push_back(std::move(read));
  ReleaseReads();
  // Everything handed out is applied: only now may the core move its applied index.
  uint64_t handed_out = applied_;
  if (!rd.committed_entries.empty()) {
    handed_out = rd.committed_entries.back().index;
  } else if (rd.snapshot.has_value()) {
    handed_out = rd.snapshot->metadata.index;
  }
  MQ_CHECK_MSG(applied_ == handed_out, "raft driver: Advance before applying");
  node_->Advance();
  MQ_CHECK_MSG(node_->applied() == applied_, "raft driver: core and state machine disagree");
  return absl::OkStatus();
}

absl::Status Driver::Write(Ready& rd) {
  const bool truncates =
      !rd.entries_to_persist.empty() && rd.entries_to_persist.front().index <= log_->last_index();
  if ((truncates || rd.snapshot.has_value()) && !jobs_.empty()) {
    // Destroying written entries: first let earlier jobs finish, so that every
    // acknowledgement they carry is sent while its entries are still on disk.
    MQ_RETURN_IF_ERROR(CompletePersistLocked());
  }
  if (rd.snapshot.has_value()) {
    MQ_RETURN_IF_ERROR(log_->ApplySnapshot(*rd.snapshot));
    ++stats_.snapshots_installed;
  }
  MQ_RETURN_IF_ERROR(log_->Append(rd.entries_to_persist));
  stats_.entries_persisted += rd.entries_to_persist.size();
  if (rd.hard_state.has_value()) log_->SetHardState(*rd.hard_state);
  return absl::OkStatus();
}

absl::Status Driver::Apply(Ready& rd) {
  if (rd.snapshot.has_value()) {
    MQ_CHECK_MSG(rd.committed_entries.empty(), "raft driver: snapshot with committed entries");
    MQ_RETURN_IF_ERROR(state_machine_->Restore(*rd.snapshot));
    applied_ = rd.snapshot->metadata.index;
  }
  for (const Entry& e : rd.committed_entries) {
    MQ_CHECK_MSG(e.index == applied_ + 1, "raft driver: committed entries out of order");
    // The state machine is exactly at e.index - 1 here: the snapshot of a segment boundary.
    if (options_.snapshot_at_segment_starts && e.index - 1 > log_->snapshot_index() &&
        log_->IsSegmentStart(e.index)) {
      MQ_RETURN_IF_ERROR(SnapshotAt(e.index - 1));
    }
    MQ_RETURN_IF_ERROR(state_machine_->Apply(e));
    applied_ = e.index;
    ++stats_.entries_applied;
  }
  return absl::OkStatus();
}

absl::Status Driver::CompletePersist() {
  return RunExclusive("raft driver: CompletePersist called from inside a Ready cycle",
                      [this] { return CompletePersistLocked(); });
}

absl::Status Driver::CompletePersistLocked() {
  if (jobs_.empty()) return absl::OkStatus();
  // One fdatasync covers the writes of every job queued so far (group commit).
  MQ_RETURN_IF_ERROR(log_->Sync());
  ++stats_.syncs;
  while (!jobs_.empty()) {
    PersistJob job = std::move(jobs_.front());
    jobs_.pop_front();
    MQ_RETURN_IF_ERROR(DeliverJob(job));
  }
  return absl::OkStatus();
}

absl::Status Driver::CompleteDurable() {
  return RunExclusive("raft driver: CompleteDurable called from inside a Ready cycle",
                      [this] { return CompleteDurableLocked(); });
}

absl::Status Driver::CompleteDurableLocked() {
  // Read once: a sync running on a disk thread may move it on meanwhile; the jobs it covers
  // then go in the next round.
  const uint64_t durable = log_->durable_index();
  if (jobs_.empty() || jobs_.front().last_index > durable) return absl::OkStatus();
  // Term and vote before any message that may depend on them (the hard state of every
  // pending cycle is the newest one: writing it early is only more durable).
  MQ_RETURN_IF_ERROR(log_->WriteHardStateIfDue());
  ++stats_.durable_completions;
  while (!jobs_.empty() && jobs_.front().last_index <= durable) {
    PersistJob job = std::move(jobs_.front());
    jobs_.pop_front();
    MQ_RETURN_IF_ERROR(DeliverJob(job));
  }
  return absl::OkStatus();
}

absl::Status Driver::DeliverJob(PersistJob& job) {
  // The order rule, checked here for both completions: the job's entries and the term and vote
  // it may carry are on disk.
  MQ_CHECK_MSG(job.last_index <= log_->durable_index(),
               "raft driver: after-persist messages before their entries are durable");
  MQ_CHECK_MSG(log_->stored_hard_state().term == log_->hard_state().term &&
                   log_->stored_hard_state().vote == log_->hard_state().vote,
               "raft driver: after-persist messages before their term and vote are durable");
  synced_cycle_ = job.cycle;
  ++stats_.persist_jobs;
  return DeliverAfterPersist(job.cycle, job.after_persist);
}

absl::Status Driver::DeliverAfterPersist(uint64_t cycle, std::vector<Message>& messages) {
  // The order rule of raw_node.h: nothing here goes out before the writes of its cycle (and
  // of every earlier one) are synced.
  MQ_CHECK_MSG(cycle <= synced_cycle_, "raft driver: after-persist messages before their sync");
  for (Message& m : messages) {
    if (m.to == node_->id()) {
      const absl::Status status = node_->Step(std::move(m));
      if (!status.ok()) {
        return absl::InternalError(absl::StrFormat(
            "raft driver: the core refused its own after-persist message: %s", status.ToString()));
      }
    } else {
      Send(std::move(m));
    }
  }
  return absl::OkStatus();
}

void Driver::Send(Message message) {
  MQ_CHECK_MSG(message.to != node_->id(), "raft driver: a message to itself in Ready.messages");
  ++stats_.messages_sent;
  transport_->Send(std::move(message));
}

void Driver::ReleaseReads() {
  while (!reads_.empty() && reads_.front().index <= applied_) {
    ReadState read = std::move(reads_.front());
    reads_.pop_front();
    state_machine_->OnReadReady(read);
  }
}

// ---------------------------------------------------------------------------------------------
// Snapshots and shutdown

absl::Status Driver::MaybeSnapshot() {
  if (options_.snapshot_at_segment_starts) return absl::OkStatus();  // taken in Apply
  const uint64_t interval = options_.snapshot_entries_interval;
  if (interval == 0 || applied_ < log_->snapshot_index() + interval) return absl::OkStatus();
  return SnapshotAt(applied_);
}

absl::Status Driver::SnapshotAt(uint64_t index) {
  MQ_CHECK(index == applied_);
  MQ_ASSIGN_OR_RETURN(Payload data, state_machine_->Snapshot());
  MQ_ASSIGN_OR_RETURN(ConfState conf, node_->ConfStateAt(index));
  MQ_RETURN_IF_ERROR(log_->CreateSnapshot(index, conf, std::move(data)));
  ++stats_.snapshots_taken;
  // With a snapshot history, only CompactTo compacts (retention decides).
  if (log_->keeps_snapshot_history()) return absl::OkStatus();
  const uint64_t keep = options_.snapshot_keep_entries;
  if (index > keep) MQ_RETURN_IF_ERROR(log_->Compact(index - keep).status());
  return absl::OkStatus();
}

absl::Status Driver::TakeSnapshot() {
  return RunExclusive("raft driver: TakeSnapshot called from inside a Ready cycle", [this] {
    if (applied_ <= log_->snapshot_index()) return absl::OkStatus();
    return SnapshotAt(applied_);
  });
}

absl::StatusOr<size_t> Driver::CompactTo(uint64_t index) {
  MQ_RETURN_IF_ERROR(Usable());
  MQ_CHECK_MSG(!busy_, "raft driver: CompactTo called from inside a Ready cycle");
  // A request that does not qualify changes nothing and breaks nothing.
  MQ_RETURN_IF_ERROR(log_->CheckCompactTo(index));
  busy_ = true;
  absl::StatusOr<size_t> dropped = log_->CompactTo(index);
  busy_ = false;
  if (!dropped.ok()) return Fail(dropped.status());
  return *dropped;
}

absl::Status Driver::Close() {
  if (closed_) return absl::OkStatus();
  MQ_CHECK_MSG(!busy_, "raft driver: Close called from inside a Ready cycle");
  if (!broken_.ok()) {
    closed_ = true;
    return broken_;
  }
  busy_ = true;
  absl::Status status = CompletePersistLocked();
  busy_ = false;
  absl::Status closed = log_->Close();
  if (status.ok()) status = closed;
  closed_ = true;
  return status;
}

}  // namespace mq::raft
