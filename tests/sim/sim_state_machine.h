#pragma once

// SimStateMachine: the replicated application of the simulated cluster. Its whole state is a
// digest chained over every committed entry it applied (index, type, data), the count of
// normal entries and the applied index, so two replicas that applied the same sequence hold
// the same 24 bytes, and a snapshot is those bytes:
//
//   +---------+-------------+----------------+---------------+
//   | "SIM1"  | applied u64 | normal_entries | digest u64    |   little-endian, 28 bytes
//   | 4 bytes | 8 bytes     | u64, 8 bytes   | 8 bytes       |
//   +---------+-------------+----------------+---------------+
//
// It reports every apply, restore, role change and served read to an observer (the simulator's
// checker) before changing its own state, so the checker sees each entry exactly as it is applied.
// Lifecycle: one per node incarnation (state is volatile: a restart starts from the stored
// snapshot). Single-threaded, called by the node's Driver.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "raft/durable/driver.h"
#include "raft/types.h"

namespace mq::sim {

struct SmState {
  uint64_t applied = 0;
  uint64_t normal_entries = 0;
  uint64_t digest = 0;
  friend bool operator==(const SmState&, const SmState&) = default;
};

// The digest after applying `entry` to a state whose digest is `digest`.
uint64_t FoldEntry(uint64_t digest, const raft::Entry& entry);

inline constexpr size_t kSmSnapshotBytes = 28;
std::string EncodeSmState(const SmState& state);
// InvalidArgument unless `bytes` is a well-formed snapshot.
absl::StatusOr<SmState> DecodeSmState(std::string_view bytes);

class ApplyObserver {
 public:
  virtual ~ApplyObserver() = default;
  virtual void OnApply(raft::NodeId node, const raft::Entry& entry) = 0;
  virtual void OnRestore(raft::NodeId node, const raft::SnapshotMetadata& meta,
                         const SmState& state) = 0;
  virtual void OnSoftState(raft::NodeId node, const raft::SoftState& state) = 0;
  virtual void OnReadReady(raft::NodeId node, const raft::ReadState& read) = 0;
};

class SimStateMachine final : public raft::StateMachine {
 public:
  SimStateMachine(raft::NodeId id, ApplyObserver* observer) : id_(id), observer_(observer) {}

  absl::Status Apply(const raft::Entry& entry) override;
  absl::StatusOr<raft::Payload> Snapshot() override;
  absl::Status Restore(const raft::Snapshot& snapshot) override;
  void OnSoftState(const raft::SoftState& state) override;
  void OnReadReady(const raft::ReadState& read) override { observer_->OnReadReady(id_, read); }

  const SmState& state() const { return state_; }

 private:
  const raft::NodeId id_;
  ApplyObserver* const observer_;
  SmState state_;
};

}  // namespace mq::sim
