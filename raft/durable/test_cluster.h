#pragma once

// Test-only: a cluster of Drivers in one thread, each on its own SimFilesystem (so each can
// crash alone), joined by an in-memory network of queued messages. Used by the driver tests;
// nothing here is part of mq_raft_durable.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "raft/durable/driver.h"
#include "storage/fs/sim_filesystem.h"

namespace mq::raft::durable_test {

// Records the payloads of applied non-empty normal entries, in order; its snapshot is that
// list, so a restored node must end up with exactly the same history.
class RecordingStateMachine final : public StateMachine {
 public:
  absl::Status Apply(const Entry& entry) override;
  absl::StatusOr<Payload> Snapshot() override;
  absl::Status Restore(const raft::Snapshot& snapshot) override;
  void OnReadReady(const ReadState& read) override { reads.push_back(read); }
  void OnSoftState(const SoftState& state) override { soft_states.push_back(state); }

  std::vector<std::string> values;
  uint64_t last_index = 0;
  int restores = 0;
  std::vector<ReadState> reads;
  std::vector<SoftState> soft_states;
  bool fail_apply = false;  // Apply returns an error while set
};

class Network;

// Queues every message on the network.
class QueueTransport final : public Transport {
 public:
  explicit QueueTransport(Network* network) : network_(network) {}
  void Send(Message message) override;

 private:
  Network* network_;
};

class Network {
 public:
  std::deque<Message> queue;
  uint64_t sent = 0;
};

class TestCluster {
 public:
  struct Node {
    std::unique_ptr<storage::SimFilesystem> fs;
    std::unique_ptr<RecordingStateMachine> sm;
    std::unique_ptr<Driver> driver;  // null while down
    DriverOptions options;
  };

  // Bootstraps nodes 1..voters as the founding voters, node i with options(i).
  TestCluster(int voters, std::function<DriverOptions(NodeId)> options);

  static DriverOptions DefaultOptions(NodeId id);

  // Bootstraps one more node with an empty founding configuration (a node that will join).
  void AddJoiningNode(NodeId id);

  Driver& driver(NodeId id) { return *nodes_.at(id).driver; }
  RecordingStateMachine& sm(NodeId id) { return *nodes_.at(id).sm; }
  storage::SimFilesystem& fs(NodeId id) { return *nodes_.at(id).fs; }
  bool up(NodeId id) const { return nodes_.at(id).driver != nullptr; }
  std::vector<NodeId> ids() const;
  Network& network() { return network_; }

  // Drops every message to or from `id` while isolated.
  void Isolate(NodeId id, bool isolated);
  // Extra loss: messages for which this returns true are dropped.
  std::function<bool(const Message&)> drop;
  // CompleteAll completes deferred persistence the disk-thread way (Driver::SyncLogOnly, then
  // CompleteDurable) instead of CompletePersist.
  bool split_completion = false;

  // Delivers what is queued now (not what delivery makes), in order. Returns how many.
  size_t DeliverAll();
  // Delivers queued messages addressed to `to` only, keeping the others queued.
  size_t DeliverTo(NodeId to);
  void TickAll();
  void ProcessAll();
  void CompleteAll();
  // Completes `id`'s deferred persistence as CompleteAll does.
  void Complete(NodeId id);
  // Process / complete persists / deliver until nothing moves (bounded).
  void Stabilize(bool complete_persists = true);
  // Ticks and stabilizes until one up node leads; returns it (kNoNode after max_ticks).
  NodeId WaitForLeader(int max_ticks = 200);
  NodeId Leader() const;

  // Power loss on `id`'s filesystem, chosen by `seed`; the driver is destroyed (not closed).
  void Crash(NodeId id, uint64_t seed);
  // A clean shutdown.
  void Stop(NodeId id);
  // Reopens a down node from its directory with a fresh state machine.
  void Start(NodeId id);

  // Proposes at the current leader, then stabilizes (and ticks, at most 100 times) until it
  // is applied on every up, connected node.
  void ProposeAndCommit(const std::string& value);

 private:
  void Deliver(Message m);

  std::map<NodeId, Node> nodes_;
  std::set<NodeId> isolated_;
  Network network_;
  std::map<NodeId, std::unique_ptr<QueueTransport>> transports_;
};

inline const std::string kNodeDir = "/raft";

}  // namespace mq::raft::durable_test
