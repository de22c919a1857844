// The application's requests: proposals (with the term they expect), configuration changes,
// ReadIndex (thesis §6.4) and leadership transfer (thesis §3.10).

#include <utility>

#include "absl/strings/str_format.h"
#include "raft/errors.h"
#include "raft/raft.h"
#include "storage/base/status_macros.h"

namespace mq::raft {

absl::Status Raft::CheckProposable(uint64_t expected_term) const {
  if (role_ != Role::kLeader) return NotLeaderError(leader_, term_, "not the leader");
  if (expected_term != 0 && expected_term != term_) {
    return NotLeaderError(leader_, term_,
                          absl::StrFormat("proposal expects term %d", expected_term));
  }
  if (!IsVoter(CurrentConf(), id_)) {
    return absl::UnavailableError(
        absl::StrFormat("raft %d: this leader is being removed from the group", id_));
  }
  if (transferee_ != kNoNode) {
    return absl::UnavailableError(
        absl::StrFormat("raft %d: leadership transfer to %d in progress", id_, transferee_));
  }
  return absl::OkStatus();
}

bool Raft::CommittedEntryInCurrentTerm() const {
  return log_.TermOrZero(log_.committed()) == term_;
}

absl::StatusOr<uint64_t> Raft::Propose(Payload* payloads, size_t count, uint64_t expected_term) {
  MQ_RETURN_IF_ERROR(CheckProposable(expected_term));
  if (count == 0) return absl::InvalidArgumentError("raft: empty proposal");
  uint64_t bytes = 0;
  for (size_t i = 0; i < count; ++i) bytes += payloads[i].size();
  // An empty uncommitted tail takes any proposal, so one huge entry is not refused forever.
  if (uncommitted_bytes_ > 0 && bytes > 0 &&
      uncommitted_bytes_ + bytes > config_.uncommitted_bytes_max) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("raft %d: %d uncommitted bytes plus %d would pass uncommitted_bytes_max %d",
                        id_, uncommitted_bytes_, bytes, config_.uncommitted_bytes_max));
  }
  const uint64_t first = log_.LastIndex() + 1;
  for (size_t i = 0; i < count; ++i) {
    Entry e;
    e.term = term_;
    e.index = first + i;
    e.data = std::move(payloads[i]);
    log_.AppendEntry(std::move(e));
  }
  uncommitted_bytes_ += bytes;
  return first;
}

absl::StatusOr<uint64_t> Raft::ProposeConfChange(const ConfChange& change, uint64_t expected_term) {
  MQ_RETURN_IF_ERROR(CheckProposable(expected_term));
  if (!CommittedEntryInCurrentTerm()) {
    return absl::UnavailableError(absl::StrFormat(
        "raft %d: no entry of term %d committed yet; configuration changes wait for it", id_,
        term_));
  }
  if (HasUncommittedConfChange()) {
    return absl::UnavailableError(
        absl::StrFormat("raft %d: configuration change at index %d is not committed yet", id_,
                        conf_log_.back().first));
  }
  MQ_ASSIGN_OR_RETURN(ConfState next, ApplyConfChange(CurrentConf(), change));
  Entry e;
  e.term = term_;
  e.index = log_.LastIndex() + 1;
  e.type = EntryType::kConfChange;
  e.data = Payload(EncodeConfChange(change));
  const uint64_t index = e.index;
  log_.AppendEntry(std::move(e));
  PushConf(index, std::move(next));
  return index;
}

// ---- ReadIndex ----

absl::Status Raft::ReadIndex(std::string context) {
  if (role_ == Role::kLeader) {
    HandleReadIndex(id_, std::move(context));
    return absl::OkStatus();
  }
  if (leader_ == kNoNode) {
    return absl::UnavailableError(absl::StrFormat("raft %d: no leader known for ReadIndex", id_));
  }
  Message m;
  m.type = MessageType::kReadIndex;
  m.to = leader_;
  m.context = std::move(context);
  Send(std::move(m));
  return absl::OkStatus();
}

void Raft::HandleReadIndex(NodeId from, std::string context) {
  const ConfState& conf = CurrentConf();
  if (conf.voters.size() == 1 && conf.voters[0] == id_) {
    // Sole voter: nobody else can have committed anything.
    RespondToRead(from, log_.committed(), std::move(context));
    return;
  }
  if (!CommittedEntryInCurrentTerm()) {
    // Our commit index may lag what the previous leader committed until our no-op commits.
    reads_waiting_for_commit_.emplace_back(from, std::move(context));
    return;
  }
  if (config_.lease_read) {
    // CheckQuorum makes this leader step down within an election timeout of losing its
    // quorum; with bounded clock drift no other leader exists before that.
    RespondToRead(from, log_.committed(), std::move(context));
    return;
  }
  read_only_.Add(log_.committed(), from, std::move(context));
  read_heartbeat_pending_ = true;  // one heartbeat round per flush confirms all waiting reads
}

void Raft::RespondToRead(NodeId from, uint64_t index, std::string context) {
  if (from == id_) {
    read_states_.push_back(ReadState{index, std::move(context)});
    return;
  }
  Message m;
  m.type = MessageType::kReadIndexResponse;
  m.to = from;
  m.index = index;
  m.context = std::move(context);
  Send(std::move(m));
}

void Raft::ReleaseConfirmedReads() {
  for (ReadOnly::Request& req : read_only_.TakeConfirmed(CurrentConf().voters, id_)) {
    RespondToRead(req.from, req.index, std::move(req.context));
  }
}

void Raft::ReleaseReadsWaitingForCommit() {
  if (reads_waiting_for_commit_.empty() || !CommittedEntryInCurrentTerm()) return;
  std::vector<std::pair<NodeId, std::string>> waiting = std::move(reads_waiting_for_commit_);
  reads_waiting_for_commit_.clear();
  for (auto& [from, context] : waiting) HandleReadIndex(from, std::move(context));
}

// ---- Leadership transfer ----

absl::Status Raft::TransferLeader(NodeId to) {
  if (role_ == Role::kLeader) return HandleTransferLeader(to);
  if (to == id_ && leader_ != kNoNode) {
    // Ask our leader to hand over to us.
    Message m;
    m.type = MessageType::kTransferLeader;
    m.to = leader_;
    Send(std::move(m));
    return absl::OkStatus();
  }
  return NotLeaderError(leader_, term_, "leadership transfer must start at the leader");
}

absl::Status Raft::HandleTransferLeader(NodeId transferee) {
  if (transferee == id_) return absl::OkStatus();  // already leader
  auto it = progress_.find(transferee);
  if (it == progress_.end() || it->second.is_learner) {
    return absl::InvalidArgumentError(
        absl::StrFormat("raft %d: cannot transfer leadership to %d: not a voter", id_, transferee));
  }
  if (transferee_ == transferee) return absl::OkStatus();  // already under way
  transferee_ = transferee;
  // The transfer must finish within an election timeout or it is abandoned (TickHeartbeat).
  election_elapsed_ = 0;
  Progress& pr = it->second;
  if (pr.match == log_.LastIndex()) {
    SendTimeoutNow(transferee);
  } else {
    pr.send_needed = true;  // catch it up first; TimeoutNow follows its acknowledgement
  }
  return absl::OkStatus();
}

void Raft::SendTimeoutNow(NodeId to) {
  Message m;
  m.type = MessageType::kTimeoutNow;
  m.to = to;
  Send(std::move(m));
}

}  // namespace mq::raft
