#include "client/cluster_status_merge.h"

#include "gtest/gtest.h"

namespace mq::client {
namespace {

using protocol::ClusterStatusResponse;
using protocol::GroupStatus;
using protocol::ReplicaStatus;

// Broker `self`'s answer in a 3-broker cluster where it holds `groups`.
ClusterStatusResponse Answer(uint64_t version, std::vector<GroupStatus> groups) {
  ClusterStatusResponse r;
  r.cluster_id = "c";
  r.cluster_version = version;
  for (uint64_t id = 1; id <= 3; ++id) {
    r.brokers.push_back({.broker_id = id, .address = "h:" + std::to_string(id)});
  }
  r.groups = std::move(groups);
  return r;
}

// What a leader knows of group 1: every replica's match, its own indexes.
GroupStatus LeaderView(uint64_t leader, uint64_t term) {
  GroupStatus g{.group_id = 1,
                .leader_broker_id = leader,
                .term = term,
                .commit_index = 100,
                .applied_index = 100};
  for (uint64_t id = 1; id <= 3; ++id) {
    ReplicaStatus r{.broker_id = id, .match_index = 100 - id, .lag_entries = id};
    if (id == leader)
      r = {.broker_id = id, .match_index = 100, .commit_index = 100, .applied_index = 100};
    g.replicas.push_back(r);
  }
  return g;
}

// What a follower knows of group 1: the leader's id, its own indexes only.
GroupStatus FollowerView(uint64_t self, uint64_t leader, uint64_t term, uint64_t applied) {
  GroupStatus g{.group_id = 1,
                .leader_broker_id = leader,
                .term = term,
                .commit_index = applied,
                .applied_index = applied};
  for (uint64_t id = 1; id <= 3; ++id) {
    ReplicaStatus r{.broker_id = id};
    if (id == self) r.commit_index = r.applied_index = applied;
    g.replicas.push_back(r);
  }
  return g;
}

TEST(ClusterStatusMergeTest, LeaderViewWithEachReplicasOwnIndexes) {
  std::vector<BrokerAnswer> answers = {
      {1, Answer(7, {FollowerView(1, 2, 5, 98)})},
      {2, Answer(7, {LeaderView(2, 5)})},
      {3, Answer(7, {FollowerView(3, 2, 5, 97)})},
  };
  auto merged = MergeClusterStatus(answers);
  ASSERT_TRUE(merged.ok()) << merged.status();
  ASSERT_EQ(merged->groups.size(), 1u);
  const GroupStatus& g = merged->groups[0];
  EXPECT_EQ(g.leader_broker_id, 2u);
  EXPECT_EQ(g.term, 5u);
  EXPECT_EQ(g.commit_index, 100u);
  ASSERT_EQ(g.replicas.size(), 3u);
  EXPECT_EQ(g.replicas[0].match_index, 99u);  // from the leader
  EXPECT_EQ(g.replicas[0].lag_entries, 1u);
  EXPECT_EQ(g.replicas[0].applied_index, 98u);  // from broker 1 itself
  EXPECT_EQ(g.replicas[2].lag_entries, 3u);
  EXPECT_EQ(g.replicas[2].applied_index, 97u);
  for (const auto& b : merged->brokers) EXPECT_TRUE(b.reachable) << b.broker_id;
}

TEST(ClusterStatusMergeTest, EachBrokersOwnHttpAddressIsShown) {
  std::vector<BrokerAnswer> answers;
  for (uint64_t self = 1; self <= 3; ++self) {
    ClusterStatusResponse answer = Answer(7, {FollowerView(self, 1, 5, 9)});
    answer.brokers[self - 1].http_address = "h:" + std::to_string(8000 + self);
    answers.push_back({self, std::move(answer)});
  }
  auto merged = MergeClusterStatus(answers);
  ASSERT_TRUE(merged.ok()) << merged.status();
  for (const auto& b : merged->brokers) {
    EXPECT_EQ(b.http_address, "h:" + std::to_string(8000 + b.broker_id));
  }
}

TEST(ClusterStatusMergeTest, UnansweredBrokerIsUnreachableAndHigherTermWins) {
  std::vector<BrokerAnswer> answers = {
      {1, Answer(7, {LeaderView(1, 4)})},  // a stale leader of an old term
      {2, absl::UnavailableError("connection refused")},
      {3, Answer(8, {LeaderView(3, 6)})},
  };
  auto merged = MergeClusterStatus(answers);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->cluster_version, 8u);
  EXPECT_EQ(merged->groups[0].leader_broker_id, 3u);
  EXPECT_EQ(merged->groups[0].term, 6u);
  EXPECT_TRUE(merged->brokers[0].reachable);
  EXPECT_FALSE(merged->brokers[1].reachable);
  EXPECT_TRUE(merged->brokers[2].reachable);
  // Broker 1's own indexes come from its answer even though it is not the leader now.
  EXPECT_EQ(merged->groups[0].replicas[0].applied_index, 100u);
  EXPECT_EQ(merged->groups[0].replicas[1].applied_index, 0u);  // broker 2 said nothing
}

TEST(ClusterStatusMergeTest, NoAnswerIsAnError) {
  std::vector<BrokerAnswer> answers = {{1, absl::UnavailableError("down")}};
  EXPECT_TRUE(absl::IsInvalidArgument(MergeClusterStatus(answers).status()));
}

}  // namespace
}  // namespace mq::client
