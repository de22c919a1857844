#include "raft/conf_change.h"

#include "gtest/gtest.h"

namespace mq::raft {
namespace {

TEST(ConfChangeTest, EncodeDecodeRoundTrip) {
  for (ConfChangeType type :
       {ConfChangeType::kAddVoter, ConfChangeType::kAddLearner, ConfChangeType::kRemoveNode}) {
    const ConfChange cc{type, 0x0102030405060708ull};
    const std::string bytes = EncodeConfChange(cc);
    EXPECT_EQ(bytes.size(), kConfChangeEncodedBytes);
    absl::StatusOr<ConfChange> back = DecodeConfChange(bytes);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, cc);
  }
}

TEST(ConfChangeTest, DecodeRefusesGarbage) {
  std::string good = EncodeConfChange(ConfChange{ConfChangeType::kAddVoter, 4});
  EXPECT_FALSE(DecodeConfChange("").ok());
  EXPECT_FALSE(DecodeConfChange(good.substr(0, 9)).ok());
  EXPECT_FALSE(DecodeConfChange(good + "x").ok());
  std::string bad_version = good;
  bad_version[0] = 2;
  EXPECT_FALSE(DecodeConfChange(bad_version).ok());
  std::string bad_type = good;
  bad_type[1] = 3;
  EXPECT_FALSE(DecodeConfChange(bad_type).ok());
  EXPECT_FALSE(DecodeConfChange(EncodeConfChange(ConfChange{ConfChangeType::kAddVoter, 0})).ok());
}

TEST(ConfChangeTest, ApplyAddsPromotesAndRemoves) {
  ConfState s{{1, 2, 3}, {}};
  absl::StatusOr<ConfState> next = ApplyConfChange(s, {ConfChangeType::kAddLearner, 5});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, (ConfState{{1, 2, 3}, {5}}));
  next = ApplyConfChange(*next, {ConfChangeType::kAddVoter, 5});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, (ConfState{{1, 2, 3, 5}, {}}));
  next = ApplyConfChange(*next, {ConfChangeType::kAddVoter, 4});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, (ConfState{{1, 2, 3, 4, 5}, {}}));
  next = ApplyConfChange(*next, {ConfChangeType::kRemoveNode, 1});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, (ConfState{{2, 3, 4, 5}, {}}));
  next = ApplyConfChange(ConfState{{2}, {7}}, {ConfChangeType::kRemoveNode, 7});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, (ConfState{{2}, {}}));
}

TEST(ConfChangeTest, ApplyRefusesImpossibleChanges) {
  const ConfState s{{1, 2}, {3}};
  EXPECT_FALSE(ApplyConfChange(s, {ConfChangeType::kAddVoter, 1}).ok());
  EXPECT_FALSE(ApplyConfChange(s, {ConfChangeType::kAddLearner, 1}).ok());  // demotion
  EXPECT_FALSE(ApplyConfChange(s, {ConfChangeType::kAddLearner, 3}).ok());
  EXPECT_FALSE(ApplyConfChange(s, {ConfChangeType::kRemoveNode, 9}).ok());
  EXPECT_FALSE(ApplyConfChange(s, {ConfChangeType::kAddVoter, 0}).ok());
  EXPECT_FALSE(ApplyConfChange(ConfState{{1}, {}}, {ConfChangeType::kRemoveNode, 1}).ok());
  EXPECT_EQ(ApplyConfChange(s, {ConfChangeType::kAddVoter, 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ConfChangeTest, ValidateConfState) {
  EXPECT_TRUE(ValidateConfState(ConfState{{1, 2, 3}, {4}}).ok());
  EXPECT_TRUE(ValidateConfState(ConfState{}).ok());
  EXPECT_FALSE(ValidateConfState(ConfState{{2, 1}, {}}).ok());
  EXPECT_FALSE(ValidateConfState(ConfState{{1, 1}, {}}).ok());
  EXPECT_FALSE(ValidateConfState(ConfState{{0, 1}, {}}).ok());
  EXPECT_FALSE(ValidateConfState(ConfState{{1, 2}, {2}}).ok());
  EXPECT_TRUE(IsVoter(ConfState{{1, 2}, {3}}, 2));
  EXPECT_TRUE(IsLearner(ConfState{{1, 2}, {3}}, 3));
  EXPECT_FALSE(IsMember(ConfState{{1, 2}, {3}}, 4));
  EXPECT_EQ(ToString(ConfChange{ConfChangeType::kRemoveNode, 3}), "remove 3");
}

}  // namespace
}  // namespace mq::raft
