#pragma once

// Simulator: a whole Raft cluster in one thread on virtual time, the test of record for the
// Raft library (DESIGN.md section 11). Every node runs the real core behind the real Driver
// and RaftLogStore, on its own simulated disk (SimFilesystem: a power loss drops or tears what
// was not synced); the network, the clocks, the client and the faults are simulated, and all
// their randomness comes from one seed, forked per component. Nothing reads a real clock, so
// a seed replays exactly.
//
// A run (Run()):
//   1. boot: the founding voters are bootstrapped and start ticking; a client proposes values
//      to whoever leads and records which were acknowledged (committed at their index with the
//      proposal's term), and makes linearizable reads (ReadIndex) at any node;
//   2. safety phase: the nemesis injects faults -- crashes and restarts (power loss or process
//      crash), symmetric, asymmetric and bridged partitions that come and go, leadership
//      transfers, membership changes (learner added, caught up, promoted; voters removed, the
//      leader included), snapshots on demand, write errors -- over a network that drops,
//      duplicates, delays and reorders messages, with every node's clock drifting;
//   3. liveness phase: everything heals (no partitions, no loss, every member up); within a
//      bound (liveness_ticks_max, plus a round trip per entry of the backlog left by the safety
//      phase) a leader must commit fresh proposals and every member must apply every
//      acknowledged proposal.
// The Checker (checker.h) checks the safety invariants after every event; the first violation
// stops the run. A SimResult carries the seed, the step, the violation, the last trace lines
// and the coverage counters.
//
// Scenario tests use the same pieces by hand: Boot(), then RunFor / RunUntil with partitions,
// crashes, filters and proposals of their choosing, and the nemesis and client left off.
//
// Single-threaded. One Simulator per run.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "raft/durable/driver.h"
#include "storage/base/logging.h"
#include "storage/base/prng.h"
#include "tests/sim/checker.h"
#include "tests/sim/event_queue.h"
#include "tests/sim/sim_network.h"
#include "tests/sim/sim_node.h"
#include "tests/sim/sim_options.h"
#include "tests/sim/sim_stats.h"
#include "tests/sim/trace.h"

namespace mq::sim {

struct SimResult {
  bool ok = true;
  uint64_t seed = 0;
  uint64_t step = 0;  // events processed (the failing one, on failure)
  VirtualTime time = 0;
  std::string phase;       // where it stopped: "safety", "liveness", "done"
  std::string failure;     // "<invariant>: <details>"
  std::string options;     // Describe(options)
  std::string trace_tail;  // the last trace lines
  SimStats stats;

  // The failure report: seed, step, invariant, options, trace, and `repro` (a command line).
  std::string Report(const std::string& repro) const;
};

class Simulator final : public NodeHost {
 public:
  explicit Simulator(SimOptions options);
  ~Simulator() override;

  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // The whole run: boot, safety phase, liveness phase (see the file comment).
  SimResult Run();
  // Lines of trace kept in a SimResult.
  static constexpr size_t kTraceTailLines = 50;

  // ---- Building blocks ----
  // Bootstraps the founding voters (ids 1..options.voters) and starts their clocks.
  void Boot();
  // Same, with each founding node's disk prepared first by `prepare(id, fs, options)` (e.g. a
  // log written with RaftLogStore for a scenario). `prepare` must leave a bootstrapped store
  // in SimNode::kDir.
  void BootPrepared(const std::function<absl::Status(raft::NodeId, storage::SimFilesystem&,
                                                     const raft::DriverOptions&)>& prepare);
  // Runs events until `us` of virtual time have passed (or a violation). False on violation.
  bool RunFor(uint64_t us);
  // Runs until `done()` holds (checked after every event), `us_max` passes, or a violation.
  bool RunUntil(const std::function<bool()>& done, uint64_t us_max);

  // The client and the nemesis run in the background once started.
  void StartClient();
  void StopClient() { client_on_ = false; }
  void StartNemesis();
  void StopNemesis() { nemesis_on_ = false; }

  // ---- Nodes ----
  SimNode* node(raft::NodeId id);
  std::vector<raft::NodeId> node_ids() const;
  // The running node that leads the highest term (kNoNode if none).
  raft::NodeId Leader() const;
  void Crash(raft::NodeId id, bool power_loss = true);
  // Restarts a crashed node now (a failure to open is a violation).
  void Restart(raft::NodeId id);
  // A node's clock: virtual time between its ticks (0 stops it).
  void SetTickPeriod(raft::NodeId id, uint64_t period_us);
  // Adds a node with a fresh id and an empty disk, running but not yet a member.
  raft::NodeId AddNode();
  // The configuration in effect at the leader (or at the first running node).
  raft::ConfState Configuration() const;

  // ---- Requests, as a client or an operator would make them ----
  // A linearizable read at `at` (ReadIndex); the checker verifies it when served.
  absl::Status Read(raft::NodeId at);
  // Proposes `value` at `at` with the node's current term; recorded as a client proposal.
  absl::StatusOr<uint64_t> Propose(raft::NodeId at, std::string value);
  absl::StatusOr<uint64_t> ProposeConfChange(raft::NodeId at, const raft::ConfChange& change);
  absl::Status TransferLeader(raft::NodeId at, raft::NodeId to);
  absl::Status TakeSnapshot(raft::NodeId at);

  // ---- Inspection ----
  SimNetwork& network() { return network_; }
  Checker& checker() { return checker_; }
  const SimStats& stats();  // brought up to date on each call
  const Trace& trace() const { return trace_; }
  const SimOptions& options() const { return options_; }
  bool failed() const { return checker_.failed(); }
  VirtualTime now() const { return queue_.now(); }
  uint64_t step() const { return step_; }
  // The running nodes as the checker sees them.
  std::vector<Checker::LiveNode> LiveNodes() const;
  // A multi-line status of every node, for failure messages.
  std::string ClusterStatus() const;
  // Sets the command line printed on an abort inside the core (see Run).
  void set_repro(std::string repro) { repro_ = std::move(repro); }

  // NodeHost.
  void Send(raft::NodeId from, raft::Message m) override;
  void OnApply(raft::NodeId node, const raft::Entry& entry) override;
  void OnRestore(raft::NodeId node, const raft::SnapshotMetadata& meta,
                 const SmState& state) override;
  void OnSoftState(raft::NodeId node, const raft::SoftState& state) override;
  void OnReadReady(raft::NodeId node, const raft::ReadState& read) override;

 private:
  friend class AbortReport;

  raft::DriverOptions MakeDriverOptions(raft::NodeId id);
  SimNode& CreateNode(raft::NodeId id);
  // Processes one event and checks the invariants after it. False when none is left.
  bool StepOnce();
  // Runs the node's Ready cycles; schedules its disk completion; handles a broken driver.
  void Pump(SimNode& n);
  void Broken(SimNode& n, const absl::Status& status);
  // Starts the node's clock (a new chain of tick events; any earlier chain ends).
  void ScheduleTick(SimNode& n);
  void ScheduleTickOf(SimNode& n, uint64_t chain);
  void Deliver(raft::Message m);
  void ScheduleSnapshotReport(raft::NodeId leader, raft::NodeId peer, bool ok, uint64_t delay_us);
  uint64_t NextTickDelay(const SimNode& n);
  std::vector<raft::NodeId> RunningIds() const;
  // Notices role changes after an event (elections, new leaders, finished transfers).
  void ObserveRoles(const std::vector<Checker::LiveNode>& live);

  // The client (simulator_client.cc).
  void ClientTick();
  // The nemesis (nemesis.cc).
  void NemesisTick();
  void NemesisCrash();
  void NemesisPartition();
  void NemesisTransfer();
  void NemesisMembership();
  void NemesisSnapshot();
  void NemesisWriteFault();
  void MaybeRetireRemoved();
  raft::NodeId PickTarget(bool prefer_leader);

  // The liveness phase (simulator_client.cc): heals, then drives proposals to the goal.
  void Heal();
  bool LivenessGoalReached();
  void LivenessTick();

  SimOptions options_;
  Prng prng_;        // the simulator's own choices (tick jitter, disk latency)
  Prng crash_prng_;  // what a power loss keeps
  Prng client_prng_;
  Prng nemesis_prng_;
  EventQueue queue_;
  Trace trace_;
  SimNetwork network_;
  Checker checker_;
  SimStats stats_;
  std::map<raft::NodeId, std::unique_ptr<SimNode>> nodes_;
  raft::NodeId next_id_ = 1;
  uint64_t step_ = 0;
  std::string repro_;
  std::string phase_ = "boot";

  bool client_on_ = false;
  bool nemesis_on_ = false;
  uint64_t client_seq_ = 0;
  uint64_t read_seq_ = 0;
  // The client's proposals in flight: (time proposed, index), oldest first.
  std::deque<std::pair<VirtualTime, uint64_t>> client_inflight_;
  raft::NodeId client_hint_ = raft::kNoNode;
  uint64_t partition_episode_ = 0;
  int nodes_added_ = 0;
  std::set<std::pair<uint64_t, raft::NodeId>> leaders_seen_;  // (term, leader)
  std::map<raft::NodeId, uint64_t> pending_transfers_;        // transferee -> term asked in
  std::set<raft::NodeId> removed_;                            // removal committed
  std::set<raft::NodeId> retire_decided_;                     // stopped, or left lingering
  uint64_t conf_changes_seen_ = 0;                            // highest conf entry counted
  uint64_t last_log_check_step_ = 0;
  std::map<raft::NodeId, std::pair<raft::Role, uint64_t>> observed_roles_;
  raft::NodeId current_node_ = raft::kNoNode;  // the node being driven (for log lines)
  LogSink previous_sink_;
  uint64_t client_chain_ = 0;

  // Liveness.
  bool liveness_ = false;
  uint64_t liveness_acked_ = 0;
  uint64_t liveness_index_ = 0;  // the liveness proposal in flight (0: none)
  uint64_t liveness_term_ = 0;
  VirtualTime liveness_proposed_at_ = 0;
  VirtualTime liveness_started_ = 0;
  uint64_t liveness_bound_us_ = 0;
};

}  // namespace mq::sim
