#pragma once

// Checker: the safety invariants of Raft, checked over a whole simulated cluster after every
// event. It keeps the global truth a single node cannot see:
//
//   - the committed history: every entry any node ever applied, by index, with its term, data
//     and the digest of the state machine after it (SimStateMachine's digest chain), and for
//     each entry the lowest term any node was in when it applied it (an upper bound of the
//     term in which it was committed);
//   - the leader of every term ever seen, the vote every node ever granted in every term;
//   - every (index, term) pair ever sent in an append, with its data and the term before it.
//
// The invariants (each failure names one):
//   one-leader-per-term   no two nodes lead the same term, ever
//   vote-once             no node grants its vote to two candidates in one term, across
//                         restarts (a granted vote must be durable)
//   log-matching          entries with equal (index, term) carry equal data and follow entries
//                         with equal terms, so equal (index, term) means equal prefixes; also
//                         checked directly between the logs of live nodes now and then
//   state-machine-safety  every node applies the committed history in order, without gaps,
//                         each entry identical to what every other node applied at that
//                         index; a restored snapshot's state equals the history's at its index
//   leader-completeness   a leader of term T holds every entry applied by some node while in a
//                         term below T
//   committed-in-log      a live node's log agrees with the history up to its commit index
//   commit-monotonic      a node's commit index never goes back while it runs, nor below the
//                         commit it had made durable when it crashed; its term and vote never
//                         go back across a restart
//   durable-ack           a node acknowledges entries only once they are durable on its disk
//   linearizable-read     a ReadIndex read is served at an index no lower than what was
//                         committed when it was issued, by a node that has applied that index
//   acknowledged-durable  (liveness phase) every acknowledged proposal is in the state machine
//                         of every member
// The first violation is kept (with the trace lines leading to it); later ones are ignored.
//
// Single-threaded, owned by the Simulator.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "raft/durable/driver.h"
#include "raft/types.h"
#include "tests/sim/sim_state_machine.h"

namespace mq::sim {

class Checker {
 public:
  // A running node, as the checker sees it.
  struct LiveNode {
    raft::NodeId id = raft::kNoNode;
    const raft::Driver* driver = nullptr;
  };

  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  // Records a violation: "<invariant>: <details>". Only the first is kept.
  void Fail(std::string_view invariant, std::string details);

  // ---- Hooks, called as things happen ----
  // A node (re)starts: forget its volatile state (its applied index starts at 0 until a
  // snapshot is restored).
  void OnStart(raft::NodeId node);
  void OnStop(raft::NodeId node);
  void OnApply(raft::NodeId node, const raft::Entry& entry, uint64_t node_term);
  void OnRestore(raft::NodeId node, const raft::SnapshotMetadata& meta, const SmState& state);
  // A node leads `term`: it counted its own vote, which must be durable (it cannot have
  // granted that term's vote to anyone else).
  void OnLeading(raft::NodeId node, uint64_t term) { RecordVote(node, term, node); }
  // Every message a node hands to its transport; `durable_index` is the highest index whose
  // entry is durable on the sender's disk (its snapshot index if higher).
  void OnSend(const raft::Message& m, uint64_t durable_index);
  // Restart checks, right after a crashed node was opened again. `before` is the hard state
  // the node had written to disk when it crashed.
  void OnRestarted(raft::NodeId node, const raft::HardState& before, const raft::Driver& driver);

  // The client's proposal `value`, accepted by a leader at (index, term).
  void OnProposed(uint64_t index, uint64_t term, raft::Payload value);
  // A ReadIndex request with this context is issued now; then served at `node`, whose state
  // machine has applied `applied`.
  void OnReadIssued(const std::string& context);
  void OnReadServed(raft::NodeId node, const raft::ReadState& read, uint64_t applied);

  // ---- Checks over the live nodes ----
  // After every event: leaders per term, leader completeness (incremental), commit
  // monotonicity. Cheap: amortized O(nodes + new history).
  void CheckStep(const std::vector<LiveNode>& nodes);
  // Reads the logs of the live nodes and compares them with each other and with the history.
  // O(log length) per node pair: call it now and then and at the end of a phase.
  void CheckLogs(const std::vector<LiveNode>& nodes);
  // The liveness goal: every acknowledged proposal is applied on every node in `members`.
  // Returns false (not a violation by itself) while some member lags.
  bool AllAcknowledgedApplied(const std::vector<LiveNode>& members) const;

  // ---- Inspection ----
  uint64_t committed_index() const { return history_.size() - 1; }
  // The term of the committed entry at `index`, if the history reaches it.
  std::optional<uint64_t> CommittedTerm(uint64_t index) const {
    if (index == 0 || index >= history_.size()) return std::nullopt;
    return history_[index].term;
  }
  uint64_t acknowledged() const { return acknowledged_; }
  uint64_t lost() const { return lost_; }
  uint64_t max_acknowledged_index() const { return max_acknowledged_index_; }
  uint64_t leaders_seen() const { return leaders_.size(); }
  uint64_t reads_served() const { return reads_served_; }
  // The leader of `term` ever seen, kNoNode if none.
  raft::NodeId LeaderOf(uint64_t term) const;

 private:
  struct Committed {
    uint64_t term = 0;
    raft::EntryType type = raft::EntryType::kNormal;
    raft::Payload data;
    uint64_t digest = 0;  // the state machine's digest after this entry
    uint64_t normal_entries = 0;
    uint64_t term_bound = 0;  // the lowest term of a node that applied it
  };
  struct Sent {
    raft::EntryType type;
    raft::Payload data;
    uint64_t prev_term;
    raft::NodeId first_sender;
  };
  struct PairHash {
    size_t operator()(const std::pair<uint64_t, uint64_t>& p) const {
      return std::hash<uint64_t>()(p.first * 0x9E3779B97F4A7C15ULL ^ p.second);
    }
  };
  struct NodeTrack {
    bool running = false;
    uint64_t applied = 0;
    uint64_t commit = 0;
    // Leader completeness: the term this node was checked as leader of, and how far.
    uint64_t leader_term = 0;
    uint64_t completeness_checked = 0;
  };
  struct Proposal {
    uint64_t term;
    raft::Payload value;
  };

  void RecordVote(raft::NodeId voter, uint64_t term, raft::NodeId candidate);
  void Resolve(uint64_t index);
  void CheckLeaderCompleteness(raft::NodeId id, const raft::RawNode& node, NodeTrack& track);
  void CheckLogAgainstHistory(raft::NodeId id, const std::vector<raft::Entry>& log,
                              uint64_t commit);

  std::string failure_;
  std::vector<Committed> history_ = std::vector<Committed>(1);  // [0]: before any entry
  std::map<uint64_t, raft::NodeId> leaders_;
  std::map<std::pair<raft::NodeId, uint64_t>, raft::NodeId> votes_;
  std::unordered_map<std::pair<uint64_t, uint64_t>, Sent, PairHash> sent_;
  std::map<raft::NodeId, NodeTrack> nodes_;
  std::map<uint64_t, std::vector<Proposal>> pending_;
  uint64_t acknowledged_ = 0;
  uint64_t lost_ = 0;
  uint64_t max_acknowledged_index_ = 0;
  // ReadIndex requests: context -> the committed index when issued.
  std::map<std::string, uint64_t> reads_;
  uint64_t reads_served_ = 0;
};

}  // namespace mq::sim
