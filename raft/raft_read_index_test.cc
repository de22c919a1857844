// ReadIndex (thesis §6.4): a read is served at the commit index once a heartbeat round
// confirms leadership; lease reads skip the round when configured.

#include <string>

#include "gtest/gtest.h"
#include "raft/raw_node.h"
#include "raft/testing/network.h"

namespace mq::raft {
namespace {

using testing::Network;
using testing::TestConfig;

int CountHeartbeats(const std::vector<Message>& sent) {
  int n = 0;
  for (const Message& m : sent) n += m.type == MessageType::kHeartbeat;
  return n;
}

TEST(RaftReadIndexTest, LeaderReadWaitsForAHeartbeatRound) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  ASSERT_TRUE(net.node(1).Propose(Payload(std::string_view("x"))).ok());
  net.Stabilize();
  net.TakeSent();
  ASSERT_TRUE(net.node(1).ReadIndex("ctx-1").ok());
  EXPECT_TRUE(net.TakeReadStates(1).empty());
  net.Stabilize();
  EXPECT_EQ(CountHeartbeats(net.TakeSent()), 2);
  std::vector<ReadState> rs = net.TakeReadStates(1);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0], (ReadState{net.node(1).committed(), "ctx-1"}));
}

TEST(RaftReadIndexTest, ManyReadsShareOneHeartbeatRound) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.TakeSent();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(net.node(1).ReadIndex(std::to_string(i)).ok());
  net.Stabilize();
  EXPECT_EQ(CountHeartbeats(net.TakeSent()), 2);
  std::vector<ReadState> rs = net.TakeReadStates(1);
  ASSERT_EQ(rs.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(rs[i].context, std::to_string(i));
}

TEST(RaftReadIndexTest, FollowerReadIsForwardedToTheLeader) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  ASSERT_TRUE(net.node(1).Propose(Payload(std::string_view("x"))).ok());
  net.Stabilize();
  ASSERT_TRUE(net.node(2).ReadIndex("from-2").ok());
  net.Stabilize();
  std::vector<ReadState> rs = net.TakeReadStates(2);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0], (ReadState{net.node(1).committed(), "from-2"}));
  EXPECT_TRUE(net.TakeReadStates(1).empty());
}

TEST(RaftReadIndexTest, IsolatedLeaderConfirmsNothing) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.Isolate(1);
  ASSERT_TRUE(net.node(1).ReadIndex("stale?").ok());
  for (int i = 0; i < 30; ++i) {
    net.TickAll(1);
    net.Stabilize();
  }
  EXPECT_TRUE(net.TakeReadStates(1).empty());
  EXPECT_FALSE(net.node(1).is_leader());  // and CheckQuorum deposed it
}

TEST(RaftReadIndexTest, NewLeaderDefersReadsUntilItsFirstCommit) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  // 2 takes over, but acknowledgements of its no-op are lost: its commit index may still lag
  // what the previous leader committed, so it must not serve reads yet.
  net.SetDropFilter(
      [](const Message& m) { return m.type == MessageType::kAppendResponse && m.to == 2; });
  ASSERT_TRUE(net.node(1).TransferLeader(2).ok());
  net.Stabilize();
  ASSERT_TRUE(net.node(2).is_leader());
  ASSERT_NE(net.node(2).raft().log().TermOrZero(net.node(2).committed()), net.node(2).term());
  ASSERT_TRUE(net.node(2).ReadIndex("early").ok());
  net.Stabilize();
  EXPECT_TRUE(net.TakeReadStates(2).empty());
  net.SetDropFilter(nullptr);
  for (int i = 0; i < 3; ++i) {
    net.TickAll(1);
    net.Stabilize();
  }
  std::vector<ReadState> rs = net.TakeReadStates(2);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].context, "early");
  EXPECT_EQ(net.node(2).raft().log().TermOrZero(rs[0].index), net.node(2).term());
}

TEST(RaftReadIndexTest, LeaseReadAnswersAtOnce) {
  Config c = TestConfig();
  c.lease_read = true;
  Network net({1, 2, 3}, c);
  ASSERT_TRUE(net.Elect(1));
  net.TakeSent();
  ASSERT_TRUE(net.node(1).ReadIndex("lease").ok());
  net.ProcessReadies();
  EXPECT_EQ(CountHeartbeats(net.TakeSent()), 0);
  std::vector<ReadState> rs = net.TakeReadStates(1);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].index, net.node(1).committed());
}

TEST(RaftReadIndexTest, SoleVoterAnswersAtOnce) {
  Network net({1});
  ASSERT_TRUE(net.Elect(1));
  ASSERT_TRUE(net.node(1).ReadIndex("solo").ok());
  net.ProcessReadies();
  EXPECT_EQ(net.TakeReadStates(1).size(), 1u);
}

TEST(RaftReadIndexTest, NoLeaderNoRead) {
  Network net({1, 2, 3});
  EXPECT_EQ(net.node(1).ReadIndex("x").code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace mq::raft
