// Snapshots: a follower behind the leader's compacted log gets InstallSnapshot, restores, and
// continues from the log; stale and redundant snapshots; snapshot delivery reports.

#include <string>

#include "gtest/gtest.h"
#include "raft/raw_node.h"
#include "raft/testing/network.h"

namespace mq::raft {
namespace {

using testing::Network;
using testing::TestConfig;

Payload P(std::string_view s) { return Payload(s); }

void Settle(Network& net, int ticks = 3) {
  for (int i = 0; i < ticks; ++i) {
    net.TickAll(1);
    net.Stabilize();
  }
}

int CountSent(const std::vector<Message>& sent, MessageType type, NodeId to) {
  int n = 0;
  for (const Message& m : sent) n += m.type == type && m.to == to;
  return n;
}

// Leader 1 with "a".."e" committed, snapshotted and compacted while 3 was cut off.
class RaftSnapshotTest : public ::testing::Test {
 protected:
  RaftSnapshotTest() : net_({1, 2, 3}) {
    EXPECT_TRUE(net_.Elect(1));
    net_.Isolate(3);
    for (std::string_view s : {"a", "b", "c", "d", "e"}) {
      EXPECT_TRUE(net_.node(1).Propose(P(s)).ok());
    }
    net_.Stabilize();
    EXPECT_TRUE(net_.SnapshotAndCompact(1));
    snapshot_index_ = net_.node(1).applied();
    net_.TakeSent();
  }

  Network net_;
  uint64_t snapshot_index_ = 0;
};

TEST_F(RaftSnapshotTest, FollowerBehindTheLogIsSentASnapshotAndCatchesUp) {
  EXPECT_EQ(*net_.storage(1).FirstIndex(), snapshot_index_ + 1);
  net_.Heal();
  Settle(net_);
  EXPECT_EQ(CountSent(net_.TakeSent(), MessageType::kSnapshot, 3), 1);
  EXPECT_EQ(net_.state(3), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(net_.node(3).applied(), snapshot_index_);
  EXPECT_EQ(*net_.storage(3).FirstIndex(), snapshot_index_ + 1);
  EXPECT_EQ(net_.node(3).conf_state(), (ConfState{{1, 2, 3}, {}}));
  EXPECT_EQ(net_.node(1).Status().progress.at(3).state, ProgressState::kReplicate);
  // And it continues from the log.
  ASSERT_TRUE(net_.node(1).Propose(P("f")).ok());
  Settle(net_);
  EXPECT_EQ(net_.state(3), (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
  EXPECT_TRUE(net_.step_errors().empty());
}

TEST_F(RaftSnapshotTest, RestartAfterInstallingASnapshot) {
  net_.Heal();
  Settle(net_);
  net_.Restart(3);
  EXPECT_EQ(net_.node(3).applied(), snapshot_index_);
  EXPECT_EQ(net_.node(3).conf_state(), (ConfState{{1, 2, 3}, {}}));
  EXPECT_EQ(net_.state(3), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST_F(RaftSnapshotTest, NoCampaignWhileASnapshotIsBeingInstalled) {
  net_.SetReportSnapshots(false);  // this test reports by hand
  // Get the leader to the point of sending a snapshot, then let it land on a 3 whose disk
  // does not acknowledge.
  net_.SetDropFilter([](const Message& m) { return m.type == MessageType::kSnapshot; });
  net_.Heal();
  Settle(net_, 2);
  net_.SetDropFilter(nullptr);
  net_.HoldPersistence(3);
  net_.node(1).ReportSnapshot(3, /*ok=*/false);
  Settle(net_, 1);
  ASSERT_TRUE(net_.node(3).raft().log().unstable().HasSnapshot());
  net_.Isolate(3);
  net_.Tick(3, 100);
  EXPECT_EQ(net_.node(3).role(), Role::kFollower);
  net_.Heal();
  net_.ReleasePersistence(3);
  Settle(net_);
  EXPECT_FALSE(net_.node(3).raft().log().unstable().HasSnapshot());
  EXPECT_EQ(net_.node(3).last_index(), net_.node(1).last_index());
}

TEST_F(RaftSnapshotTest, FailedDeliveryIsRetried) {
  net_.SetReportSnapshots(false);  // this test reports by hand
  net_.SetDropFilter([](const Message& m) { return m.type == MessageType::kSnapshot; });
  net_.Heal();
  Settle(net_, 2);
  ASSERT_EQ(CountSent(net_.TakeSent(), MessageType::kSnapshot, 3), 1);
  ASSERT_EQ(net_.node(1).Status().progress.at(3).state, ProgressState::kSnapshot);
  net_.node(1).ReportSnapshot(3, /*ok=*/false);
  EXPECT_EQ(net_.node(1).Status().progress.at(3).state, ProgressState::kProbe);
  net_.SetDropFilter(nullptr);
  Settle(net_, 3);
  EXPECT_EQ(CountSent(net_.TakeSent(), MessageType::kSnapshot, 3), 1);
  EXPECT_EQ(net_.state(3), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST_F(RaftSnapshotTest, ReportedDeliveryProbesAfterTheSnapshot) {
  net_.SetReportSnapshots(false);  // this test reports by hand
  net_.SetDropFilter([](const Message& m) { return m.type == MessageType::kSnapshot; });
  net_.Heal();
  Settle(net_, 2);
  net_.node(1).ReportSnapshot(3, /*ok=*/true);
  const Progress pr = net_.node(1).Status().progress.at(3);
  EXPECT_EQ(pr.state, ProgressState::kProbe);
  EXPECT_EQ(net_.node(1).Status().progress.at(3).next, snapshot_index_ + 1);
}

// A snapshot at or below the follower's commit index is old news: acknowledged, ignored.
TEST_F(RaftSnapshotTest, StaleSnapshotIsIgnored) {
  Message m;
  m.type = MessageType::kSnapshot;
  m.from = 1;
  m.to = 2;
  m.term = net_.node(1).term();
  m.snapshot.metadata = {net_.node(2).committed(), 1, ConfState{{1, 2, 3}, {}}};
  const uint64_t last = net_.node(2).last_index();
  ASSERT_TRUE(net_.node(2).Step(m).ok());
  EXPECT_EQ(net_.node(2).last_index(), last);
  EXPECT_FALSE(net_.node(2).raft().log().unstable().HasSnapshot());
}

// A follower that already has the snapshot's last entry only learns that it is committed.
TEST(RaftSnapshotMatchTest, SnapshotMatchingTheLogFastForwardsCommit) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.HoldPersistence(1);  // only 2 acknowledges: nothing commits, 2 learns no commit index
  net.HoldPersistence(3);
  for (std::string_view s : {"a", "b"}) ASSERT_TRUE(net.node(1).Propose(P(s)).ok());
  net.Stabilize();
  const uint64_t last = net.node(1).last_index();
  ASSERT_EQ(net.node(2).last_index(), last);
  ASSERT_LT(net.node(2).committed(), last);
  Message m;
  m.type = MessageType::kSnapshot;
  m.from = 1;
  m.to = 2;
  m.term = net.node(1).term();
  m.snapshot.metadata = {last, net.node(1).term(), ConfState{{1, 2, 3}, {}}};
  ASSERT_TRUE(net.node(2).Step(m).ok());
  EXPECT_EQ(net.node(2).committed(), last);
  EXPECT_FALSE(net.node(2).raft().log().unstable().HasSnapshot());
}

// A learner added after the leader's latest snapshot is caught up from that snapshot (whose
// configuration does not name it yet) and then from the log, which adds it.
TEST(RaftSnapshotJoinTest, ANewLearnerAcceptsASnapshotThatPredatesIt) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  for (std::string_view s : {"a", "b"}) ASSERT_TRUE(net.node(1).Propose(P(s)).ok());
  net.Stabilize();
  ASSERT_TRUE(net.SnapshotAndCompact(1));
  net.AddNode(4);
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4}).ok());
  ASSERT_TRUE(net.node(1).Propose(P("c")).ok());
  Settle(net);
  EXPECT_EQ(net.state(4), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(net.node(4).conf_state(), (ConfState{{1, 2, 3}, {4}}));
  EXPECT_TRUE(net.step_errors().empty());
}

// The application may not have a snapshot ready: the leader waits and retries.
class FlakySnapshots final : public MemoryStorage {
 public:
  absl::StatusOr<raft::Snapshot> Snapshot() const override {
    if (unavailable) return SnapshotTemporarilyUnavailableError();
    return MemoryStorage::Snapshot();
  }
  bool unavailable = false;
};

TEST(RaftSnapshotUnavailableTest, LeaderWaitsForTheApplicationsSnapshot) {
  Network net({1, 2, 3});
  auto flaky = std::make_unique<FlakySnapshots>();
  ASSERT_TRUE(flaky->Bootstrap(ConfState{{1, 2, 3}, {}}).ok());
  FlakySnapshots* storage = flaky.get();
  net.ResetStorage(1, std::move(flaky));
  ASSERT_TRUE(net.Elect(1));
  net.Isolate(3);
  for (std::string_view s : {"a", "b"}) ASSERT_TRUE(net.node(1).Propose(P(s)).ok());
  net.Stabilize();
  ASSERT_TRUE(net.SnapshotAndCompact(1));
  storage->unavailable = true;
  net.Heal();
  net.TakeSent();
  Settle(net);
  EXPECT_EQ(CountSent(net.TakeSent(), MessageType::kSnapshot, 3), 0);
  EXPECT_TRUE(net.state(3).empty());
  storage->unavailable = false;
  Settle(net);
  EXPECT_EQ(CountSent(net.TakeSent(), MessageType::kSnapshot, 3), 1);
  EXPECT_EQ(net.state(3), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace mq::raft
