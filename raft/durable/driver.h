#pragma once

// Driver: one Raft replica run the way the broker and the simulator both run it. It owns a
// RawNode and its durable log (RaftLogStore), and joins them to the application's
// StateMachine and Transport through the persist -> send -> apply -> advance loop of
// raw_node.h, written once, here, and checked with MQ_CHECKs.
//
// Lifecycle
//   Bootstrap(dir, founding) creates a replica's directory once, for a new group (`founding`
//   holds its initial members, written as the founding log, raft/bootstrap.h; a node that
//   will be added to an existing group passes an empty ConfState and learns everything from
//   the leader's log or snapshot). Open(dir) restarts it
//   from disk, every time after that: it restores the state machine from the stored snapshot
//   (if any), then the core hands out the committed entries after it again for applying.
//   Close() makes everything written durable and closes the files. Destroying a Driver
//   without Close() is a legal crash: whatever the filesystem had not synced is lost. With
//   SimFilesystem: SimFilesystem::Crash(prng), destroy the driver, Open again (a fresh
//   StateMachine, since the old one held volatile state).
//
// Driving it (single-threaded, no threads, no clocks, no I/O beyond the Filesystem)
//   Tick() once per tick, Step(m) for every message the transport received, Propose*() /
//   ReadIndex() / TransferLeader() for requests; then ProcessReady(), which runs Ready cycles
//   until the node has nothing left to hand out. Nothing happens between those calls: the
//   caller decides when (the simulator, at chosen virtual times).
//
// One Ready cycle (the contract of raw_node.h, in this order):
//   1. soft state changes  -> StateMachine::OnSoftState
//   2. rd.messages         -> Transport::Send at once (they promise nothing unsynced)
//   3. write rd.snapshot (durable at once), rd.entries_to_persist (a conflicting suffix is
//      truncated first) and rd.hard_state to the RaftLogStore
//   4. persistence: kInline -> Sync() now; kDeferred -> queue a persist job (see below)
//   5. apply rd.snapshot (StateMachine::Restore) and rd.committed_entries (Apply), in order
//   6. rd.read_states      -> OnReadReady once the state machine has applied their index
//   7. RawNode::Advance()
//   8. take a snapshot and compact the log when the log grew past snapshot_entries_interval
// A job's messages_after_persist are delivered, in order, only once its writes and those of
// every earlier job are synced: messages to this node (kLocalPersisted, its own vote) go back
// through RawNode::Step, the rest to Transport::Send.
//
// Persistence modes
//   kInline: step 4 syncs before the cycle ends, so after ProcessReady returns nothing is
//     pending. The simplest mode; the fdatasync runs on the caller's thread.
//   kDeferred: step 4 only queues the job, which records the log's last index after its
//     writes. ProcessReady may run many cycles while jobs are pending. The owner completes
//     them later, in one of two ways:
//     - CompletePersist() (one call, owner thread): ONE fdatasync of the log covering every
//       job queued so far (group commit), the hard state if due, then the
//       messages_after_persist of every job, in order. Close uses it, and the simulator's
//       plain deferred nodes.
//     - The split, for a disk thread: SyncLogOnly() runs on the disk thread -- the log's
//       fdatasync alone, covering every append made before it started, concurrently with
//       further cycles on the owner thread -- and afterwards CompleteDurable() on the owner
//       thread writes the hard state if due (term and vote always, inline: rare) and
//       delivers, in order, the jobs whose last index is <= log().durable_index(). Later jobs
//       (appended while the sync ran) stay pending for the next round; a job with no entries
//       past the durable index (a vote) goes out once the hard state is written. Until the
//       round trip ends, the owner must not call Close (nor destroy the driver).
//     Either way a leader writes its own disk in parallel with replication: its entries count
//     toward the quorum only once their job is delivered. A cycle that must destroy written
//     data (truncating a conflicting suffix, installing a snapshot) first completes the pending
//     jobs itself (as CompletePersist does, on the owner thread; a SyncLogOnly in flight on a
//     disk thread just takes turns with it inside storage), so no acknowledgement is ever sent
//     for entries that are already gone. The order rule is MQ_CHECKed at every delivery: the
//     job's entries are durable, and so are the term and vote of the hard state.
//
// Snapshots: when applied - snapshot index reaches snapshot_entries_interval (0: never on its
// own), the driver asks StateMachine::Snapshot() for its state at the applied index, writes it
// (RaftLogStore::CreateSnapshot, durable) and compacts the log up to applied -
// snapshot_keep_entries (whole segments only). TakeSnapshot() does the same on demand.

// Snapshots at segment starts (snapshot_at_segment_starts, with the log store in history mode,
// for groups whose log is the data and is trimmed by retention): in step 5, just before
// applying a committed entry i that is the first entry of a log segment, when i - 1 is newer
// than the newest kept snapshot, the driver snapshots the state machine there (it is exactly
// at i - 1) and adds it to the store's history. So every segment boundary the replica applied
// past has a snapshot, and the owner may call CompactTo(boundary) to drop the segments before
// it (retention); the store then sends lagging followers the snapshot at exactly its first
// index - 1. Open restores from the newest kept snapshot and re-applies only the entries after
// it (at most about one segment). snapshot_entries_interval and snapshot_keep_entries are
// ignored in this mode, and nothing is ever compacted except by CompactTo; TakeSnapshot()
// still adds a snapshot at the applied index (not compacting).
//
// Errors: a storage write that fails, or a StateMachine call that returns an error, leaves the
// driver broken: that call and every later one return the error (FailedPrecondition "driver
// broken: ..."), Tick() does nothing, and the only way on is to destroy it and Open again
// (the process-crash path). Failed fdatasyncs abort inside storage (see segmented_log.h).
// Errors from the core for a request (not leader, bad message...) are returned unchanged and
// do not break anything.
//
// Re-entrancy: StateMachine and Transport callbacks run inside ProcessReady/CompletePersist/
// CompleteDurable. They may call Propose*, ReadIndex, TransferLeader, ReportSnapshot and
// ReportUnreachable on this driver (the work shows up in the next cycle of the same
// ProcessReady), but must not call Step, Tick, ProcessReady, CompletePersist, CompleteDurable,
// TakeSnapshot, CompactTo or Close (queue instead); doing so is a programmer error (MQ_CHECK).
// Transport::Send must not deliver synchronously into another driver's Step that could call
// back here; queueing is always safe.
//
// Threading: one owner thread (or strand) makes every call, except SyncLogOnly() (see
// kDeferred above), which may run on one other thread at a time.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft/conf_change.h"
#include "raft/config.h"
#include "raft/durable/raft_log_store.h"
#include "raft/raw_node.h"
#include "raft/types.h"
#include "storage/fs/filesystem.h"

namespace mq::raft {

// The replicated application. Called only from inside the driver, on its thread.
class StateMachine {
 public:
  virtual ~StateMachine() = default;

  // A committed entry, in log order, each index once per incarnation (after Open, the
  // entries after the restored snapshot are applied again). Includes the empty normal entries
  // new leaders append and kConfChange entries (already in effect in the core; shown for
  // information). An error breaks the driver (see the file comment).
  virtual absl::Status Apply(const Entry& entry) = 0;

  // The state as of the last entry applied (the driver records the index and term).
  virtual absl::StatusOr<Payload> Snapshot() = 0;

  // Replaces the whole state with `snapshot` (installed from the leader, or read at Open).
  virtual absl::Status Restore(const raft::Snapshot& snapshot) = 0;

  // A ReadIndex request completed: the state machine has applied at least `read.index`, so
  // the read may be served now.
  virtual void OnReadReady(const ReadState& read) {}

  // The known leader or this node's role changed.
  virtual void OnSoftState(const SoftState& state) {}
};

// Best-effort delivery of messages to peers (Raft tolerates loss, duplication, reordering).
class Transport {
 public:
  virtual ~Transport() = default;
  // `message.to` is a peer, never this node. For kSnapshot messages, report the outcome
  // later with Driver::ReportSnapshot.
  virtual void Send(Message message) = 0;
};

enum class PersistMode : uint8_t {
  kInline,    // sync inside every Ready cycle that writes
  kDeferred,  // sync later: CompletePersist(), or SyncLogOnly() + CompleteDurable()
};

struct DriverOptions {
  // The core's identity and limits. raft.applied_index must stay 0: the driver restores the
  // state machine from its stored snapshot and re-applies from there.
  Config raft;
  RaftLogStoreOptions log;
  PersistMode persist_mode = PersistMode::kInline;
  // Seeds the core's randomized election timeouts; give every node its own.
  uint64_t prng_seed = 1;
  // Take a snapshot (and compact) once this many entries were applied after the last one;
  // 0: only on TakeSnapshot().
  uint64_t snapshot_entries_interval = 10000;
  // Entries kept in the log below a new snapshot, so followers slightly behind are sent
  // entries rather than the whole snapshot.
  uint64_t snapshot_keep_entries = 1000;
  // Snapshot at every log segment start (see the file comment). Requires
  // log.keep_snapshot_history (else Open/Bootstrap fail with InvalidArgument).
  bool snapshot_at_segment_starts = false;
};

// What the driver did, for tests, metrics and the simulator's coverage report.
struct DriverStats {
  uint64_t ready_cycles = 0;
  uint64_t syncs = 0;                // RaftLogStore::Sync calls that covered a persist job
  uint64_t durable_completions = 0;  // CompleteDurable calls that delivered a job
  uint64_t persist_jobs = 0;         // jobs completed (inline or deferred)
  uint64_t entries_persisted = 0;    // entries written to the log
  uint64_t entries_applied = 0;
  uint64_t snapshots_taken = 0;
  uint64_t snapshots_installed = 0;  // from a leader (Ready.snapshot)
  uint64_t messages_sent = 0;
};

class Driver {
 public:
  // Creates the replica's directory `dir` with the founding configuration, then opens it.
  // AlreadyExists when `dir` already holds a bootstrapped log. `state_machine` and
  // `transport` must outlive the driver; the state machine must be in its initial state.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Driver>> Bootstrap(
      storage::Filesystem& fs, std::string dir, const ConfState& founding,
      const DriverOptions& options, StateMachine* state_machine, Transport* transport);

  // Restarts the replica stored in `dir` (NotFound if it was never bootstrapped; DataLoss if
  // the stored state is inconsistent, see raft_log_store.h). `state_machine` must be in its
  // initial state: it is restored from the stored snapshot, if any.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Driver>> Open(storage::Filesystem& fs,
                                                                    std::string dir,
                                                                    const DriverOptions& options,
                                                                    StateMachine* state_machine,
                                                                    Transport* transport);

  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;
  // No flush, no sync: a crash (see the file comment).
  ~Driver();

  // ---- Inputs: each changes only the core; ProcessReady() does the rest ----
  void Tick();
  // A message from a peer. Errors from the core (malformed, unknown sender) change nothing.
  [[nodiscard]] absl::Status Step(Message message);
  [[nodiscard]] absl::StatusOr<uint64_t> Propose(Payload data, uint64_t expected_term = 0);
  [[nodiscard]] absl::StatusOr<uint64_t> ProposeBatch(std::vector<Payload> batch,
                                                      uint64_t expected_term = 0);
  [[nodiscard]] absl::StatusOr<uint64_t> ProposeConfChange(const ConfChange& change,
                                                           uint64_t expected_term = 0);
  [[nodiscard]] absl::Status ReadIndex(std::string context);
  [[nodiscard]] absl::Status TransferLeader(NodeId to);
  void ReportSnapshot(NodeId peer, bool ok);
  void ReportUnreachable(NodeId peer);

  // ---- The loop ----
  // Runs Ready cycles (see the file comment) until the node has nothing more to hand out.
  [[nodiscard]] absl::Status ProcessReady();
  // kDeferred: syncs once and delivers the messages_after_persist of every pending job, in
  // order; a no-op when none is pending. (In kInline nothing is ever pending.) Call
  // ProcessReady() afterwards: the delivered kLocalPersisted may have made entries committed.
  [[nodiscard]] absl::Status CompletePersist();
  // Jobs written but not yet delivered (kDeferred).
  size_t persists_pending() const { return jobs_.size(); }

  // kDeferred, the split (see the file comment). SyncLogOnly: the log's fdatasync alone
  // (RaftLogStore::SyncLogOnly), covering every append made before the call; returns the
  // durable index. The only method that may run off the owner thread, concurrently with every
  // other call but Close and the destructor; it checks nothing of the driver's state (a broken
  // driver's log may still be synced). A failed write is returned and breaks nothing: the
  // owner decides (the broker stops the group).
  [[nodiscard]] absl::StatusOr<uint64_t> SyncLogOnly() { return log_->SyncLogOnly(); }
  // Owner thread, after a SyncLogOnly: writes the hard state if due, then delivers, in order,
  // the messages_after_persist of the pending jobs whose entries are all durable
  // (log().durable_index()); the others stay pending. A no-op when none qualifies. Call
  // ProcessReady() afterwards, as after CompletePersist.
  [[nodiscard]] absl::Status CompleteDurable();

  // Snapshots the state machine at the applied index now and compacts (no-op when the
  // stored snapshot is already at the applied index).
  [[nodiscard]] absl::Status TakeSnapshot();

  // Retention (snapshot_at_segment_starts mode): drops the log segments up to `index`, which
  // must be a segment boundary with a kept snapshot (RaftLogStore::CompactTo); returns how many
  // segments went. Called by the owner between ProcessReady calls, never from a callback
  // (MQ_CHECK). FailedPrecondition, leaving the driver working, when `index` does not qualify
  // or the log store is not in history mode; a storage failure breaks the driver.
  [[nodiscard]] absl::StatusOr<size_t> CompactTo(uint64_t index);

  // Completes pending persistence (delivering what it promised), makes the hard state durable
  // and closes the files. Later calls fail with FailedPrecondition. On a broken driver it only
  // closes, and returns the error.
  [[nodiscard]] absl::Status Close();

  // ---- Inspection ----
  NodeId id() const { return node_->id(); }
  const RawNode& node() const { return *node_; }
  NodeStatus Status() const { return node_->Status(); }
  // The index of the last entry (or snapshot) given to the state machine.
  uint64_t applied() const { return applied_; }
  const RaftLogStore& log() const { return *log_; }
  const DriverStats& stats() const { return stats_; }
  // The error that broke the driver; OK while it works.
  const absl::Status& broken() const { return broken_; }

 private:
  // The writes of one Ready cycle waiting for their fdatasync, with what they promise.
  struct PersistJob {
    uint64_t cycle = 0;
    // log_->last_index() after the cycle's writes: the job is durable once the log's durable
    // index reaches it.
    uint64_t last_index = 0;
    std::vector<Message> after_persist;
  };

  Driver(const DriverOptions& options, std::unique_ptr<RaftLogStore> log,
         StateMachine* state_machine, Transport* transport);
  static absl::StatusOr<std::unique_ptr<Driver>> Start(const DriverOptions& options,
                                                       std::unique_ptr<RaftLogStore> log,
                                                       StateMachine* state_machine,
                                                       Transport* transport);

  absl::Status Usable() const;
  absl::Status Fail(absl::Status status);
  // Usable() and not inside a Ready cycle (else MQ_CHECK with `reentered_message`), runs
  // `work` as one, and breaks the driver on its error (Fail).
  absl::Status RunExclusive(const char* reentered_message,
                            const std::function<absl::Status()>& work);
  absl::Status RunCycle();
  absl::Status Write(Ready& rd);
  absl::Status Apply(Ready& rd);
  absl::Status CompletePersistLocked();
  absl::Status CompleteDurableLocked();
  absl::Status DeliverJob(PersistJob& job);
  absl::Status DeliverAfterPersist(uint64_t cycle, std::vector<Message>& messages);
  void Send(Message message);
  void ReleaseReads();
  absl::Status MaybeSnapshot();
  absl::Status SnapshotAt(uint64_t index);

  const DriverOptions options_;
  std::unique_ptr<RaftLogStore> log_;
  std::unique_ptr<RawNode> node_;
  StateMachine* const state_machine_;
  Transport* const transport_;

  // Pending persist jobs, oldest first (kDeferred only).
  std::deque<PersistJob> jobs_;
  // Reads waiting for the state machine to reach their index, in order.
  std::deque<ReadState> reads_;
  uint64_t applied_ = 0;
  uint64_t cycle_ = 0;
  // The last cycle whose writes are known durable; jobs of later cycles are pending.
  uint64_t synced_cycle_ = 0;
  // Set while a cycle or a persist completion runs: guards against re-entrant calls.
  bool busy_ = false;
  bool closed_ = false;
  absl::Status broken_;
  DriverStats stats_;
};

}  // namespace mq::raft
