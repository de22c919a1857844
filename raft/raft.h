#pragma once

// Raft: the consensus state machine of one replica of one group. Pure and deterministic: its
// only inputs are Tick(), Step(message) and the proposal calls; its outputs are messages and
// log/commit changes that RawNode packages into a Ready. No clocks (time is ticks), no I/O
// (LogStorage is read-only and local), no threads, and randomness only from the injected Prng.
// Applications use RawNode (raw_node.h); this class is its engine, public for tests.
//
// The code is split by role and concern: raft.cc (construction, Step dispatch, terms, role
// changes, ticks), raft_election.cc (campaigns and votes), raft_replication.cc (the leader's
// sending and commit, the follower's append/heartbeat/snapshot handling), raft_membership.cc
// (configuration changes), raft_requests.cc (proposals, ReadIndex, leadership transfer),
// raft_validate.cc (checks on every message from the network).
//
// Persistence: the node's own new entries sit in the RaftLog's unstable tail until the shell
// steps the Ready's kLocalPersisted message. Only then does the leader count its own log toward
// a quorum, so it writes its disk in parallel with replicating to followers (thesis §10.2.1),
// and only then are entries handed out for applying.
//
// Membership (one node at a time, no joint consensus). Safety argument:
//  1. A configuration takes effect on a node as soon as its entry is in that node's log,
//     committed or not; a node always uses the last configuration in its log (reverting when
//     a conflicting suffix is truncated). Quorums for elections, commit, CheckQuorum and
//     ReadIndex all use it.
//  2. Each change adds or removes one voter, so any majority of the old voter set and any
//     majority of the new one share a voter (|old| and |new| differ by one).
//  3. A leader appends a configuration entry only when (a) no configuration entry in its log
//     is uncommitted, and (b) it has committed an entry of its own term. (a) keeps a log from
//     holding two uncommitted changes. (b) closes the known gap of single-server changes: an
//     uncommitted C' of an earlier term, which this leader does not have, could otherwise be
//     revived by a later leader while this leader's own C'' (two voters away from C') also
//     commits. Once this leader has committed in its term under C (the committed
//     configuration that both C' and C'' extend by one voter), a majority of C holds a log
//     newer than any log holding C', and every majority of C' meets that majority (by 2), so
//     no log holding C' can win an election again.
//  4. Hence the configurations that can elect a leader or commit an entry are at any time C
//     and at most one C'' adjacent to it; their majorities intersect (2), and a voter votes
//     once per term, so no term has two leaders and no two commits disagree.
// A removed leader keeps leading (replicating, not counting itself) until the configuration
// without it is committed, then steps down and asks the most up-to-date voter to campaign
// (TimeoutNow). A node not among the voters of its configuration never campaigns; any node
// may vote (a learner may have been promoted by an entry it has not received yet).
//
// Single-threaded: owned by the strand that owns the group.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft/conf_change.h"
#include "raft/config.h"
#include "raft/log_storage.h"
#include "raft/progress.h"
#include "raft/raft_log.h"
#include "raft/read_only.h"
#include "raft/types.h"
#include "storage/base/prng.h"

namespace mq::raft {

// The context of a vote request made on a leader's TimeoutNow: voters skip the
// CheckQuorum lease for it (the old leader asked for the election).
inline constexpr std::string_view kTransferContext = "transfer";

class Raft {
 public:
  // Validates `config`, then restores from `storage`: hard state, the configuration as of the
  // snapshot plus configuration entries after it. `storage` must outlive the node.
  // InvalidArgument for a bad config, DataLoss for storage contents that cannot be right.
  static absl::StatusOr<std::unique_ptr<Raft>> Create(const Config& config,
                                                      const LogStorage* storage, Prng prng);

  // ---- Inputs (see RawNode for the contract) ----
  void Tick();
  // InvalidArgument / NotFound for malformed messages or unknown senders (nothing changes);
  // stale messages are ignored and return OK.
  absl::Status Step(Message m);
  // Appends one normal entry per payload; returns the index of the first.
  absl::StatusOr<uint64_t> Propose(Payload* payloads, size_t count, uint64_t expected_term);
  absl::StatusOr<uint64_t> ProposeConfChange(const ConfChange& change, uint64_t expected_term);
  absl::Status ReadIndex(std::string context);
  absl::Status TransferLeader(NodeId to);
  // Sends the append messages proposals and acknowledgements made necessary since the last
  // call, batching everything that accumulated into as few messages as flow control allows.
  void FlushAppends();

  // ---- State ----
  NodeId id() const { return id_; }
  uint64_t term() const { return term_; }
  NodeId vote() const { return vote_; }
  Role role() const { return role_; }
  NodeId leader() const { return leader_; }
  HardState hard_state() const { return HardState{term_, vote_, log_.committed()}; }
  SoftState soft_state() const { return SoftState{leader_, role_}; }
  const RaftLog& log() const { return log_; }
  RaftLog& mutable_log() { return log_; }
  const Config& config() const { return config_; }
  // The configuration in effect: the last one in the log.
  const ConfState& conf_state() const;
  // The configuration as of log index `index`, for a snapshot taken at an applied index.
  // FailedPrecondition below the applied index.
  absl::StatusOr<ConfState> ConfStateAt(uint64_t index) const;
  // The leader's view of each member (empty unless leader).
  const std::map<NodeId, Progress>& progress() const { return progress_; }
  NodeId transferee() const { return transferee_; }
  uint64_t uncommitted_bytes() const { return uncommitted_bytes_; }
  int randomized_election_timeout() const { return randomized_election_timeout_; }

  // ---- Outputs, drained by RawNode ----
  std::vector<Message>& messages() { return msgs_; }
  std::vector<Message>& messages_after_persist() { return msgs_after_persist_; }
  std::vector<ReadState>& read_states() { return read_states_; }
  // The application applied everything handed out up to `index`, `payload_bytes` of payload.
  void OnApplied(uint64_t index, uint64_t payload_bytes);

 private:
  enum class CampaignType { kPreElection, kElection, kTransfer };

  Raft(const Config& config, const LogStorage* storage, Prng prng, RaftLog log);
  absl::Status Restore(const StorageState& state);

  // raft.cc: roles, terms, ticks, dispatch.
  void Reset(uint64_t term);
  void BecomeFollower(uint64_t term, NodeId leader);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void ResetRandomizedElectionTimeout();
  void TickElection();
  void TickHeartbeat();
  bool Promotable() const;
  absl::Status StepLocal(const Message& m);
  absl::Status StepLeader(Message& m);
  absl::Status StepCandidate(Message& m);
  absl::Status StepFollower(Message& m);
  void Send(Message m);

  // raft_validate.cc
  absl::Status Validate(const Message& m) const;

  // raft_election.cc
  void Hup(CampaignType type);
  void Campaign(CampaignType type);
  void HandleVoteRequest(const Message& m);
  void HandleVoteResponse(const Message& m);

  // raft_replication.cc
  // Sends one append (or snapshot) to `to` if flow control allows and there is something to
  // send (or `send_if_empty`); true when a message went out.
  bool MaybeSendAppend(NodeId to, Progress& pr, bool send_if_empty);
  bool SendSnapshot(NodeId to, Progress& pr);
  void BroadcastHeartbeat();
  void SendHeartbeat(NodeId to, const Progress& pr, const std::string& context);
  bool MaybeCommit();
  void OnCommitAdvanced();
  absl::Status HandleAppendResponse(const Message& m, Progress& pr);
  void HandleHeartbeatResponse(const Message& m, Progress& pr);
  absl::Status HandleAppend(Message& m);
  absl::Status HandleHeartbeat(const Message& m);
  absl::Status HandleSnapshot(Message& m);
  void CheckQuorum();
  void ResponseToAppend(NodeId to, uint64_t index);

  // raft_membership.cc
  const ConfState& CurrentConf() const;
  // Records a configuration entry appended at `index`.
  void PushConf(uint64_t index, ConfState conf);
  // Drops configuration entries at or after `index` (a truncated suffix).
  void TruncateConf(uint64_t index);
  // Brings the progress map and leader-side state in line with the configuration in effect.
  void SwitchConf();
  bool HasUncommittedConfChange() const;
  // Computes the configurations the conf entries of `entries` (from `from_index` on) would
  // produce on top of the one in effect before `from_index`, without changing anything.
  absl::StatusOr<std::vector<std::pair<uint64_t, ConfState>>> ConfsFor(
      const std::vector<Entry>& entries, uint64_t from_index) const;
  void StepDownAfterRemoval();

  // raft_requests.cc
  absl::Status CheckProposable(uint64_t expected_term) const;
  bool CommittedEntryInCurrentTerm() const;
  void HandleReadIndex(NodeId from, std::string context);
  void RespondToRead(NodeId from, uint64_t index, std::string context);
  void ReleaseConfirmedReads();
  void ReleaseReadsWaitingForCommit();
  absl::Status HandleTransferLeader(NodeId transferee);
  void SendTimeoutNow(NodeId to);

  const Config config_;
  const NodeId id_;
  const LogStorage* storage_;
  Prng prng_;

  uint64_t term_ = 0;
  NodeId vote_ = kNoNode;
  NodeId leader_ = kNoNode;
  Role role_ = Role::kFollower;
  RaftLog log_;

  // Configurations: `conf_base_` is in effect as of index `conf_base_index_` (the snapshot or
  // the last applied configuration entry); `conf_log_` lists later configuration entries.
  ConfState conf_base_;
  uint64_t conf_base_index_ = 0;
  std::vector<std::pair<uint64_t, ConfState>> conf_log_;

  std::map<NodeId, Progress> progress_;  // leader only; ordered for deterministic output
  std::map<NodeId, bool> votes_;         // candidates only
  bool read_heartbeat_pending_ = false;  // a ReadIndex round awaits its heartbeats

  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;

  NodeId transferee_ = kNoNode;
  uint64_t uncommitted_bytes_ = 0;
  ReadOnly read_only_;
  // ReadIndex requests that arrived before this leader committed an entry of its term.
  std::vector<std::pair<NodeId, std::string>> reads_waiting_for_commit_;

  std::vector<Message> msgs_;
  std::vector<Message> msgs_after_persist_;
  std::vector<ReadState> read_states_;
};

}  // namespace mq::raft
