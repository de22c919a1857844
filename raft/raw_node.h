#pragma once

// RawNode: the application's handle on one Raft replica. Feed it ticks, messages and
// requests; take a Ready when HasReady(); do what the Ready says in the order below; call
// Advance(). Single-threaded: every call comes from the strand that owns the group. It never
// blocks, never does I/O and never reads a clock.
//
// The loop a shell runs (the persist -> send -> apply -> advance contract):
//
//   while (node.HasReady()) {
//     Ready rd = node.GetReady();
//     send(rd.messages);                          // 1. now, in parallel with the disk
//     write(rd.snapshot, rd.entries_to_persist,   // 2. to LogStorage, in this order;
//           rd.hard_state);                       //    fdatasync if rd.must_sync
//     after_write: for (m : rd.messages_after_persist)    // 3. only once step 2 (and every
//       m.to == self ? node.Step(m) : send(m);            //    earlier Ready's) is durable
//     apply(rd.snapshot, rd.committed_entries);   // 4. any time after GetReady
//     serve(rd.read_states);
//     node.Advance();                             // 5. once step 4 is done
//   }
//
// Step 2 may run asynchronously (a disk executor): the shell may take further Readies before
// it completes, as long as their writes are ordered after it, and their
// messages_after_persist wait for it too. The leader's own entries count toward the commit
// quorum only when step 3 steps the kLocalPersisted message back, so the leader's fsync
// overlaps replication instead of preceding it.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft/conf_change.h"
#include "raft/config.h"
#include "raft/log_storage.h"
#include "raft/progress.h"
#include "raft/raft.h"
#include "raft/types.h"
#include "storage/base/prng.h"

namespace mq::raft {

struct Ready {
  // Set when the leader or this node's role changed. Volatile: never stored.
  std::optional<SoftState> soft_state;

  // Set when term, vote or commit changed: write it with the entries (step 2). Term and vote
  // must be durable before any message of messages_after_persist is sent (a vote is a
  // promise); commit may be written lazily (must_sync does not cover a commit-only change).
  std::optional<HardState> hard_state;

  // Set when a follower received InstallSnapshot: replace the stored log with it (LogStorage
  // then starts after its index) before writing entries_to_persist, and restore the state
  // machine from its data before applying any later committed entries. No committed_entries
  // accompany it.
  std::optional<Snapshot> snapshot;

  // Entries to append to the log, in order. The first may have an index at or below the
  // stored last index: a new leader overwrote a conflicting, uncommitted suffix, which the
  // shell truncates from that index first.
  std::vector<Entry> entries_to_persist;

  // True when step 2 must end with an fdatasync before step 3: entries, a snapshot, or a new
  // term or vote are being written.
  bool must_sync = false;

  // Send now, before or while step 2 runs (a leader's appends, heartbeats, vote requests):
  // none of them promises anything this node has not made durable already. Delivery is best
  // effort: Raft tolerates loss, duplication and reordering.
  std::vector<Message> messages;

  // Deliver only after step 2 is durable: acknowledgements of entries, granted votes, and
  // messages to this node itself (to == the node's id: kLocalPersisted, its own vote), which
  // the shell passes back through Step() instead of the network.
  std::vector<Message> messages_after_persist;

  // Committed entries to apply to the state machine, in order. Only entries already durable
  // on this node are handed out.
  std::vector<Entry> committed_entries;

  // Completed ReadIndex requests: serve each read once the state machine has applied up to
  // its index.
  std::vector<ReadState> read_states;
};

// A snapshot of a node's state for operators, tests and the simulator's invariant checks.
struct NodeStatus {
  NodeId id = kNoNode;
  HardState hard_state;
  SoftState soft_state;
  uint64_t applied = 0;
  uint64_t last_index = 0;
  uint64_t persisted_index = 0;
  ConfState conf_state;
  NodeId transferee = kNoNode;
  std::map<NodeId, Progress> progress;  // leader only
};

class RawNode {
 public:
  // Validates `config` (InvalidArgument names the field) and restores the node from `storage`
  // (which must outlive it). `prng` randomizes election timeouts; seed it per node.
  static absl::StatusOr<std::unique_ptr<RawNode>> Create(const Config& config,
                                                         const LogStorage* storage, Prng prng);

  // One unit of logical time: election and heartbeat timeouts are counted in ticks.
  void Tick();

  // A message from a peer, or one of this node's own messages_after_persist. Malformed
  // messages (bad fields, wrong recipient, unknown sender at a leader) return InvalidArgument
  // or NotFound and change nothing; stale ones are ignored (OK). Local report types are
  // refused here: use ReportSnapshot / ReportUnreachable.
  absl::Status Step(Message m);

  // Appends `data` as a normal entry if this node is the leader and `expected_term` (0: any)
  // is its term; returns the entry's index. The entry is committed when a later Ready hands
  // it out in committed_entries with that index and the proposal's term; a different entry
  // at that index means it was lost. Errors (see errors.h): FailedPrecondition with a leader
  // hint (not leader, term mismatch), Unavailable (transfer in progress, leader being
  // removed), ResourceExhausted (uncommitted_bytes_max).
  absl::StatusOr<uint64_t> Propose(Payload data, uint64_t expected_term = 0);
  // Appends all of `batch` as consecutive entries (all or none); returns the first index.
  absl::StatusOr<uint64_t> ProposeBatch(std::vector<Payload> batch, uint64_t expected_term = 0);
  // Appends a configuration change; it takes effect at once. Refused (Unavailable) until
  // this leader has committed an entry of its term and while another change is uncommitted;
  // InvalidArgument for a change that does not apply (see ApplyConfChange). Returns its index.
  // Add a node as a learner first and promote it once Status().progress shows it caught up:
  // a lagging new voter counts toward the quorum and can stall commits until it catches up.
  absl::StatusOr<uint64_t> ProposeConfChange(const ConfChange& change, uint64_t expected_term = 0);

  // A linearizable read: a later Ready carries ReadState{index, context}. Unavailable when no
  // leader is known. Requests a leader loses along with its leadership are dropped silently:
  // callers need a timeout.
  absl::Status ReadIndex(std::string context);

  // At the leader: hand leadership to voter `to` once it has caught up (proposals are refused
  // meanwhile; abandoned after an election timeout). At a follower, only to == its own id is
  // accepted, forwarded to the leader.
  absl::Status TransferLeader(NodeId to);

  // The shell's transport reports, for every kSnapshot message it sent, whether it was
  // delivered (ok) or failed. Until then the leader sends that follower nothing but heartbeats:
  // a failure makes it retry, a delivery makes it probe from the snapshot. (A heartbeat
  // response showing the follower committed past the snapshot also ends the wait.)
  void ReportSnapshot(NodeId peer, bool ok);
  // The shell's transport could not reach `peer`: stop pipelining to it and probe.
  void ReportUnreachable(NodeId peer);

  bool HasReady();
  // What to do now (see the contract above). Taking a Ready marks its contents handed out:
  // entries will not be handed out again, messages are the shell's to deliver.
  Ready GetReady();
  // Everything handed out so far has been applied (committed entries and snapshot).
  void Advance();

  // ---- Inspection ----
  NodeId id() const { return raft_->id(); }
  uint64_t term() const { return raft_->term(); }
  Role role() const { return raft_->role(); }
  NodeId leader() const { return raft_->leader(); }
  bool is_leader() const { return raft_->role() == Role::kLeader; }
  uint64_t committed() const { return raft_->log().committed(); }
  uint64_t applied() const { return raft_->log().applied(); }
  uint64_t last_index() const { return raft_->log().LastIndex(); }
  // The configuration in effect (the last one in the log).
  const ConfState& conf_state() const { return raft_->conf_state(); }
  // The configuration as of `index` (>= the applied index), for snapshots.
  absl::StatusOr<ConfState> ConfStateAt(uint64_t index) const { return raft_->ConfStateAt(index); }
  NodeStatus Status() const;
  // The engine, for tests.
  const Raft& raft() const { return *raft_; }

 private:
  explicit RawNode(std::unique_ptr<Raft> raft);

  std::unique_ptr<Raft> raft_;
  SoftState prev_soft_state_;
  HardState prev_hard_state_;
  uint64_t applying_payload_bytes_ = 0;
};

}  // namespace mq::raft
