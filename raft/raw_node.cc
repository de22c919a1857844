#include "raft/raw_node.h"

#include <utility>

#include "storage/base/status_macros.h"

namespace mq::raft {

absl::StatusOr<std::unique_ptr<RawNode>> RawNode::Create(const Config& config,
                                                         const LogStorage* storage, Prng prng) {
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<Raft> raft, Raft::Create(config, storage, std::move(prng)));
  return std::unique_ptr<RawNode>(new RawNode(std::move(raft)));
}

RawNode::RawNode(std::unique_ptr<Raft> raft) : raft_(std::move(raft)) {
  prev_soft_state_ = raft_->soft_state();
  prev_hard_state_ = raft_->hard_state();
}

void RawNode::Tick() { raft_->Tick(); }

absl::Status RawNode::Step(Message m) {
  if (m.type == MessageType::kLocalSnapshotStatus || m.type == MessageType::kLocalUnreachable) {
    return absl::InvalidArgumentError(
        "raft: transport reports go through ReportSnapshot / ReportUnreachable");
  }
  return raft_->Step(std::move(m));
}

absl::StatusOr<uint64_t> RawNode::Propose(Payload data, uint64_t expected_term) {
  return raft_->Propose(&data, 1, expected_term);
}

absl::StatusOr<uint64_t> RawNode::ProposeBatch(std::vector<Payload> batch, uint64_t expected_term) {
  return raft_->Propose(batch.data(), batch.size(), expected_term);
}

absl::StatusOr<uint64_t> RawNode::ProposeConfChange(const ConfChange& change,
                                                    uint64_t expected_term) {
  return raft_->ProposeConfChange(change, expected_term);
}

absl::Status RawNode::ReadIndex(std::string context) {
  return raft_->ReadIndex(std::move(context));
}

absl::Status RawNode::TransferLeader(NodeId to) { return raft_->TransferLeader(to); }

void RawNode::ReportSnapshot(NodeId peer, bool ok) {
  Message m;
  m.type = MessageType::kLocalSnapshotStatus;
  m.from = peer;
  m.to = raft_->id();
  m.reject = !ok;
  raft_->Step(std::move(m)).IgnoreError();  // a report about an unknown peer is moot
}

void RawNode::ReportUnreachable(NodeId peer) {
  Message m;
  m.type = MessageType::kLocalUnreachable;
  m.from = peer;
  m.to = raft_->id();
  raft_->Step(std::move(m)).IgnoreError();
}

bool RawNode::HasReady() {
  raft_->FlushAppends();
  const RaftLog& log = raft_->log();
  if (raft_->soft_state() != prev_soft_state_) return true;
  if (raft_->hard_state() != prev_hard_state_) return true;
  if (log.HasNextUnstableSnapshot() || log.HasNextUnstableEntries()) return true;
  if (log.HasNextCommittedEntries()) return true;
  return !raft_->messages().empty() || !raft_->messages_after_persist().empty() ||
         !raft_->read_states().empty();
}

Ready RawNode::GetReady() {
  raft_->FlushAppends();
  RaftLog& log = raft_->mutable_log();
  Ready rd;
  const SoftState soft = raft_->soft_state();
  if (soft != prev_soft_state_) {
    rd.soft_state = soft;
    prev_soft_state_ = soft;
  }
  const HardState hard = raft_->hard_state();
  if (hard != prev_hard_state_) {
    rd.hard_state = hard;
    rd.must_sync = hard.term != prev_hard_state_.term || hard.vote != prev_hard_state_.vote;
    prev_hard_state_ = hard;
  }
  if (log.HasNextUnstableSnapshot()) rd.snapshot = log.unstable().snapshot();
  rd.entries_to_persist = log.NextUnstableEntries();
  rd.committed_entries = log.NextCommittedEntries();
  rd.messages = std::move(raft_->messages());
  raft_->messages().clear();

  std::vector<Message>& after = raft_->messages_after_persist();
  if (rd.snapshot.has_value() || !rd.entries_to_persist.empty()) {
    rd.must_sync = true;
    // The acknowledgement the shell steps back once this Ready's writes are durable; first,
    // so that the node's own progress is counted before the responses go out.
    Message ack;
    ack.type = MessageType::kLocalPersisted;
    ack.from = ack.to = raft_->id();
    if (!rd.entries_to_persist.empty()) {
      ack.index = rd.entries_to_persist.back().index;
      ack.log_term = rd.entries_to_persist.back().term;
    }
    if (rd.snapshot.has_value()) ack.snapshot.metadata = rd.snapshot->metadata;
    rd.messages_after_persist.reserve(after.size() + 1);
    rd.messages_after_persist.push_back(std::move(ack));
    for (Message& m : after) rd.messages_after_persist.push_back(std::move(m));
  } else {
    rd.messages_after_persist = std::move(after);
  }
  after.clear();
  rd.read_states = std::move(raft_->read_states());
  raft_->read_states().clear();

  // Hand-off bookkeeping: these entries and this snapshot are the shell's now.
  log.AcceptUnstable();
  if (rd.snapshot.has_value()) log.AcceptApplying(rd.snapshot->metadata.index);
  if (!rd.committed_entries.empty()) {
    log.AcceptApplying(rd.committed_entries.back().index);
    applying_payload_bytes_ += PayloadBytes(rd.committed_entries);
  }
  return rd;
}

void RawNode::Advance() {
  RaftLog& log = raft_->mutable_log();
  log.AppliedTo(log.applying());
  raft_->OnApplied(log.applied(), applying_payload_bytes_);
  applying_payload_bytes_ = 0;
}

NodeStatus RawNode::Status() const {
  NodeStatus s;
  s.id = raft_->id();
  s.hard_state = raft_->hard_state();
  s.soft_state = raft_->soft_state();
  s.applied = raft_->log().applied();
  s.last_index = raft_->log().LastIndex();
  s.persisted_index = raft_->log().PersistedIndex();
  s.conf_state = raft_->conf_state();
  s.transferee = raft_->transferee();
  s.progress = raft_->progress();
  return s;
}

}  // namespace mq::raft
