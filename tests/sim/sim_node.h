#pragma once

// SimNode: one simulated server: its own disk (a SimFilesystem that models power loss), the
// real raft::Driver with its RaftLogStore on that disk, and a SimStateMachine. The node is
// also the Driver's Transport: what the driver sends goes to the host (the Simulator), which
// puts it on the simulated network.
//
// Lifecycle: kNew -> Bootstrap -> kUp -> Crash -> kDown -> Restart -> kUp ... -> Retire ->
// kRetired (removed from the group; never started again, its id never reused). Each start is
// a new incarnation: events scheduled for an older one (ticks, disk completions, snapshot
// reports) find the incarnation changed and do nothing.
//
// Single-threaded, owned by the Simulator, which drives it (ticks, messages, persistence).

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "raft/durable/driver.h"
#include "storage/base/prng.h"
#include "storage/fs/sim_filesystem.h"
#include "tests/sim/sim_state_machine.h"

namespace mq::sim {

// What a node needs from the simulator.
class NodeHost : public ApplyObserver {
 public:
  // A message the node's driver handed to its transport.
  virtual void Send(raft::NodeId from, raft::Message m) = 0;
};

class SimNode final : public raft::Transport {
 public:
  enum class State : uint8_t { kNew, kUp, kDown, kRetired };

  // The node's data directory on its own disk.
  static constexpr char kDir[] = "/raft";

  SimNode(raft::NodeId id, NodeHost* host, raft::DriverOptions options);
  ~SimNode() override;

  raft::NodeId id() const { return id_; }
  State state() const { return state_; }
  bool up() const { return state_ == State::kUp; }
  uint64_t incarnation() const { return incarnation_; }
  const raft::DriverOptions& options() const { return options_; }
  bool deferred() const { return options_.persist_mode == raft::PersistMode::kDeferred; }

  // First start: creates the replica on an empty disk. A founding member passes the group's
  // founding configuration (written as the first log entries, raft/bootstrap.h); a node that
  // joins an existing group passes an empty one.
  absl::Status Bootstrap(const raft::ConfState& founding);
  // Starts again from what survived on disk. The driver may refuse (DataLoss...).
  absl::Status Restart();
  // Power loss (`power_loss`: the disk drops or tears what was not synced, per
  // SimFilesystem::Crash) or a process crash (the disk keeps everything written). Either way
  // the driver and the state machine are gone.
  void Crash(Prng& prng, bool power_loss);
  // Stops the node for good (it was removed from the group).
  void Retire();
  // The disk is replaced by an empty one: the next Restart bootstraps the node afresh, as it
  // was first started. Raft does not survive this (the node forgets its votes and its log);
  // only the simulator's self-test injects it, to show that the invariants catch it.
  void LoseDisk();
  bool disk_lost() const { return disk_lost_; }

  // Transport.
  void Send(raft::Message m) override { host_->Send(id_, std::move(m)); }

  // Requires up().
  raft::Driver& driver() { return *driver_; }
  const raft::Driver& driver() const { return *driver_; }
  const SimStateMachine& state_machine() const { return *state_machine_; }
  storage::SimFilesystem& fs() { return *fs_; }

  // The hard state durable on disk when the node last crashed.
  const raft::HardState& durable_at_crash() const { return durable_at_crash_; }
  // Whether the last crash lost writes that were not synced yet.
  bool crash_lost_unsynced() const { return crash_lost_unsynced_; }
  // Driver statistics summed over every incarnation so far (the current one included).
  raft::DriverStats TotalDriverStats() const;

  // Simulator bookkeeping.
  bool persist_scheduled = false;  // a CompletePersist (or CompleteDurable) event is pending
  // Deferred persistence the disk-thread way: SyncLogOnly, then CompleteDurable (see
  // SimOptions::split_sync_percent). Fixed for the node's life.
  bool split_sync = false;
  bool write_fault_armed = false;  // an injected write error is waiting to break the driver
  uint64_t tick_period_us = 0;     // this node's clock: virtual time between ticks (0: stopped)
  uint64_t tick_chain = 0;         // the running chain of tick events (older ones stop)

 private:
  absl::Status Start(bool bootstrap, const raft::ConfState& founding);
  void Stop();

  const raft::NodeId id_;
  NodeHost* const host_;
  raft::DriverOptions options_;
  State state_ = State::kNew;
  uint64_t incarnation_ = 0;
  std::unique_ptr<storage::SimFilesystem> fs_;
  raft::ConfState founding_;  // what the node was bootstrapped with
  std::unique_ptr<SimStateMachine> state_machine_;
  std::unique_ptr<raft::Driver> driver_;
  raft::HardState durable_at_crash_;
  bool crash_lost_unsynced_ = false;
  bool disk_lost_ = false;
  raft::DriverStats past_stats_;
};

}  // namespace mq::sim
