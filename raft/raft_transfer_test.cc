// Leadership transfer (thesis §3.10): the leader catches the transferee up, then tells it to
// campaign at once with TimeoutNow.

#include <string>

#include "gtest/gtest.h"
#include "raft/errors.h"
#include "raft/raw_node.h"
#include "raft/testing/network.h"

namespace mq::raft {
namespace {

using testing::Network;
using testing::TestConfig;

Payload P(std::string_view s) { return Payload(s); }

TEST(RaftTransferTest, ToAnUpToDateFollowerWithoutTicks) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  const uint64_t term = net.node(1).term();
  ASSERT_TRUE(net.node(1).TransferLeader(2).ok());
  net.Stabilize();
  EXPECT_TRUE(net.node(2).is_leader());
  EXPECT_EQ(net.node(2).term(), term + 1);
  EXPECT_EQ(net.node(1).leader(), 2u);
  EXPECT_EQ(net.node(3).leader(), 2u);
  EXPECT_TRUE(net.step_errors().empty());
}

TEST(RaftTransferTest, ToALaggingFollowerCatchesItUpFirst) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.Isolate(3);
  for (std::string_view s : {"a", "b", "c"}) ASSERT_TRUE(net.node(1).Propose(P(s)).ok());
  net.Stabilize();
  net.Heal();
  ASSERT_TRUE(net.node(1).TransferLeader(3).ok());
  EXPECT_EQ(net.node(1).Propose(P("refused")).status().code(), absl::StatusCode::kUnavailable);
  net.Tick(1, 1);  // a heartbeat gets the stalled pipeline to 3 moving
  net.Stabilize();
  EXPECT_TRUE(net.node(3).is_leader());
  EXPECT_EQ(net.state(3), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(RaftTransferTest, AbandonedAfterAnElectionTimeout) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.Isolate(3);
  ASSERT_TRUE(net.node(1).Propose(P("a")).ok());
  net.Stabilize();
  ASSERT_TRUE(net.node(1).TransferLeader(3).ok());
  EXPECT_EQ(net.node(1).raft().transferee(), 3u);
  for (int i = 0; i < TestConfig().election_timeout_ticks; ++i) {
    net.Tick(1, 1);
    net.Tick(2, 1);
    net.Stabilize();
  }
  EXPECT_TRUE(net.node(1).is_leader());
  EXPECT_EQ(net.node(1).raft().transferee(), kNoNode);
  EXPECT_TRUE(net.node(1).Propose(P("accepted again")).ok());
}

TEST(RaftTransferTest, InvalidTargets) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  EXPECT_TRUE(net.node(1).TransferLeader(1).ok());  // already leader: nothing to do
  EXPECT_EQ(net.node(1).raft().transferee(), kNoNode);
  EXPECT_EQ(net.node(1).TransferLeader(9).code(), absl::StatusCode::kInvalidArgument);
  net.AddNode(4);
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4}).ok());
  net.Stabilize();
  EXPECT_EQ(net.node(1).TransferLeader(4).code(), absl::StatusCode::kInvalidArgument);
  // A follower may only ask for itself.
  absl::Status s = net.node(2).TransferLeader(3);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(LeaderHint(s), std::optional<NodeId>(1));
}

TEST(RaftTransferTest, AFollowerAsksForLeadership) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  ASSERT_TRUE(net.node(3).TransferLeader(3).ok());
  net.Stabilize();
  EXPECT_TRUE(net.node(3).is_leader());
}

// Voters inside their CheckQuorum lease still vote for a transfer: the old leader asked.
TEST(RaftTransferTest, TransferOverridesTheLease) {
  Network net({1, 2, 3, 4, 5});
  ASSERT_TRUE(net.Elect(1));
  net.TickAll(1);
  net.Stabilize();
  ASSERT_TRUE(net.node(1).TransferLeader(5).ok());
  net.Stabilize();
  EXPECT_TRUE(net.node(5).is_leader());
}

TEST(RaftTransferTest, RepeatedAndRedirectedRequests) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.Isolate(2);
  net.Isolate(3);
  ASSERT_TRUE(net.node(1).TransferLeader(2).ok());
  net.Stabilize();                                  // the TimeoutNow to 2 is lost
  ASSERT_TRUE(net.node(1).TransferLeader(2).ok());  // already under way
  EXPECT_EQ(net.node(1).raft().transferee(), 2u);
  ASSERT_TRUE(net.node(1).TransferLeader(3).ok());  // a new target replaces the old one
  EXPECT_EQ(net.node(1).raft().transferee(), 3u);
  net.Stabilize();  // and so is the one to 3
  net.Heal();
  net.Tick(1, 1);  // the first TimeoutNow was lost; the heartbeat round repeats it
  net.Stabilize();
  EXPECT_TRUE(net.node(3).is_leader());
}

}  // namespace
}  // namespace mq::raft
