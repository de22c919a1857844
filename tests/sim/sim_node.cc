#include "tests/sim/sim_node.h"

#include <utility>

namespace mq::sim {
namespace {

void AddStats(raft::DriverStats& sum, const raft::DriverStats& s) {
  sum.ready_cycles += s.ready_cycles;
  sum.syncs += s.syncs;
  sum.persist_jobs += s.persist_jobs;
  sum.entries_persisted += s.entries_persisted;
  sum.entries_applied += s.entries_applied;
  sum.snapshots_taken += s.snapshots_taken;
  sum.snapshots_installed += s.snapshots_installed;
  sum.messages_sent += s.messages_sent;
}

}  // namespace

SimNode::SimNode(raft::NodeId id, NodeHost* host, raft::DriverOptions options)
    : id_(id),
      host_(host),
      options_(std::move(options)),
      fs_(std::make_unique<storage::SimFilesystem>()) {
  options_.raft.id = id;
}

SimNode::~SimNode() = default;

absl::Status SimNode::Bootstrap(const raft::ConfState& founding) {
  return Start(/*bootstrap=*/true, founding);
}

absl::Status SimNode::Restart() {
  if (disk_lost_) {
    disk_lost_ = false;
    return Start(/*bootstrap=*/true, founding_);
  }
  return Start(/*bootstrap=*/false, {});
}

void SimNode::LoseDisk() {
  fs_ = std::make_unique<storage::SimFilesystem>();
  disk_lost_ = true;
}

absl::Status SimNode::Start(bool bootstrap, const raft::ConfState& founding) {
  ++incarnation_;
  persist_scheduled = false;
  if (bootstrap) founding_ = founding;
  state_machine_ = std::make_unique<SimStateMachine>(id_, host_);
  absl::StatusOr<std::unique_ptr<raft::Driver>> driver =
      bootstrap
          ? raft::Driver::Bootstrap(*fs_, kDir, founding, options_, state_machine_.get(), this)
          : raft::Driver::Open(*fs_, kDir, options_, state_machine_.get(), this);
  if (!driver.ok()) {
    state_machine_.reset();
    state_ = State::kDown;
    return driver.status();
  }
  driver_ = *std::move(driver);
  state_ = State::kUp;
  return absl::OkStatus();
}

void SimNode::Stop() {
  if (driver_ != nullptr) AddStats(past_stats_, driver_->stats());
  driver_.reset();  // no Close: a crash
  state_machine_.reset();
  persist_scheduled = false;
  write_fault_armed = false;
  fs_->FailNextWrites("/", 0);
}

void SimNode::Crash(Prng& prng, bool power_loss) {
  crash_lost_unsynced_ = false;
  if (driver_ != nullptr) {
    const raft::RaftLogStore& log = driver_->log();
    durable_at_crash_ = log.stored_hard_state();
    crash_lost_unsynced_ = power_loss && log.last_index() > log.durable_index();
  }
  if (power_loss) fs_->Crash(prng);
  Stop();
  state_ = State::kDown;
}

void SimNode::Retire() {
  Stop();
  state_ = State::kRetired;
}

raft::DriverStats SimNode::TotalDriverStats() const {
  raft::DriverStats sum = past_stats_;
  if (driver_ != nullptr) AddStats(sum, driver_->stats());
  return sum;
}

}  // namespace mq::sim
