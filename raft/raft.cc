#include "raft/raft.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "raft/conf_change.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"

namespace mq::raft {

absl::StatusOr<std::unique_ptr<Raft>> Raft::Create(const Config& config, const LogStorage* storage,
                                                   Prng prng) {
  MQ_RETURN_IF_ERROR(ValidateConfig(config));
  if (storage == nullptr) return absl::InvalidArgumentError("raft: storage is null");
  MQ_ASSIGN_OR_RETURN(RaftLog log, RaftLog::Create(storage, config.committed_entries_bytes_max));
  MQ_ASSIGN_OR_RETURN(StorageState state, storage->InitialState());
  std::unique_ptr<Raft> raft(new Raft(config, storage, std::move(prng), std::move(log)));
  MQ_RETURN_IF_ERROR(raft->Restore(state));
  return raft;
}

Raft::Raft(const Config& config, const LogStorage* storage, Prng prng, RaftLog log)
    : config_(config),
      id_(config.id),
      storage_(storage),
      prng_(std::move(prng)),
      log_(std::move(log)) {}

absl::Status Raft::Restore(const StorageState& state) {
  if (absl::Status s = ValidateConfState(state.conf_state); !s.ok()) {
    return absl::DataLossError(absl::StrFormat("raft storage configuration: %s", s.message()));
  }
  MQ_ASSIGN_OR_RETURN(const raft::Snapshot snapshot, storage_->Snapshot());
  const uint64_t snapshot_index = snapshot.metadata.index;
  const uint64_t first = log_.FirstIndex();
  const uint64_t last = log_.LastIndex();
  if (snapshot_index + 1 < first || snapshot_index > last) {
    return absl::DataLossError(absl::StrFormat(
        "raft storage snapshot index %d outside the log [%d, %d]", snapshot_index, first, last));
  }
  if (snapshot_index == 0 && !(state.conf_state == ConfState{})) {
    return absl::InvalidArgumentError(
        "raft storage: a configuration as of index 0 is not allowed; write the founding "
        "configuration into the log (MakeBootstrapLog), so that nodes added later learn it");
  }
  conf_base_ = state.conf_state;
  conf_base_index_ = snapshot_index;

  // Configuration entries after the snapshot are in effect (they take effect when appended),
  // so find them. This reads the log once from the snapshot on; snapshots bound the cost.
  for (uint64_t lo = snapshot_index + 1; lo <= last;) {
    MQ_ASSIGN_OR_RETURN(std::vector<Entry> entries,
                        storage_->Entries(lo, last + 1, config_.committed_entries_bytes_max));
    if (entries.empty()) return absl::DataLossError("raft storage returned no entries");
    for (const Entry& e : entries) {
      if (e.type != EntryType::kConfChange) continue;
      absl::StatusOr<ConfChange> change = DecodeConfChange(e.data.view());
      absl::StatusOr<ConfState> next =
          change.ok() ? ApplyConfChange(CurrentConf(), *change) : change.status();
      if (!next.ok()) {
        return absl::DataLossError(absl::StrFormat("raft log configuration entry %d: %s", e.index,
                                                   next.status().message()));
      }
      conf_log_.emplace_back(e.index, *std::move(next));
    }
    lo = entries.back().index + 1;
  }

  const HardState& hs = state.hard_state;
  uint64_t commit = std::max(hs.commit, snapshot_index);
  if (commit > last) {
    // The commit index is written without waiting for entries to be durable; after a crash it
    // may run ahead of the log. Entries this node lost were never acknowledged by it.
    LogWarning(absl::StrFormat("raft %d: stored commit %d past the last index %d; using %d", id_,
                               commit, last, last));
    commit = last;
  }
  if (config_.applied_index > last) {
    return absl::DataLossError(
        absl::StrFormat("raft: the application applied index %d but the log ends at %d",
                        config_.applied_index, last));
  }
  commit = std::max(commit, config_.applied_index);
  MQ_RETURN_IF_ERROR(
      log_.LoadCommitAndApplied(commit, std::max(config_.applied_index, snapshot_index)));
  OnApplied(log_.applied(), 0);
  term_ = hs.term;
  vote_ = hs.vote;
  BecomeFollower(term_, kNoNode);
  return absl::OkStatus();
}

// ---- Roles ----

void Raft::Reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  leader_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  transferee_ = kNoNode;
  votes_.clear();
  progress_.clear();
  read_heartbeat_pending_ = false;
  read_only_.Reset();
  reads_waiting_for_commit_.clear();
}

void Raft::BecomeFollower(uint64_t term, NodeId leader) {
  Reset(term);
  role_ = Role::kFollower;
  leader_ = leader;
}

void Raft::BecomePreCandidate() {
  MQ_CHECK_MSG(role_ != Role::kLeader, "leader cannot become pre-candidate");
  // A pre-candidate changes neither term nor vote: it only asks whether it could win.
  votes_.clear();
  leader_ = kNoNode;
  role_ = Role::kPreCandidate;
}

void Raft::BecomeCandidate() {
  MQ_CHECK_MSG(role_ != Role::kLeader, "leader cannot become candidate");
  Reset(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
}

void Raft::BecomeLeader() {
  MQ_CHECK_MSG(role_ != Role::kFollower, "follower cannot become leader directly");
  Reset(term_);
  role_ = Role::kLeader;
  leader_ = id_;
  uncommitted_bytes_ = 0;
  SwitchConf();  // builds the progress map for the configuration in effect
  // The no-op entry of the new term: committing it commits everything before it (Figure 8)
  // and proves this leader's log to a quorum (ReadIndex, configuration changes).
  Entry noop;
  noop.term = term_;
  noop.index = log_.LastIndex() + 1;
  log_.AppendEntry(std::move(noop));
}

void Raft::ResetRandomizedElectionTimeout() {
  const int base = config_.election_timeout_ticks;
  randomized_election_timeout_ = base + static_cast<int>(prng_.Uniform(base));
}

bool Raft::Promotable() const {
  return IsVoter(CurrentConf(), id_) && !log_.unstable().HasSnapshot();
}

// ---- Ticks ----

void Raft::Tick() {
  if (role_ == Role::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (Promotable() && election_elapsed_ >= randomized_election_timeout_) {
    election_elapsed_ = 0;
    Hup(config_.pre_vote ? CampaignType::kPreElection : CampaignType::kElection);
  }
}

void Raft::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= config_.election_timeout_ticks) {
    election_elapsed_ = 0;
    if (config_.check_quorum) CheckQuorum();
    if (role_ == Role::kLeader && transferee_ != kNoNode) {
      // The transferee did not take over within an election timeout: keep leading.
      transferee_ = kNoNode;
    }
  }
  if (role_ != Role::kLeader) return;
  if (heartbeat_elapsed_ >= config_.heartbeat_timeout_ticks) {
    heartbeat_elapsed_ = 0;
    BroadcastHeartbeat();
  }
}

// ---- Messages ----

void Raft::Send(Message m) {
  m.from = id_;
  const bool election = m.type == MessageType::kVote || m.type == MessageType::kPreVote ||
                        m.type == MessageType::kVoteResponse ||
                        m.type == MessageType::kPreVoteResponse;
  // Election messages carry an explicit term (a pre-vote's is the future one); others carry
  // ours, except local ones which carry none.
  if (!election && !IsLocalMessage(m.type)) m.term = term_;
  if (IsSentAfterPersist(m.type) || m.to == id_) {
    msgs_after_persist_.push_back(std::move(m));
  } else {
    msgs_.push_back(std::move(m));
  }
}

absl::Status Raft::Step(Message m) {
  MQ_RETURN_IF_ERROR(Validate(m));
  if (IsLocalMessage(m.type)) return StepLocal(m);

  if (m.term > term_) {
    if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
      const bool forced = m.context == kTransferContext;
      const bool in_lease = config_.check_quorum && leader_ != kNoNode &&
                            election_elapsed_ < config_.election_timeout_ticks;
      // CheckQuorum's lease: having heard from a leader within the minimum election timeout,
      // do not let a candidate (perhaps a removed or partitioned node) depose it.
      if (!forced && in_lease) return absl::OkStatus();
    }
    if (m.type == MessageType::kPreVote) {
      // A pre-vote never changes our term.
    } else if (m.type == MessageType::kPreVoteResponse && !m.reject) {
      // Granted pre-votes carry the term we would campaign in; our term moves when we win.
    } else if (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
               m.type == MessageType::kSnapshot) {
      BecomeFollower(m.term, m.from);
    } else {
      BecomeFollower(m.term, kNoNode);
    }
  } else if (m.term < term_) {
    if ((config_.check_quorum || config_.pre_vote) &&
        (m.type == MessageType::kHeartbeat || m.type == MessageType::kAppend)) {
      // A leader of an older term: tell it our term so it steps down. With CheckQuorum or
      // PreVote a node with a higher term (back from a partition) cannot force an election by
      // itself, so this is how the stale leader learns.
      Message resp;
      resp.type = MessageType::kAppendResponse;
      resp.to = m.from;
      Send(std::move(resp));
    } else if (m.type == MessageType::kPreVote || m.type == MessageType::kVote) {
      // Refuse with our term so the candidate catches up: a candidate whose only voters ignore
      // it would otherwise trail their terms forever (its requests always stale).
      Message resp;
      resp.type =
          m.type == MessageType::kVote ? MessageType::kVoteResponse : MessageType::kPreVoteResponse;
      resp.to = m.from;
      resp.term = term_;
      resp.reject = true;
      Send(std::move(resp));
    }
    return absl::OkStatus();
  }

  if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
    HandleVoteRequest(m);
    return absl::OkStatus();
  }
  switch (role_) {
    case Role::kLeader:
      return StepLeader(m);
    case Role::kPreCandidate:
    case Role::kCandidate:
      return StepCandidate(m);
    case Role::kFollower:
      return StepFollower(m);
  }
  return absl::OkStatus();
}

absl::Status Raft::StepLocal(const Message& m) {
  switch (m.type) {
    case MessageType::kLocalPersisted: {
      if (m.index != 0) log_.StableTo(EntryId{m.log_term, m.index});
      if (!m.snapshot.empty()) log_.StableSnapshotTo(m.snapshot.metadata.index);
      if (role_ == Role::kLeader) {
        auto self = progress_.find(id_);
        if (self != progress_.end() && self->second.MaybeUpdate(log_.PersistedIndex())) {
          MaybeCommit();
        }
      }
      return absl::OkStatus();
    }
    case MessageType::kLocalSnapshotStatus: {
      if (role_ != Role::kLeader) return absl::OkStatus();
      auto it = progress_.find(m.from);
      if (it == progress_.end() || it->second.state != ProgressState::kSnapshot) {
        return absl::OkStatus();
      }
      Progress& pr = it->second;
      // On failure forget the snapshot so probing starts from match, not from it.
      if (m.reject) pr.pending_snapshot = 0;
      pr.BecomeProbe();
      // Wait for the follower's response (or the next heartbeat) before sending again.
      pr.flow_paused = true;
      return absl::OkStatus();
    }
    case MessageType::kLocalUnreachable: {
      if (role_ != Role::kLeader) return absl::OkStatus();
      auto it = progress_.find(m.from);
      // Optimistic pipelining into a broken connection probably lost messages: probe.
      if (it != progress_.end() && it->second.state == ProgressState::kReplicate) {
        it->second.BecomeProbe();
      }
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError("not a local message");
  }
}

absl::Status Raft::StepLeader(Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
    case MessageType::kHeartbeat:
    case MessageType::kSnapshot:
      return absl::InvalidArgumentError(
          absl::StrFormat("raft %d: %s from %d claims leadership of term %d, which this node leads",
                          id_, MessageTypeName(m.type), m.from, m.term));
    case MessageType::kVoteResponse:
    case MessageType::kPreVoteResponse:
    case MessageType::kTimeoutNow:
    case MessageType::kReadIndexResponse:
      return absl::OkStatus();  // stale or meant for a follower
    default:
      break;
  }
  auto it = progress_.find(m.from);
  if (it == progress_.end()) {
    return absl::NotFoundError(
        absl::StrFormat("raft %d: %s from %d, not a member", id_, MessageTypeName(m.type), m.from));
  }
  Progress& pr = it->second;
  switch (m.type) {
    case MessageType::kAppendResponse:
      return HandleAppendResponse(m, pr);
    case MessageType::kHeartbeatResponse:
      HandleHeartbeatResponse(m, pr);
      return absl::OkStatus();
    case MessageType::kReadIndex:
      HandleReadIndex(m.from, std::move(m.context));
      return absl::OkStatus();
    case MessageType::kTransferLeader:
      return HandleTransferLeader(m.from);
    default:
      return absl::OkStatus();
  }
}

absl::Status Raft::StepCandidate(Message& m) {
  const MessageType my_response =
      role_ == Role::kPreCandidate ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
  switch (m.type) {
    case MessageType::kAppend:
      BecomeFollower(m.term, m.from);  // m.term == term_: someone won this term
      return HandleAppend(m);
    case MessageType::kHeartbeat:
      BecomeFollower(m.term, m.from);
      return HandleHeartbeat(m);
    case MessageType::kSnapshot:
      BecomeFollower(m.term, m.from);
      return HandleSnapshot(m);
    default:
      if (m.type == my_response) HandleVoteResponse(m);
      return absl::OkStatus();
  }
}

absl::Status Raft::StepFollower(Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
      election_elapsed_ = 0;
      leader_ = m.from;
      return HandleAppend(m);
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      leader_ = m.from;
      return HandleHeartbeat(m);
    case MessageType::kSnapshot:
      election_elapsed_ = 0;
      leader_ = m.from;
      return HandleSnapshot(m);
    case MessageType::kTimeoutNow:
      // Leadership transfer: campaign now, without pre-vote (the leader asked for it).
      Hup(CampaignType::kTransfer);
      return absl::OkStatus();
    case MessageType::kReadIndexResponse:
      read_states_.push_back(ReadState{m.index, std::move(m.context)});
      return absl::OkStatus();
    default:
      return absl::OkStatus();  // responses and requests meant for a leader: stale
  }
}

}  // namespace mq::raft
