#pragma once

// Network: a tiny deterministic in-memory cluster for Raft unit tests. Each node is a RawNode
// on a MemoryStorage with a toy state machine (the list of applied payloads). The test drives
// everything: ticks, message delivery (FIFO, one queue), and faults: cuts between pairs,
// isolation, a drop filter, seeded random loss, and held persistence (a node's writes are not
// acknowledged until released, as if its fsync were slow). Readies are processed the way a
// shell must process them (raw_node.h).
//
// Not the cluster simulator (tests/): no crashes with data loss, no reordering, no virtual
// time. Single-threaded.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "raft/memory_storage.h"
#include "raft/raw_node.h"
#include "storage/base/prng.h"

namespace mq::raft::testing {

// Small timeouts so tests tick little: election 10 ticks, heartbeat 1, pre-vote and
// CheckQuorum on.
Config TestConfig(NodeId id = 1);

class Network {
 public:
  // One node per id in `voters`, all founding voters (bootstrapped: their logs start with
  // one configuration entry per voter at term 1, so indexes 1..n are taken and committed).
  // `base` supplies everything but the id.
  explicit Network(const std::vector<NodeId>& voters, Config base = TestConfig(),
                   uint64_t seed = 1);

  // A node that is in no configuration yet (joins when a leader adds it): empty storage.
  void AddNode(NodeId id);
  // Rebuilds node `id` from its storage, as after a clean restart (held acknowledgements are
  // dropped: those writes did happen).
  void Restart(NodeId id);
  // Replaces node `id`'s storage (e.g. a prepared log) and rebuilds it from there.
  void ResetStorage(NodeId id, std::unique_ptr<MemoryStorage> storage);
  // Removes node `id` and its storage from the network entirely (it stops existing).
  void Remove(NodeId id);

  RawNode& node(NodeId id);
  MemoryStorage& storage(NodeId id);
  std::vector<NodeId> ids() const;

  // The toy state machine: payloads of applied non-empty normal entries, in order. A snapshot
  // restore replaces it with the snapshot's payload list.
  const std::vector<std::string>& state(NodeId id) const { return nodes_.at(id).state; }
  // Every entry handed to the application, in order (snapshots excluded).
  const std::vector<Entry>& applied_entries(NodeId id) const {
    return nodes_.at(id).applied_entries;
  }
  std::vector<ReadState> TakeReadStates(NodeId id);
  // The toy state machine encoded as snapshot data.
  Payload SnapshotData(NodeId id) const;
  // Snapshots node `id`'s storage at its applied index and compacts the log up to `compact_to`
  // (0: up to the snapshot). False (nothing done) while a snapshot from the leader is being
  // installed: the configuration at the old applied index is gone, a newer state is coming.
  bool SnapshotAndCompact(NodeId id, uint64_t compact_to = 0);

  void Tick(NodeId id, int ticks = 1);
  void TickAll(int ticks = 1);

  // Fine-grained driving: process every pending Ready (messages are queued, not delivered);
  // take the queued messages; step one message into its recipient, bypassing every fault.
  void ProcessReadies();
  std::vector<Message> TakeQueued();
  absl::Status Inject(Message m);

  // Processes Readies and delivers messages until nothing moves (bounded; aborts if the
  // cluster never settles, which would be a bug in the core).
  void Stabilize();
  // Processes every pending Ready, delivers the messages queued right now once; true if
  // anything happened. For tests that interleave steps.
  bool StepOnce();

  // Ticks `id` until it campaigns, then stabilizes; returns whether it became leader.
  bool Elect(NodeId id);
  // The node that believes it is leader with the highest term (kNoNode if none).
  NodeId Leader() const;

  // ---- Faults ----
  void Cut(NodeId a, NodeId b);
  void Isolate(NodeId id);
  void Heal();  // restores every cut and isolation (not the filter or the loss rate)
  // Drops every message for which `filter` returns true (nullptr: none).
  void SetDropFilter(std::function<bool(const Message&)> filter) { filter_ = std::move(filter); }
  // Like a transport, report each kSnapshot's fate to its sender (ReportSnapshot): delivered
  // or dropped. On by default; off lets a test drive the reports itself.
  void SetReportSnapshots(bool on) { report_snapshots_ = on; }
  // Drops each message with probability percent / 100, from the seeded generator.
  void SetLossPercent(int percent) { loss_percent_ = percent; }
  // While held, node `id`'s Readies are written but not acknowledged: its
  // messages_after_persist wait for ReleasePersistence.
  void HoldPersistence(NodeId id);
  void ReleasePersistence(NodeId id);

  // ---- Observation ----
  // Every message put on the wire so far (not local ones), in order, as ToString lines.
  const std::vector<std::string>& trace() const { return trace_; }
  // Messages put on the wire since the last call.
  std::vector<Message> TakeSent();
  // Errors returned by Step for delivered messages ("node: error"); tests expect none unless
  // they send garbage.
  const std::vector<std::string>& step_errors() const { return step_errors_; }
  size_t dropped() const { return dropped_; }

 private:
  struct Node {
    std::unique_ptr<MemoryStorage> storage;
    std::unique_ptr<RawNode> raw;
    std::vector<std::string> state;
    std::vector<Entry> applied_entries;
    std::vector<ReadState> read_states;
    bool held = false;
    std::vector<Message> parked;  // messages_after_persist waiting for release
  };

  void Build(NodeId id);
  void HandleReady(NodeId id);
  void AfterPersist(NodeId id, std::vector<Message> messages);
  void Enqueue(Message m);
  void Deliver(Message m);
  bool Dropped(const Message& m);

  Config base_;
  Prng prng_;
  std::map<NodeId, Node> nodes_;
  std::deque<Message> queue_;
  std::set<std::pair<NodeId, NodeId>> cuts_;
  std::set<NodeId> isolated_;
  std::function<bool(const Message&)> filter_;
  int loss_percent_ = 0;
  bool report_snapshots_ = true;
  std::vector<std::string> trace_;
  std::vector<Message> sent_;
  std::vector<std::string> step_errors_;
  size_t dropped_ = 0;
};

}  // namespace mq::raft::testing
