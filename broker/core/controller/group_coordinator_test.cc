#include "broker/core/controller/group_coordinator.h"

#include <memory>
#include <string>
#include <vector>

#include "broker/core/controller/controller_state.h"
#include "gtest/gtest.h"

namespace mq::broker {
namespace {

using protocol::ConsumeMode;
using protocol::ErrorCode;
using protocol::QueueRef;
using Queues = std::vector<QueueRef>;

constexpr uint64_t kTimeout = 10;

// Builds views through the real state machine, so the coordinator sees what the glue will.
class GroupCoordinatorTest : public ::testing::Test {
 protected:
  GroupCoordinatorTest() {
    Apply(EncodeCreateTopic({.name = "t", .queue_count = 8}));
    Apply(EncodeCreateTopic({.name = "u", .queue_count = 2}));
    protocol::UpdateSubGroupRequest g;
    g.config = DefaultSubGroupConfig("g", ConsumeMode::kClustering);
    g.config.subscriptions = {{"t", "*"}};
    Apply(EncodeUpdateSubGroup(g));
    protocol::UpdateSubGroupRequest b;
    b.config = DefaultSubGroupConfig("b", ConsumeMode::kBroadcasting);
    b.config.subscriptions = {{"t", "*"}, {"u", "*"}};
    Apply(EncodeUpdateSubGroup(b));
    coordinator_ = std::make_unique<GroupCoordinator>(state_.View());
  }

  static ClusterConfig Config() {
    absl::StatusOr<ClusterConfig> c = MakeClusterConfig("test", {{1, "h:1", ""}}, 3);
    EXPECT_TRUE(c.ok());
    return *c;
  }

  void Apply(const std::string& command) {
    ASSERT_EQ(state_.ApplyCommand(command).code, ErrorCode::kOk);
    if (coordinator_ != nullptr) coordinator_->OnViewChanged(state_.View());
  }

  protocol::JoinGroupResponse Join(std::string client, std::string member_id = "",
                                   std::vector<protocol::Subscription> subs = {},
                                   std::string group = "g") {
    return coordinator_->Join({.group = std::move(group),
                               .member_id = std::move(member_id),
                               .client_id = std::move(client),
                               .instance = "inst",
                               .subscriptions = std::move(subs),
                               .session_timeout_ms = 0},
                              kTimeout);
  }
  protocol::SyncGroupResponse Sync(std::string member, uint64_t generation = 0,
                                   std::string group = "g") {
    return coordinator_->Sync(
        {.group = std::move(group), .member_id = std::move(member), .generation = generation});
  }
  protocol::HeartbeatResponse Heartbeat(std::string member, uint64_t generation,
                                        std::string group = "g") {
    return coordinator_->Heartbeat(
        {.group = std::move(group), .member_id = std::move(member), .generation = generation});
  }

  ControllerState state_{Config()};
  std::unique_ptr<GroupCoordinator> coordinator_;
};

Queues T(std::vector<uint32_t> ids, std::string topic = "t") {
  Queues q;
  for (uint32_t id : ids) q.push_back({topic, id});
  return q;
}

TEST_F(GroupCoordinatorTest, JoinAssignsAverageContiguousShares) {
  protocol::JoinGroupResponse a = Join("c");
  ASSERT_TRUE(a.header.ok()) << a.header.message;
  EXPECT_EQ(a.member_id, "c-1");
  EXPECT_EQ(a.generation, 1u);
  EXPECT_EQ(a.assignment, T({0, 1, 2, 3, 4, 5, 6, 7}));
  protocol::JoinGroupResponse b = Join("c");
  EXPECT_EQ(b.member_id, "c-2");
  EXPECT_EQ(b.generation, 2u);
  protocol::JoinGroupResponse c = Join("c");
  EXPECT_EQ(c.generation, 3u);
  // 8 queues over 3 members: 3, 3, 2, by member id.
  EXPECT_EQ(Sync("c-1").assignment, T({0, 1, 2}));
  EXPECT_EQ(Sync("c-2").assignment, T({3, 4, 5}));
  EXPECT_EQ(Sync("c-3").assignment, T({6, 7}));
  EXPECT_EQ(c.assignment, T({6, 7}));
  EXPECT_EQ(Sync("c-1").generation, 3u);

  std::optional<GroupDescription> d = coordinator_->Describe("g");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->generation, 3u);
  ASSERT_EQ(d->members.size(), 3u);
  EXPECT_EQ(d->members[1].member_id, "c-2");
  EXPECT_EQ(d->members[1].client_id, "c");
  EXPECT_EQ(d->members[1].instance, "inst");
  EXPECT_EQ(d->members[1].assignment, T({3, 4, 5}));
  EXPECT_FALSE(coordinator_->Describe("b").has_value());
}

TEST_F(GroupCoordinatorTest, MoreMembersThanQueues) {
  for (int i = 0; i < 10; ++i) Join("c");
  // Members sort by id as strings (c-1, c-10, c-2, ..., c-9): the first 8 get one queue each.
  size_t assigned = 0;
  for (int i = 1; i <= 10; ++i) {
    const Queues q = Sync("c-" + std::to_string(i)).assignment;
    EXPECT_EQ(q.size(), i == 8 || i == 9 ? 0u : 1u) << i;
    assigned += q.size();
  }
  EXPECT_EQ(assigned, 8u);
  EXPECT_EQ(Sync("c-10").assignment, T({1}));
  EXPECT_EQ(Sync("c-2").assignment, T({2}));
}

TEST_F(GroupCoordinatorTest, RejoinKeepsTheGenerationUnlessSubscriptionsChange) {
  Join("a");
  Join("b");
  EXPECT_EQ(Join("a", "a-1").generation, 2u);
  protocol::JoinGroupResponse changed = Join("a", "a-1", {{"t", "*"}, {"u", "*"}});
  EXPECT_EQ(changed.generation, 3u);
  // Mixed subscriptions: t's queues go to {a-1, b-2}; u's only to a-1.
  EXPECT_EQ(changed.assignment,
            (Queues{{"t", 0}, {"t", 1}, {"t", 2}, {"t", 3}, {"u", 0}, {"u", 1}}));
  EXPECT_EQ(Sync("b-2").assignment, T({4, 5, 6, 7}));
  // A tag change alone is a subscription change too.
  EXPECT_EQ(Join("a", "a-1", {{"t", "x"}, {"u", "*"}}).generation, 4u);
}

TEST_F(GroupCoordinatorTest, HeartbeatReportsRebalanceAndUnknownMembers) {
  const protocol::JoinGroupResponse a = Join("a");
  EXPECT_TRUE(Heartbeat(a.member_id, 1).header.ok());
  Join("b");
  protocol::HeartbeatResponse stale = Heartbeat(a.member_id, 1);
  EXPECT_EQ(stale.header.error_code, ErrorCode::kRebalanceInProgress);
  EXPECT_TRUE(stale.header.definite);
  EXPECT_EQ(stale.generation, 2u);
  protocol::SyncGroupResponse sync = Sync(a.member_id, 1);
  EXPECT_TRUE(sync.header.ok());
  EXPECT_EQ(sync.generation, 2u);
  EXPECT_EQ(sync.assignment, T({0, 1, 2, 3}));
  EXPECT_TRUE(Heartbeat(a.member_id, 2).header.ok());
  EXPECT_EQ(Heartbeat("who", 2).header.error_code, ErrorCode::kUnknownMember);
  EXPECT_EQ(Sync("who").header.error_code, ErrorCode::kUnknownMember);
  EXPECT_EQ(Heartbeat(a.member_id, 2, "nope").header.error_code, ErrorCode::kUnknownGroup);
  EXPECT_EQ(Join("a", "", {}, "nope").header.error_code, ErrorCode::kUnknownGroup);
  EXPECT_EQ(Sync("a-1", 0, "nope").header.error_code, ErrorCode::kUnknownGroup);
}

TEST_F(GroupCoordinatorTest, StaleGenerationsAreFenced) {
  const protocol::JoinGroupResponse a = Join("a");
  EXPECT_TRUE(coordinator_->CheckGeneration("g", a.member_id, 1).ok());
  Join("b");
  protocol::ResponseHeader fenced = coordinator_->CheckGeneration("g", a.member_id, 1);
  EXPECT_EQ(fenced.error_code, ErrorCode::kFenced);
  EXPECT_TRUE(fenced.definite);
  EXPECT_EQ(coordinator_->CheckGeneration("g", a.member_id, 3).error_code, ErrorCode::kFenced);
  EXPECT_TRUE(coordinator_->CheckGeneration("g", a.member_id, 2).ok());
  EXPECT_EQ(coordinator_->CheckGeneration("g", "ghost", 2).error_code, ErrorCode::kUnknownMember);
  EXPECT_EQ(coordinator_->CheckGeneration("zz", "ghost", 2).error_code, ErrorCode::kUnknownGroup);
  EXPECT_TRUE(coordinator_->CheckGeneration("g", "", 0).ok()) << "administrative commit";
}

TEST_F(GroupCoordinatorTest, SilentMembersExpireByTicks) {
  const std::string a = Join("a").member_id;  // tick 0
  const std::string b = Join("b").member_id;  // tick 0
  EXPECT_EQ(coordinator_->Tick(5), 0u);
  EXPECT_TRUE(Heartbeat(a, 2).header.ok());  // a seen at 5
  EXPECT_EQ(coordinator_->Tick(10), 0u) << "10 ticks silent is not more than the timeout";
  EXPECT_EQ(coordinator_->Tick(11), 1u) << "b: 11 ticks silent";
  EXPECT_EQ(Heartbeat(b, 2).header.error_code, ErrorCode::kUnknownMember);
  EXPECT_EQ(Heartbeat(a, 2).header.error_code, ErrorCode::kRebalanceInProgress);
  EXPECT_EQ(Sync(a).generation, 3u);
  EXPECT_EQ(Sync(a).assignment, T({0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(coordinator_->Tick(3), 0u) << "time never goes back";
  EXPECT_EQ(coordinator_->now_ticks(), 11u);
  EXPECT_EQ(coordinator_->Tick(22), 1u);
  EXPECT_EQ(coordinator_->Describe("g")->members.size(), 0u);
  EXPECT_EQ(coordinator_->Describe("g")->generation, 4u);
  // A rejoin after everyone left continues the generation count.
  EXPECT_EQ(Join("c").generation, 5u);
}

TEST_F(GroupCoordinatorTest, LeaveHandsTheQueuesToTheOthers) {
  const std::string a = Join("a").member_id;
  const std::string b = Join("b").member_id;
  EXPECT_TRUE(coordinator_->Leave({.group = "g", .member_id = a}).header.ok());
  EXPECT_EQ(coordinator_->Leave({.group = "g", .member_id = a}).header.error_code,
            ErrorCode::kUnknownMember);
  EXPECT_EQ(coordinator_->Leave({.group = "zz", .member_id = a}).header.error_code,
            ErrorCode::kUnknownGroup);
  protocol::SyncGroupResponse s = Sync(b);
  EXPECT_EQ(s.generation, 3u);
  EXPECT_EQ(s.assignment, T({0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST_F(GroupCoordinatorTest, BroadcastGroupsNeedNoMembership) {
  protocol::JoinGroupResponse j = Join("x", "", {}, "b");
  ASSERT_TRUE(j.header.ok());
  EXPECT_EQ(j.generation, 0u);
  EXPECT_FALSE(j.member_id.empty());
  Queues all = T({0, 1, 2, 3, 4, 5, 6, 7});
  all.push_back({"u", 0});
  all.push_back({"u", 1});
  EXPECT_EQ(j.assignment, all);
  EXPECT_EQ(Join("x", "", {{"u", "*"}}, "b").assignment, T({0, 1}, "u"));
  EXPECT_FALSE(coordinator_->Describe("b").has_value());
  EXPECT_TRUE(Heartbeat("anyone", 0, "b").header.ok());
  EXPECT_EQ(Sync("anyone", 0, "b").assignment, all);
  EXPECT_TRUE(coordinator_->CheckGeneration("b", "anyone", 17).ok());
  EXPECT_TRUE(coordinator_->Leave({.group = "b", .member_id = "anyone"}).header.ok());
}

TEST_F(GroupCoordinatorTest, MetadataChangesRebalance) {
  const std::string a = Join("a").member_id;
  const std::string b = Join("b").member_id;
  // A change that does not touch the group's topics keeps the generation.
  Apply(EncodeCreateTopic({.name = "other", .queue_count = 3}));
  EXPECT_EQ(Sync(a).generation, 2u);
  // Subscribing members see a newly created topic's queues.
  ASSERT_EQ(Join("a", a, {{"t", "*"}, {"v", "*"}}).generation, 3u);
  ASSERT_EQ(Join("b", b, {{"t", "*"}, {"v", "*"}}).generation, 4u);
  Apply(EncodeCreateTopic({.name = "v", .queue_count = 2}));
  EXPECT_EQ(Sync(a).generation, 5u);
  // One subscriber set: t0..t7, v0, v1 split 5 / 5.
  EXPECT_EQ(Sync(a).assignment, T({0, 1, 2, 3, 4}));
  EXPECT_EQ(Sync(b).assignment, (Queues{{"t", 5}, {"t", 6}, {"t", 7}, {"v", 0}, {"v", 1}}));
  // Deleting a subscribed topic rebalances again.
  Apply(EncodeDeleteTopic({.name = "v"}));
  EXPECT_EQ(Sync(a).generation, 6u);
  EXPECT_EQ(Sync(a).assignment, T({0, 1, 2, 3}));
  // The group turning broadcasting, or going away, drops its members.
  protocol::UpdateSubGroupRequest to_broadcast;
  to_broadcast.config = DefaultSubGroupConfig("g", ConsumeMode::kBroadcasting);
  Apply(EncodeUpdateSubGroup(to_broadcast));
  EXPECT_FALSE(coordinator_->Describe("g").has_value());
  Apply(EncodeDeleteSubGroup({.name = "g"}));
  EXPECT_EQ(Heartbeat(a, 6).header.error_code, ErrorCode::kUnknownGroup);
}

TEST_F(GroupCoordinatorTest, EmptyJoinSubscriptionsUseTheGroupsConfiguration) {
  EXPECT_EQ(Join("a").assignment.size(), 8u);
  EXPECT_EQ(Join("b", "", {{"u", "*"}}).assignment, T({0, 1}, "u"));
  EXPECT_EQ(Sync("a-1").assignment.size(), 8u);
}

TEST_F(GroupCoordinatorTest, ResetForgetsMembersWhoRejoinUnderTheirIds) {
  const std::string a = Join("a").member_id;
  coordinator_->Reset();
  EXPECT_FALSE(coordinator_->Describe("g").has_value());
  EXPECT_EQ(Heartbeat(a, 1).header.error_code, ErrorCode::kUnknownMember);
  protocol::JoinGroupResponse again = Join("a", a);
  EXPECT_EQ(again.member_id, a);
  EXPECT_EQ(again.generation, 1u);
  // Generated ids never repeat one handed out before the reset.
  EXPECT_EQ(Join("a").member_id, "a-2");
}

TEST(GroupCoordinatorLimitTest, MembersPerGroupAreBounded) {
  ControllerState state(*MakeClusterConfig("test", {{1, "h:1", ""}}, 1));
  ASSERT_EQ(state
                .ApplyCommand(EncodeUpdateSubGroup(
                    {.config = DefaultSubGroupConfig("g", ConsumeMode::kClustering)}))
                .code,
            ErrorCode::kOk);
  GroupCoordinator coordinator(state.View(), {.members_per_group_max = 2});
  protocol::JoinGroupRequest join{.group = "g", .client_id = "c"};
  EXPECT_TRUE(coordinator.Join(join, 5).header.ok());
  EXPECT_TRUE(coordinator.Join(join, 5).header.ok());
  protocol::JoinGroupResponse third = coordinator.Join(join, 5);
  EXPECT_EQ(third.header.error_code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(third.header.definite);
  join.member_id = "c-1";
  EXPECT_TRUE(coordinator.Join(join, 5).header.ok()) << "a known member may rejoin";
  EXPECT_EQ(coordinator.Describe("g")->members.size(), 2u);
}

}  // namespace
}  // namespace mq::broker
