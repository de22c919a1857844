// Log replication (Raft §5.3, §5.4.2, §7): the leader's sending, flow control and commit rule,
// and the follower's handling of appends, heartbeats and snapshots.

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "raft/quorum.h"
#include "raft/raft.h"
#include "storage/base/status_macros.h"

namespace mq::raft {

// ---- Leader: sending ----

void Raft::FlushAppends() {
  if (role_ != Role::kLeader) return;
  const uint64_t committed = log_.committed();
  for (auto& [id, pr] : progress_) {
    if (id == id_) continue;
    // Pipelining: as many messages as flow control allows, each up to
    // append_entries_bytes_max, carrying everything proposed since the last flush. An empty
    // append goes out only to answer a rejection/probe, or to carry a new commit index when
    // that is announced at once (Config::announce_commit_at_once).
    bool send_if_empty =
        pr.send_needed || (config_.announce_commit_at_once && pr.commit_sent < committed);
    while (MaybeSendAppend(id, pr, send_if_empty)) send_if_empty = false;
  }
  if (read_heartbeat_pending_) {
    read_heartbeat_pending_ = false;
    BroadcastHeartbeat();
  }
}

bool Raft::MaybeSendAppend(NodeId to, Progress& pr, bool send_if_empty) {
  if (pr.IsPaused()) return false;
  const uint64_t last = log_.LastIndex();
  const uint64_t prev_index = pr.next - 1;
  absl::StatusOr<uint64_t> prev_term = log_.Term(prev_index);
  if (!prev_term.ok()) {
    MQ_CHECK_MSG(IsCompacted(prev_term.status()), "progress.next past the leader's log");
    return SendSnapshot(to, pr);
  }
  std::vector<Entry> entries;
  if (pr.next <= last) {
    absl::StatusOr<std::vector<Entry>> slice =
        log_.Slice(pr.next, last + 1, config_.append_entries_bytes_max);
    if (!slice.ok()) return SendSnapshot(to, pr);  // compacted meanwhile
    entries = *std::move(slice);
  }
  if (entries.empty() && !send_if_empty) return false;

  uint64_t bytes = 0;
  for (const Entry& e : entries) bytes += EntryBytes(e);
  const size_t count = entries.size();
  const uint64_t last_sent = count == 0 ? prev_index : entries.back().index;
  Message m;
  m.type = MessageType::kAppend;
  m.to = to;
  m.index = prev_index;
  m.log_term = *prev_term;
  m.entries = std::move(entries);
  m.commit = log_.committed();
  pr.SentEntries(last_sent, count, bytes);
  pr.commit_sent = std::max(pr.commit_sent, m.commit);
  pr.send_needed = false;
  Send(std::move(m));
  return true;
}

bool Raft::SendSnapshot(NodeId to, Progress& pr) {
  // Do not ship a snapshot to a member that has not been heard from lately.
  if (!pr.recent_active) return false;
  absl::StatusOr<raft::Snapshot> snapshot = storage_->Snapshot();
  if (!snapshot.ok()) {
    if (IsSnapshotTemporarilyUnavailable(snapshot.status())) return false;
    CheckStorage(snapshot.status(), "raft storage Snapshot");
  }
  MQ_CHECK_MSG(!snapshot->empty(), "a follower needs compacted entries but there is no snapshot");
  pr.BecomeSnapshot(snapshot->metadata.index);
  pr.send_needed = false;
  Message m;
  m.type = MessageType::kSnapshot;
  m.to = to;
  m.snapshot = *std::move(snapshot);
  Send(std::move(m));
  return true;
}

void Raft::BroadcastHeartbeat() {
  const std::string context =
      read_only_.empty() ? std::string() : ReadOnly::EncodeRound(read_only_.last_round());
  for (const auto& [id, pr] : progress_) {
    if (id != id_) SendHeartbeat(id, pr, context);
  }
}

void Raft::SendHeartbeat(NodeId to, const Progress& pr, const std::string& context) {
  Message m;
  m.type = MessageType::kHeartbeat;
  m.to = to;
  // Never tell a follower to commit entries it may not have (or may have differently).
  m.commit = std::min(pr.match, log_.committed());
  m.context = context;
  Send(std::move(m));
}

// ---- Leader: acknowledgements and commit ----

bool Raft::MaybeCommit() {
  const uint64_t index = MajorityIndex(CurrentConf().voters, [this](NodeId id) -> uint64_t {
    auto it = progress_.find(id);
    return it == progress_.end() ? 0 : it->second.match;
  });
  // Figure 8: only an entry of the current term is committed by counting replicas; earlier
  // ones are committed with it.
  if (!log_.MaybeCommit(EntryId{term_, index})) return false;
  OnCommitAdvanced();
  return true;
}

void Raft::OnCommitAdvanced() {
  ReleaseReadsWaitingForCommit();
  if (!IsVoter(CurrentConf(), id_) && !HasUncommittedConfChange()) StepDownAfterRemoval();
}

absl::Status Raft::HandleAppendResponse(const Message& m, Progress& pr) {
  pr.recent_active = true;
  if (m.reject) {
    // The follower's hint is the last entry where it could match; when it gave the term there,
    // skip every index of our log whose term is newer (one probe per term, not per entry).
    uint64_t next_probe = m.reject_hint;
    if (m.log_term > 0) next_probe = log_.FindConflictByTerm(m.reject_hint, m.log_term).index;
    if (pr.MaybeDecrTo(m.index, next_probe)) {
      if (pr.state == ProgressState::kReplicate) pr.BecomeProbe();
      pr.send_needed = true;
    }
    return absl::OkStatus();
  }
  if (m.index > log_.LastIndex()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("raft %d: %d acknowledges index %d past the last index %d", id_, m.from,
                        m.index, log_.LastIndex()));
  }
  if (pr.MaybeUpdate(m.index) || (pr.match == m.index && pr.state == ProgressState::kProbe)) {
    switch (pr.state) {
      case ProgressState::kProbe:
        pr.BecomeReplicate();
        break;
      case ProgressState::kSnapshot:
        // Caught up past the compacted prefix (from the snapshot or otherwise): replicate.
        if (pr.match + 1 >= log_.FirstIndex()) {
          pr.BecomeProbe();
          pr.BecomeReplicate();
        }
        break;
      case ProgressState::kReplicate:
        pr.inflights.FreeLE(m.index);
        break;
    }
    MaybeCommit();
    if (role_ != Role::kLeader) return absl::OkStatus();  // stepped down (removed)
    if (m.from == transferee_ && pr.match == log_.LastIndex()) SendTimeoutNow(m.from);
  } else if (pr.state == ProgressState::kReplicate) {
    pr.inflights.FreeLE(m.index);
  }
  return absl::OkStatus();
}

void Raft::HandleHeartbeatResponse(const Message& m, Progress& pr) {
  pr.recent_active = true;
  if (pr.state == ProgressState::kSnapshot && m.commit >= pr.pending_snapshot &&
      m.commit <= log_.LastIndex()) {
    // The follower has committed (so holds, matching ours) everything the snapshot covered:
    // it was installed and its acknowledgement lost, or the follower caught up otherwise.
    // Committed entries are the same in every log, so they are a safe match.
    pr.MaybeUpdate(m.commit);
    pr.BecomeProbe();
  }
  // Let one append through even if the pipeline is full: if its messages were lost, this is
  // how the leader finds out.
  if (pr.state != ProgressState::kSnapshot) pr.flow_paused = false;
  if (pr.match < log_.LastIndex() || pr.state == ProgressState::kProbe) pr.send_needed = true;
  // A TimeoutNow may have been lost: repeat it while the transferee is caught up.
  if (m.from == transferee_ && pr.match == log_.LastIndex()) SendTimeoutNow(m.from);
  if (m.context.empty()) return;
  std::optional<uint64_t> round = ReadOnly::DecodeRound(m.context);
  if (!round.has_value()) return;  // not ours (or garbage): confirms nothing
  read_only_.Ack(m.from, *round);
  ReleaseConfirmedReads();
}

void Raft::CheckQuorum() {
  const uint64_t active = MajorityIndex(CurrentConf().voters, [this](NodeId id) -> uint64_t {
    if (id == id_) return 1;
    auto it = progress_.find(id);
    return it != progress_.end() && it->second.recent_active ? 1 : 0;
  });
  if (active == 0) {
    // Cut off from a majority: stop acting as leader (no stale reads, no accepted proposals
    // that cannot commit); the majority side elects a new leader.
    BecomeFollower(term_, kNoNode);
    return;
  }
  for (auto& [id, pr] : progress_) {
    if (id != id_) pr.recent_active = false;
  }
}

// ---- Follower ----

void Raft::ResponseToAppend(NodeId to, uint64_t index) {
  Message resp;
  resp.type = MessageType::kAppendResponse;
  resp.to = to;
  resp.index = index;
  Send(std::move(resp));
}

absl::Status Raft::HandleAppend(Message& m) {
  if (m.index < log_.committed()) {
    // Everything up to our commit index already matches the leader.
    ResponseToAppend(m.from, log_.committed());
    return absl::OkStatus();
  }
  const EntryId prev{m.log_term, m.index};
  if (!log_.MatchTerm(prev)) {
    // Hint the last entry that can match: the largest index <= m.index whose term is <= the
    // leader's term there, skipping our whole divergent tail in one round trip.
    const EntryId hint = log_.FindConflictByTerm(std::min(m.index, log_.LastIndex()), m.log_term);
    Message resp;
    resp.type = MessageType::kAppendResponse;
    resp.to = m.from;
    resp.index = m.index;
    resp.reject = true;
    resp.reject_hint = hint.index;
    resp.log_term = hint.term;
    Send(std::move(resp));
    return absl::OkStatus();
  }
  // Check the configuration entries about to take effect before changing anything.
  const uint64_t conflict = log_.FindConflict(m.entries);
  std::vector<std::pair<uint64_t, ConfState>> confs;
  if (conflict != 0) {
    if (conflict <= log_.committed()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "raft %d: append from %d conflicts with committed entry %d", id_, m.from, conflict));
    }
    MQ_ASSIGN_OR_RETURN(confs, ConfsFor(m.entries, conflict));
  }
  MQ_ASSIGN_OR_RETURN(const uint64_t last_new,
                      log_.MaybeAppend(prev, m.commit, std::move(m.entries)));
  if (conflict != 0) {
    TruncateConf(conflict);
    for (auto& [index, conf] : confs) PushConf(index, std::move(conf));
  }
  ResponseToAppend(m.from, last_new);
  return absl::OkStatus();
}

absl::Status Raft::HandleHeartbeat(const Message& m) {
  if (m.commit > log_.LastIndex()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("raft %d: heartbeat from %d commits %d past the last index %d", id_, m.from,
                        m.commit, log_.LastIndex()));
  }
  log_.CommitTo(m.commit);
  Message resp;
  resp.type = MessageType::kHeartbeatResponse;
  resp.to = m.from;
  resp.commit = log_.committed();  // lets a leader waiting on a snapshot see it is not needed
  resp.context = m.context;
  Send(std::move(resp));
  return absl::OkStatus();
}

absl::Status Raft::HandleSnapshot(Message& m) {
  const SnapshotMetadata meta = m.snapshot.metadata;
  if (meta.index <= log_.committed()) {
    ResponseToAppend(m.from, log_.committed());
    return absl::OkStatus();
  }
  if (log_.MatchTerm(EntryId{meta.term, meta.index})) {
    // We already have the snapshot's last entry: it is committed, the log stays.
    log_.CommitTo(meta.index);
    ResponseToAppend(m.from, log_.committed());
    return absl::OkStatus();
  }
  // The snapshot's configuration may predate this node's addition (a new learner caught up
  // from an older snapshot): the entries after it add the node. Not being a voter there, the
  // node cannot campaign meanwhile.

  log_.Restore(std::move(m.snapshot));
  conf_base_ = meta.conf_state;
  conf_base_index_ = meta.index;
  conf_log_.clear();
  ResponseToAppend(m.from, log_.LastIndex());
  return absl::OkStatus();
}

}  // namespace mq::raft
