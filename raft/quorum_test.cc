#include "raft/quorum.h"

#include <map>

#include "gtest/gtest.h"

namespace mq::raft {
namespace {

uint64_t Majority(const std::vector<NodeId>& voters, std::map<NodeId, uint64_t> acked) {
  return MajorityIndex(voters, [&](NodeId id) { return acked[id]; });
}

TEST(QuorumTest, MajorityIndex) {
  EXPECT_EQ(Majority({}, {}), 0u);
  EXPECT_EQ(Majority({1}, {{1, 7}}), 7u);
  EXPECT_EQ(Majority({1, 2, 3}, {{1, 7}, {2, 5}, {3, 1}}), 5u);
  EXPECT_EQ(Majority({1, 2, 3}, {{1, 7}}), 0u);
  EXPECT_EQ(Majority({1, 2, 3, 4}, {{1, 7}, {2, 5}, {3, 4}, {4, 9}}), 5u);
  EXPECT_EQ(Majority({1, 2, 3, 4, 5}, {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}}), 3u);
}

TEST(QuorumTest, MajorityIndexWithManyVoters) {
  std::vector<NodeId> voters;
  std::map<NodeId, uint64_t> acked;
  for (NodeId id = 1; id <= 21; ++id) {
    voters.push_back(id);
    acked[id] = id;
  }
  EXPECT_EQ(Majority(voters, acked), 11u);  // 11 voters acked >= 11
}

TEST(QuorumTest, TallyVotes) {
  const std::vector<NodeId> voters = {1, 2, 3};
  EXPECT_EQ(TallyVotes(voters, {}), VoteResult::kPending);
  EXPECT_EQ(TallyVotes(voters, {{1, true}}), VoteResult::kPending);
  EXPECT_EQ(TallyVotes(voters, {{1, true}, {2, true}}), VoteResult::kWon);
  EXPECT_EQ(TallyVotes(voters, {{1, true}, {2, false}}), VoteResult::kPending);
  EXPECT_EQ(TallyVotes(voters, {{2, false}, {3, false}}), VoteResult::kLost);
  // A vote from a non-voter does not count.
  EXPECT_EQ(TallyVotes(voters, {{1, true}, {9, true}}), VoteResult::kPending);
  EXPECT_EQ(TallyVotes({1, 2, 3, 4}, {{1, true}, {2, true}}), VoteResult::kPending);
  EXPECT_EQ(TallyVotes({1, 2, 3, 4}, {{1, false}, {2, false}}), VoteResult::kLost);
  EXPECT_EQ(TallyVotes({}, {}), VoteResult::kLost);
}

}  // namespace
}  // namespace mq::raft
