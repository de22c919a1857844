#include "raft/durable/test_cluster.h"

#include <utility>

#include "gtest/gtest.h"
#include "storage/base/coding.h"
#include "storage/base/prng.h"

namespace mq::raft::durable_test {

absl::Status RecordingStateMachine::Apply(const Entry& entry) {
  if (fail_apply) return absl::InternalError("injected apply failure");
  EXPECT_EQ(entry.index, last_index + 1) << "applied out of order";
  last_index = entry.index;
  if (entry.type == EntryType::kNormal && !entry.data.empty()) {
    values.emplace_back(entry.data.view());
  }
  return absl::OkStatus();
}

absl::StatusOr<Payload> RecordingStateMachine::Snapshot() {
  std::string out;
  PutFixed64(&out, last_index);
  for (const std::string& v : values) {
    PutFixed32(&out, static_cast<uint32_t>(v.size()));
    out.append(v);
  }
  return Payload(std::move(out));
}

absl::Status RecordingStateMachine::Restore(const raft::Snapshot& snapshot) {
  const std::string_view in = snapshot.data.view();
  if (in.size() < 8) return absl::DataLossError("test snapshot too short");
  values.clear();
  last_index = DecodeFixed64(in.data());
  EXPECT_EQ(last_index, snapshot.metadata.index);
  for (size_t pos = 8; pos < in.size();) {
    const uint32_t size = DecodeFixed32(in.data() + pos);
    values.emplace_back(in.substr(pos + 4, size));
    pos += 4 + size;
  }
  ++restores;
  return absl::OkStatus();
}

void QueueTransport::Send(Message message) {
  network_->queue.push_back(std::move(message));
  ++network_->sent;
}

DriverOptions TestCluster::DefaultOptions(NodeId id) {
  DriverOptions options;
  options.raft.id = id;
  options.raft.election_timeout_ticks = 10;
  options.raft.heartbeat_timeout_ticks = 1;
  options.prng_seed = 1000 + id;
  options.log.segments.segment_bytes_max = 2048;
  options.log.segments.index_interval_bytes = 256;
  return options;
}

TestCluster::TestCluster(int voters, std::function<DriverOptions(NodeId)> options) {
  ConfState founding;
  for (int i = 1; i <= voters; ++i) founding.voters.push_back(static_cast<NodeId>(i));
  for (NodeId id : founding.voters) {
    Node& node = nodes_[id];
    node.fs = std::make_unique<storage::SimFilesystem>();
    node.sm = std::make_unique<RecordingStateMachine>();
    node.options = options(id);
    transports_[id] = std::make_unique<QueueTransport>(&network_);
    auto driver = Driver::Bootstrap(*node.fs, kNodeDir, founding, node.options, node.sm.get(),
                                    transports_[id].get());
    EXPECT_TRUE(driver.ok()) << driver.status();
    if (driver.ok()) node.driver = *std::move(driver);
  }
}

void TestCluster::AddJoiningNode(NodeId id) {
  Node& node = nodes_[id];
  node.fs = std::make_unique<storage::SimFilesystem>();
  node.sm = std::make_unique<RecordingStateMachine>();
  node.options = DefaultOptions(id);
  transports_[id] = std::make_unique<QueueTransport>(&network_);
  auto driver = Driver::Bootstrap(*node.fs, kNodeDir, ConfState{}, node.options, node.sm.get(),
                                  transports_[id].get());
  ASSERT_TRUE(driver.ok()) << driver.status();
  node.driver = *std::move(driver);
}

std::vector<NodeId> TestCluster::ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, node] : nodes_) out.push_back(id);
  return out;
}

void TestCluster::Isolate(NodeId id, bool isolated) {
  if (isolated) {
    isolated_.insert(id);
  } else {
    isolated_.erase(id);
  }
}

void TestCluster::Deliver(Message m) {
  const bool lost = isolated_.count(m.from) > 0 || isolated_.count(m.to) > 0 ||
                    !nodes_.count(m.to) || !up(m.to) || (drop && drop(m));
  if (m.type == MessageType::kSnapshot && up(m.from)) {
    driver(m.from).ReportSnapshot(m.to, !lost);
  }
  if (lost) return;
  // Errors are the core refusing a message (e.g. from a node it does not know): dropped.
  driver(m.to).Step(std::move(m)).IgnoreError();
}

size_t TestCluster::DeliverAll() {
  std::deque<Message> batch;
  batch.swap(network_.queue);
  const size_t count = batch.size();
  for (Message& m : batch) Deliver(std::move(m));
  return count;
}

size_t TestCluster::DeliverTo(NodeId to) {
  std::deque<Message> keep;
  std::deque<Message> batch;
  for (Message& m : network_.queue) (m.to == to ? batch : keep).push_back(std::move(m));
  network_.queue.swap(keep);
  for (Message& m : batch) Deliver(std::move(m));
  return batch.size();
}

void TestCluster::TickAll() {
  for (auto& [id, node] : nodes_) {
    if (node.driver) node.driver->Tick();
  }
}

void TestCluster::ProcessAll() {
  for (auto& [id, node] : nodes_) {
    if (node.driver && node.driver->broken().ok()) {
      absl::Status status = node.driver->ProcessReady();
      EXPECT_TRUE(status.ok() || !node.driver->broken().ok()) << status;
    }
  }
}

void TestCluster::CompleteAll() {
  for (auto& [id, node] : nodes_) {
    if (node.driver && node.driver->broken().ok()) Complete(id);
  }
}

void TestCluster::Complete(NodeId id) {
  Driver& d = driver(id);
  if (!split_completion) {
    EXPECT_TRUE(d.CompletePersist().ok());
    return;
  }
  absl::StatusOr<uint64_t> durable = d.SyncLogOnly();
  ASSERT_TRUE(durable.ok()) << durable.status();
  EXPECT_EQ(*durable, d.log().durable_index());
  EXPECT_EQ(d.log().durable_index(), d.log().last_index());  // nothing appended meanwhile
  EXPECT_TRUE(d.CompleteDurable().ok());
  EXPECT_EQ(d.persists_pending(), 0u);
}

void TestCluster::Stabilize(bool complete_persists) {
  for (int round = 0; round < 1000; ++round) {
    ProcessAll();
    if (complete_persists) {
      CompleteAll();
      ProcessAll();
    }
    if (DeliverAll() == 0) return;
  }
  ADD_FAILURE() << "cluster did not stabilize";
}

NodeId TestCluster::Leader() const {
  NodeId leader = kNoNode;
  uint64_t term = 0;
  for (const auto& [id, node] : nodes_) {
    if (node.driver && node.driver->node().is_leader() && node.driver->node().term() >= term) {
      leader = id;
      term = node.driver->node().term();
    }
  }
  return leader;
}

NodeId TestCluster::WaitForLeader(int max_ticks) {
  for (int tick = 0; tick < max_ticks; ++tick) {
    Stabilize();
    const NodeId leader = Leader();
    if (leader != kNoNode && isolated_.count(leader) == 0) return leader;
    TickAll();
  }
  return kNoNode;
}

void TestCluster::Crash(NodeId id, uint64_t seed) {
  Node& node = nodes_.at(id);
  Prng prng(seed);
  node.fs->Crash(prng);
  node.driver.reset();
}

void TestCluster::Stop(NodeId id) {
  Node& node = nodes_.at(id);
  EXPECT_TRUE(node.driver->Close().ok());
  node.driver.reset();
}

void TestCluster::Start(NodeId id) {
  Node& node = nodes_.at(id);
  node.sm = std::make_unique<RecordingStateMachine>();
  auto driver =
      Driver::Open(*node.fs, kNodeDir, node.options, node.sm.get(), transports_[id].get());
  ASSERT_TRUE(driver.ok()) << "node " << id << ": " << driver.status();
  node.driver = *std::move(driver);
}

void TestCluster::ProposeAndCommit(const std::string& value) {
  const NodeId leader = WaitForLeader();
  ASSERT_NE(leader, kNoNode);
  auto index = driver(leader).Propose(Payload(std::string_view(value)));
  ASSERT_TRUE(index.ok()) << index.status();
  // Heartbeats (ticks) bring followers that were down or behind up to date.
  const auto all_applied = [&] {
    for (const auto& [id, node] : nodes_) {
      if (node.driver && isolated_.count(id) == 0 && node.driver->applied() < *index) {
        return false;
      }
    }
    return true;
  };
  for (int tick = 0; tick < 100; ++tick) {
    Stabilize();
    if (all_applied()) return;
    TickAll();
  }
  for (const auto& [id, node] : nodes_) {
    if (node.driver && isolated_.count(id) == 0) {
      EXPECT_GE(node.driver->applied(), *index) << "node " << id;
    }
  }
}

}  // namespace mq::raft::durable_test
