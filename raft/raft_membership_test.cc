// Membership changes, one node at a time, in effect when appended: add a learner, let it
// catch up, promote it, remove followers and the leader itself.

#include <string>

#include "gtest/gtest.h"
#include "raft/conf_change.h"
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

TEST(RaftMembershipTest, LearnerCatchesUpWithoutVotingThenIsPromoted) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  for (std::string_view s : {"a", "b", "c"}) ASSERT_TRUE(net.node(1).Propose(P(s)).ok());
  net.Stabilize();
  net.AddNode(4);
  absl::StatusOr<uint64_t> at = net.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4});
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(net.node(1).conf_state(), (ConfState{{1, 2, 3}, {4}}));  // in effect at once
  net.Stabilize();
  EXPECT_EQ(net.state(4), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(net.node(4).conf_state(), (ConfState{{1, 2, 3}, {4}}));
  EXPECT_TRUE(net.node(1).Status().progress.at(4).is_learner);

  // A learner's acknowledgement does not count: with 2 and 3 cut off nothing commits.
  net.Isolate(2);
  net.Isolate(3);
  ASSERT_TRUE(net.node(1).Propose(P("d")).ok());
  net.Stabilize();
  EXPECT_EQ(net.node(4).last_index(), net.node(1).last_index());
  EXPECT_LT(net.node(1).committed(), net.node(1).last_index());
  net.Heal();
  Settle(net);
  EXPECT_EQ(net.node(1).committed(), net.node(1).last_index());

  // Promotion: 4 now counts (quorum 3 of 4), so 1 + 2 + 4 commit without 3.
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kAddVoter, 4}).ok());
  net.Stabilize();
  EXPECT_EQ(net.node(4).conf_state(), (ConfState{{1, 2, 3, 4}, {}}));
  net.Isolate(3);
  ASSERT_TRUE(net.node(1).Propose(P("e")).ok());
  net.Stabilize();
  EXPECT_EQ(net.node(1).committed(), net.node(1).last_index());
  net.Isolate(2);
  ASSERT_TRUE(net.node(1).Propose(P("f")).ok());
  net.Stabilize();
  EXPECT_LT(net.node(1).committed(), net.node(1).last_index());  // 2 of 4 is no majority
  EXPECT_TRUE(net.step_errors().empty());
}

TEST(RaftMembershipTest, OneChangeAtATime) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.AddNode(4);
  net.AddNode(5);
  net.Isolate(2);
  net.Isolate(3);  // the first change cannot commit
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4}).ok());
  net.Stabilize();
  absl::StatusOr<uint64_t> second = net.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 5});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  net.Heal();
  Settle(net);
  EXPECT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 5}).ok());
}

TEST(RaftMembershipTest, NewLeaderWaitsForItsFirstCommitBeforeChanges) {
  Network net({1, 2, 3});
  net.Isolate(2);
  net.Isolate(3);
  for (int i = 0; i < 30 && net.node(1).role() == Role::kFollower; ++i) net.node(1).Tick();
  net.ProcessReadies();
  Message grant;
  grant.type = MessageType::kPreVoteResponse;
  grant.from = 2;
  grant.to = 1;
  grant.term = net.node(1).term() + 1;
  ASSERT_TRUE(net.Inject(grant).ok());
  net.ProcessReadies();
  grant.type = MessageType::kVoteResponse;
  grant.term = net.node(1).term();
  ASSERT_TRUE(net.Inject(grant).ok());
  ASSERT_TRUE(net.node(1).is_leader());
  EXPECT_EQ(net.node(1).ProposeConfChange({ConfChangeType::kRemoveNode, 3}).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(RaftMembershipTest, ImpossibleChangesAreRefused) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  const uint64_t last = net.node(1).last_index();
  EXPECT_EQ(net.node(1).ProposeConfChange({ConfChangeType::kAddVoter, 2}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(net.node(1).ProposeConfChange({ConfChangeType::kRemoveNode, 9}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(net.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 3}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(net.node(2).ProposeConfChange({ConfChangeType::kAddLearner, 4}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(net.node(1).last_index(), last);  // nothing was appended
}

TEST(RaftMembershipTest, RemoveAFollower) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kRemoveNode, 3}).ok());
  net.Stabilize();
  EXPECT_EQ(net.node(2).conf_state(), (ConfState{{1, 2}, {}}));
  EXPECT_FALSE(net.node(1).Status().progress.contains(3));
  net.Isolate(3);
  ASSERT_TRUE(net.node(1).Propose(P("after")).ok());
  net.Stabilize();
  EXPECT_EQ(net.node(1).committed(), net.node(1).last_index());  // 1 + 2 of {1, 2}
  // The removed node is a stranger to the leader now.
  Message resp;
  resp.type = MessageType::kHeartbeatResponse;
  resp.from = 3;
  resp.to = 1;
  resp.term = net.node(1).term();
  EXPECT_EQ(net.node(1).Step(resp).code(), absl::StatusCode::kNotFound);
}

TEST(RaftMembershipTest, RemoveTheLeaderHandsOverWithoutAnElectionTimeout) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  ASSERT_TRUE(net.node(1).Propose(P("before")).ok());
  net.Stabilize();
  const uint64_t term = net.node(1).term();
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kRemoveNode, 1}).ok());
  // Until the removal commits, the leader keeps leading but takes no proposals.
  EXPECT_TRUE(net.node(1).is_leader());
  EXPECT_EQ(net.node(1).Propose(P("x")).status().code(), absl::StatusCode::kUnavailable);
  net.Stabilize();  // no ticks: the handover is by TimeoutNow
  EXPECT_EQ(net.node(1).role(), Role::kFollower);
  const NodeId leader = net.Leader();
  ASSERT_TRUE(leader == 2 || leader == 3);
  EXPECT_EQ(net.node(leader).term(), term + 1);
  EXPECT_EQ(net.node(leader).conf_state(), (ConfState{{2, 3}, {}}));
  ASSERT_TRUE(net.node(leader).Propose(P("after")).ok());
  Settle(net, 30);
  const NodeId other = leader == 2 ? 3 : 2;
  EXPECT_EQ(net.state(other), (std::vector<std::string>{"before", "after"}));
  // The removed node never campaigns.
  EXPECT_EQ(net.node(1).role(), Role::kFollower);
  EXPECT_EQ(net.Leader(), leader);
}

TEST(RaftMembershipTest, RemovedLeaderStillCommitsWithTheRemainingMajority) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.Isolate(3);
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kRemoveNode, 1}).ok());
  net.Stabilize();
  // {2, 3} is the new voter set and 3 is cut off: the removal cannot commit with 1 + 2.
  EXPECT_TRUE(net.node(1).is_leader());
  EXPECT_LT(net.node(1).committed(), net.node(1).last_index());
  net.Heal();
  net.Stabilize();
  net.TickAll(1);
  net.Stabilize();
  EXPECT_FALSE(net.node(1).is_leader());
}

TEST(RaftMembershipTest, ConfigurationRevertsWhenItsEntryIsOverwritten) {
  Network net({1, 2, 3, 4, 5});
  ASSERT_TRUE(net.Elect(1));
  net.AddNode(6);
  // Only 2 receives the change.
  net.SetDropFilter([](const Message& m) { return m.from == 1 && m.to != 2; });
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 6}).ok());
  net.Stabilize();
  ASSERT_EQ(net.node(2).conf_state().learners, std::vector<NodeId>{6});
  net.SetDropFilter(nullptr);
  // One of 3, 4 and 5 wins without 2, whose log is longer ...
  net.Isolate(1);
  net.Isolate(2);
  NodeId leader = kNoNode;
  for (int i = 0; i < 100 && leader == kNoNode; ++i) {
    for (NodeId id : {3, 4, 5}) net.Tick(id, 1);
    net.Stabilize();
    for (NodeId id : {3, 4, 5}) {
      if (net.node(id).is_leader()) leader = id;
    }
  }
  ASSERT_NE(leader, kNoNode);
  // ... and its no-op overwrites the uncommitted change on 2.
  net.Heal();
  net.Isolate(1);
  net.Tick(leader, 1);
  net.Stabilize();
  EXPECT_EQ(net.node(2).conf_state(), (ConfState{{1, 2, 3, 4, 5}, {}}));
  EXPECT_EQ(net.node(2).raft().log().LastEntryId(), net.node(leader).raft().log().LastEntryId());
}

TEST(RaftMembershipTest, RestartRecoversConfigurationEntriesFromTheLog) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.AddNode(4);
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4}).ok());
  Settle(net);
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kAddVoter, 4}).ok());
  Settle(net);
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kRemoveNode, 2}).ok());
  Settle(net);
  const ConfState want{{1, 3, 4}, {}};
  ASSERT_EQ(net.node(3).conf_state(), want);
  net.Restart(3);  // rebuilt from the founding entries and the three changes in the log
  EXPECT_EQ(net.node(3).conf_state(), want);
  net.Restart(4);
  EXPECT_EQ(net.node(4).conf_state(), want);
}

TEST(RaftMembershipTest, ConfStateAtIndexes) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.AddNode(4);
  absl::StatusOr<uint64_t> at = net.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4});
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*net.node(1).ConfStateAt(*at - 1), (ConfState{{1, 2, 3}, {}}));
  EXPECT_EQ(*net.node(1).ConfStateAt(*at), (ConfState{{1, 2, 3}, {4}}));
  Settle(net);
  // Once applied, earlier configurations are folded away.
  EXPECT_EQ(net.node(1).ConfStateAt(*at - 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*net.node(1).ConfStateAt(net.node(1).applied()), (ConfState{{1, 2, 3}, {4}}));
}

// A removed node that never heard of its removal campaigns in vain (pre-vote and the
// CheckQuorum lease keep the group undisturbed).
TEST(RaftMembershipTest, RemovedNodeDoesNotDisruptTheGroup) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.Isolate(3);
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kRemoveNode, 3}).ok());
  net.Stabilize();
  const uint64_t term = net.node(1).term();
  net.Heal();
  for (int i = 0; i < 100; ++i) {
    net.TickAll(1);
    net.Stabilize();
  }
  EXPECT_TRUE(net.node(1).is_leader());
  EXPECT_EQ(net.node(1).term(), term);
}

}  // namespace
}  // namespace mq::raft
