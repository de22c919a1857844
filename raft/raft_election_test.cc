// Elections beyond the paper: pre-vote (thesis §9.6) and CheckQuorum (§6.2), and who may
// campaign at all.

#include <string>

#include "gtest/gtest.h"
#include "raft/raw_node.h"
#include "raft/testing/network.h"

namespace mq::raft {
namespace {

using testing::Network;
using testing::TestConfig;

Config Plain() {
  Config c = TestConfig();
  c.pre_vote = false;
  c.check_quorum = false;
  return c;
}

Message Msg(MessageType type, NodeId from, NodeId to, uint64_t term) {
  Message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

// Without pre-vote a partitioned node keeps raising its term; when it comes back its higher
// term deposes the healthy leader.
TEST(RaftElectionTest, WithoutPreVoteARejoiningNodeDisruptsTheLeader) {
  Network net({1, 2, 3}, Plain());
  ASSERT_TRUE(net.Elect(1));
  const uint64_t term = net.node(1).term();
  net.Isolate(3);
  net.Tick(3, 100);
  EXPECT_GT(net.node(3).term(), term + 2);
  net.Heal();
  net.Tick(1, 1);  // a heartbeat reaches 3, whose response carries its higher term
  net.Stabilize();
  EXPECT_NE(net.node(1).term(), term);
}

// With pre-vote the partitioned node never raises its term (nobody would elect it), so its
// return does not disturb the leader.
TEST(RaftElectionTest, PreVoteStopsAPartitionedNodeFromDisruptingTheLeader) {
  for (bool check_quorum : {false, true}) {
    Config c = TestConfig();
    c.check_quorum = check_quorum;
    Network net({1, 2, 3}, c);
    ASSERT_TRUE(net.Elect(1));
    const uint64_t term = net.node(1).term();
    net.Isolate(3);
    for (int i = 0; i < 100; ++i) {
      net.TickAll(1);
      net.Stabilize();
    }
    EXPECT_EQ(net.node(3).term(), term);  // pre-campaigned, never campaigned
    net.Heal();
    for (int i = 0; i < 30; ++i) {
      net.TickAll(1);
      net.Stabilize();
    }
    EXPECT_TRUE(net.node(1).is_leader());
    EXPECT_EQ(net.node(1).term(), term);
    EXPECT_EQ(net.node(3).leader(), 1u);
    EXPECT_TRUE(net.step_errors().empty());
  }
}

TEST(RaftElectionTest, PreVoteElectionRaisesTheTermOnce) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  EXPECT_EQ(net.node(1).term(), 2u);  // from the founding term 1
  for (NodeId id : {2, 3}) EXPECT_EQ(net.node(id).term(), 2u);
}

// A pre-candidate refused by a majority goes back to being a follower in its own term.
TEST(RaftElectionTest, PreCandidateLosingStaysInItsTerm) {
  Network net({1, 2, 3});
  net.Isolate(2);
  net.Isolate(3);
  for (int i = 0; i < 30 && net.node(1).role() == Role::kFollower; ++i) net.node(1).Tick();
  net.ProcessReadies();
  ASSERT_EQ(net.node(1).role(), Role::kPreCandidate);
  for (NodeId from : {2, 3}) {
    Message m = Msg(MessageType::kPreVoteResponse, from, 1, 0);
    m.term = net.node(1).term();  // a refusal carries the voter's (equal) term
    m.reject = true;
    ASSERT_TRUE(net.Inject(m).ok());
  }
  EXPECT_EQ(net.node(1).role(), Role::kFollower);
  EXPECT_EQ(net.node(1).term(), 1u);
}

// A refusal from a node with a newer term makes the pre-candidate adopt that term.
TEST(RaftElectionTest, PreCandidateAdoptsANewerTermFromARefusal) {
  Network net({1, 2, 3});
  for (int i = 0; i < 30 && net.node(1).role() == Role::kFollower; ++i) net.node(1).Tick();
  Message m = Msg(MessageType::kPreVoteResponse, 2, 1, 7);
  m.reject = true;
  ASSERT_TRUE(net.Inject(m).ok());
  EXPECT_EQ(net.node(1).role(), Role::kFollower);
  EXPECT_EQ(net.node(1).term(), 7u);
}

// A pre-vote does not change the voter's term or vote.
TEST(RaftElectionTest, GrantingAPreVoteChangesNothing) {
  Network net({1, 2, 3});
  Message pv = Msg(MessageType::kPreVote, 2, 1, 5);
  pv.index = 3;  // as up to date as the voter (the founding entries)
  pv.log_term = 1;
  ASSERT_TRUE(net.Inject(pv).ok());
  EXPECT_EQ(net.node(1).term(), 1u);
  EXPECT_EQ(net.node(1).raft().vote(), kNoNode);
  net.ProcessReadies();
  std::vector<Message> out = net.TakeQueued();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::kPreVoteResponse);
  EXPECT_FALSE(out[0].reject);
  EXPECT_EQ(out[0].term, 5u);
  // A pre-vote with a stale term is refused with our term.
  ASSERT_TRUE(net.Inject(Msg(MessageType::kHeartbeat, 3, 1, 6)).ok());
  net.ProcessReadies();
  net.TakeQueued();
  net.Tick(1, 20);  // out of the lease, so only the term decides
  ASSERT_TRUE(net.Inject(Msg(MessageType::kPreVote, 2, 1, 5)).ok());
  net.ProcessReadies();
  out = net.TakeQueued();
  bool refused = false;
  for (const Message& m : out) {
    if (m.type == MessageType::kPreVoteResponse) refused = m.reject && m.term == 6;
  }
  EXPECT_TRUE(refused);
}

// CheckQuorum: a leader that cannot hear a majority for an election timeout steps down.
TEST(RaftElectionTest, CheckQuorumStepsDownAnIsolatedLeader) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.Isolate(1);
  for (int i = 0; i < TestConfig().election_timeout_ticks * 2; ++i) {
    net.TickAll(1);
    net.Stabilize();
  }
  EXPECT_EQ(net.node(1).role(), Role::kFollower);
  EXPECT_EQ(net.node(1).leader(), kNoNode);
  const NodeId leader = net.Leader();
  ASSERT_TRUE(leader == 2 || leader == 3);
  net.Heal();
  for (int i = 0; i < 5; ++i) {
    net.TickAll(1);
    net.Stabilize();
  }
  EXPECT_EQ(net.node(1).leader(), leader);
}

// Without CheckQuorum the isolated leader keeps believing in itself.
TEST(RaftElectionTest, WithoutCheckQuorumAnIsolatedLeaderStays) {
  Network net({1, 2, 3}, Plain());
  ASSERT_TRUE(net.Elect(1));
  net.Isolate(1);
  net.Tick(1, 50);
  EXPECT_TRUE(net.node(1).is_leader());
}

// A leader hearing from its followers stays, however long.
TEST(RaftElectionTest, CheckQuorumKeepsAHealthyLeader) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  for (int i = 0; i < 100; ++i) {
    net.TickAll(1);
    net.Stabilize();
  }
  EXPECT_TRUE(net.node(1).is_leader());
  EXPECT_EQ(net.node(1).term(), 2u);
}

// CheckQuorum's lease: a follower that heard from its leader within the election timeout
// ignores a vote request, even of a higher term.
TEST(RaftElectionTest, FollowerInLeaseIgnoresVoteRequests) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  Message vote = Msg(MessageType::kVote, 3, 2, 9);
  vote.index = 100;
  vote.log_term = 9;
  const uint64_t term = net.node(2).term();
  ASSERT_TRUE(net.Inject(vote).ok());
  EXPECT_EQ(net.node(2).term(), term);
  net.ProcessReadies();
  for (const Message& m : net.TakeQueued()) EXPECT_NE(m.type, MessageType::kVoteResponse);
  // Out of the lease the same request is granted.
  net.Isolate(1);
  net.Tick(2, TestConfig().election_timeout_ticks);
  ASSERT_TRUE(net.Inject(vote).ok());
  EXPECT_EQ(net.node(2).term(), 9u);
}

TEST(RaftElectionTest, VoteIsGrantedAgainToTheSameCandidate) {
  Network net({1, 2, 3}, Plain());
  Message vote = Msg(MessageType::kVote, 2, 1, 2);
  vote.index = 3;
  vote.log_term = 1;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(net.Inject(vote).ok());
    net.ProcessReadies();
    std::vector<Message> out = net.TakeQueued();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].reject);
  }
  vote.from = 3;
  ASSERT_TRUE(net.Inject(vote).ok());
  net.ProcessReadies();
  std::vector<Message> out = net.TakeQueued();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].reject);
}

// A node that knows a leader of its term does not vote for someone else in it.
TEST(RaftElectionTest, NoVoteWhileFollowingALeaderOfTheTerm) {
  Network net({1, 2, 3}, Plain());
  ASSERT_TRUE(net.Inject(Msg(MessageType::kHeartbeat, 2, 1, 3)).ok());
  net.ProcessReadies();
  net.TakeQueued();
  ASSERT_TRUE(net.Inject(Msg(MessageType::kVote, 3, 1, 3)).ok());
  net.ProcessReadies();
  std::vector<Message> out = net.TakeQueued();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].reject);
}

TEST(RaftElectionTest, LeaderStepsDownOnAHigherTerm) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  Message resp = Msg(MessageType::kAppendResponse, 2, 1, 4);
  ASSERT_TRUE(net.Inject(resp).ok());
  EXPECT_EQ(net.node(1).role(), Role::kFollower);
  EXPECT_EQ(net.node(1).term(), 4u);
}

TEST(RaftElectionTest, LearnersAndStrangersDoNotCampaign) {
  Network net({1, 2, 3});
  net.AddNode(4);  // in no configuration
  net.Tick(4, 100);
  EXPECT_EQ(net.node(4).role(), Role::kFollower);
  EXPECT_EQ(net.node(4).term(), 0u);
  ASSERT_TRUE(net.Elect(1));
  ASSERT_TRUE(net.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4}).ok());
  net.Stabilize();
  ASSERT_EQ(net.node(4).conf_state().learners, std::vector<NodeId>{4});
  net.Isolate(4);
  net.Tick(4, 100);
  EXPECT_EQ(net.node(4).role(), Role::kFollower);
}

TEST(RaftElectionTest, SingleVoterElectsItself) {
  Network net({1});
  ASSERT_TRUE(net.Elect(1));
  EXPECT_EQ(net.node(1).committed(), 2u);  // the founding entry and the no-op
}

// Elections always converge on one leader per term even when everyone times out at once.
TEST(RaftElectionTest, AtMostOneLeaderPerTerm) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Network net({1, 2, 3, 4, 5}, Plain(), seed);
    std::map<uint64_t, NodeId> leaders;
    for (int i = 0; i < 200; ++i) {
      net.TickAll(1);
      net.StepOnce();
      for (NodeId id : net.ids()) {
        if (!net.node(id).is_leader()) continue;
        auto [it, inserted] = leaders.emplace(net.node(id).term(), id);
        EXPECT_EQ(it->second, id) << "two leaders in term " << it->first << ", seed " << seed;
      }
      if (i % 50 == 0) net.Isolate(net.Leader());
      if (i % 50 == 25) net.Heal();
    }
  }
}

}  // namespace
}  // namespace mq::raft
