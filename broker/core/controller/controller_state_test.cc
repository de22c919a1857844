#include "broker/core/controller/controller_state.h"

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mq::broker {
namespace {

using protocol::ConsumeMode;
using protocol::ErrorCode;
using protocol::kNoOffset;
using protocol::MessageType;

ClusterConfig Config(uint64_t data_groups = 3) {
  std::vector<BrokerAddress> brokers = {
      {1, "127.0.0.1:9001", ""}, {2, "127.0.0.1:9002", ""}, {3, "127.0.0.1:9003", ""}};
  absl::StatusOr<ClusterConfig> config = MakeClusterConfig("test", brokers, data_groups);
  EXPECT_TRUE(config.ok());
  return *config;
}

protocol::CreateTopicRequest Topic(std::string name, uint32_t queues,
                                   MessageType type = MessageType::kNormal) {
  return {.name = std::move(name), .queue_count = queues, .message_type = type};
}

protocol::UpdateSubGroupRequest Group(std::string name,
                                      ConsumeMode mode = ConsumeMode::kClustering) {
  protocol::UpdateSubGroupRequest r;
  r.config = DefaultSubGroupConfig(name, mode);
  return r;
}

raft::Entry NormalEntry(std::string data) {
  return raft::Entry{.term = 1,
                     .index = 1,
                     .type = raft::EntryType::kNormal,
                     .data = raft::Payload(std::move(data))};
}

class ControllerStateTest : public ::testing::Test {
 protected:
  ControllerOutcome Run(const std::string& command) { return state_.Apply(NormalEntry(command)); }
  ControllerOutcome Create(const protocol::CreateTopicRequest& r) {
    return Run(EncodeCreateTopic(r));
  }
  ControllerOutcome Commit(std::string group, std::string instance,
                           std::vector<protocol::QueueOffset> offsets) {
    return Run(EncodeCommitOffsets(group, instance, offsets));
  }

  ControllerState state_{Config()};
};

// ---- Topics ---------------------------------------------------------------------------------

TEST_F(ControllerStateTest, CreateTopicPublishesANewViewAndBumpsTheVersion) {
  std::shared_ptr<const ClusterView> before = state_.View();
  EXPECT_EQ(before->cluster_version, 0u);
  ControllerOutcome out = Create({.name = "orders",
                                  .queue_count = 4,
                                  .message_type = MessageType::kFifo,
                                  .retention_ms = 1000,
                                  .retention_bytes = 2000});
  EXPECT_EQ(out, (ControllerOutcome{ErrorCode::kOk, "", 1, 0}));
  EXPECT_EQ(state_.cluster_version(), 1u);
  EXPECT_TRUE(before->topics.empty()) << "an old view never changes";
  const protocol::TopicInfo* info = state_.View()->FindTopic("orders");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->name, "orders");
  EXPECT_EQ(info->error_code, ErrorCode::kOk);
  EXPECT_EQ(info->message_type, MessageType::kFifo);
  EXPECT_EQ(info->queue_count, 4u);
  EXPECT_EQ(info->retention_ms, 1000u);
  EXPECT_EQ(info->retention_bytes, 2000u);
  ASSERT_EQ(info->queues.size(), 4u);
  for (uint32_t q = 0; q < 4; ++q) EXPECT_EQ(info->queues[q].queue_id, q);
}

TEST_F(ControllerStateTest, PlacementSpreadsQueuesOverDataGroups) {
  ASSERT_EQ(Create(Topic("a", 8)).code, ErrorCode::kOk);
  ASSERT_EQ(Create(Topic("b", 2)).code, ErrorCode::kOk);
  const ClusterView& view = *state_.View();
  std::map<uint64_t, int> per_group;
  for (const protocol::QueueInfo& q : view.FindTopic("a")->queues) ++per_group[q.group_id];
  EXPECT_EQ(per_group, (std::map<uint64_t, int>{{1, 3}, {2, 3}, {3, 2}}));
  // The second topic (k = 1) starts one group further along.
  EXPECT_EQ(FindQueueGroup(view, "a", 0), 1u);
  EXPECT_EQ(FindQueueGroup(view, "a", 7), 2u);
  EXPECT_EQ(FindQueueGroup(view, "b", 0), 2u);
  EXPECT_EQ(FindQueueGroup(view, "b", 1), 3u);
  EXPECT_EQ(FindQueueGroup(view, "b", 2), std::nullopt);
  EXPECT_EQ(FindQueueGroup(view, "zzz", 0), std::nullopt);
  // Many single-queue topics land on every group in turn.
  ASSERT_EQ(Create(Topic("c", 1)).code, ErrorCode::kOk);
  ASSERT_EQ(Create(Topic("d", 1)).code, ErrorCode::kOk);
  EXPECT_EQ(FindQueueGroup(*state_.View(), "c", 0), 3u);
  EXPECT_EQ(FindQueueGroup(*state_.View(), "d", 0), 1u);
  std::vector<protocol::QueueRef> g3 = QueuesOfGroup(*state_.View(), 3);
  EXPECT_EQ(g3, (std::vector<protocol::QueueRef>{{"a", 2}, {"a", 5}, {"b", 1}, {"c", 0}}));
}

TEST_F(ControllerStateTest, CreateTopicValidation) {
  EXPECT_EQ(Create(Topic("t", 0)).code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Create(Topic("t", kControllerQueuesPerTopicMax + 1)).code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Create(Topic("", 1)).code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(state_.cluster_version(), 0u) << "rejections change nothing";
  EXPECT_EQ(Create(Topic("big", kControllerQueuesPerTopicMax)).code, ErrorCode::kOk);
  // Every message type is accepted as metadata.
  EXPECT_EQ(Create(Topic("fifo", 1, MessageType::kFifo)).code, ErrorCode::kOk);
  EXPECT_EQ(Create(Topic("delay", 1, MessageType::kDelay)).code, ErrorCode::kOk);
  EXPECT_EQ(Create(Topic("txn", 1, MessageType::kTransaction)).code, ErrorCode::kOk);
  EXPECT_EQ(state_.View()->FindTopic("delay")->message_type, MessageType::kDelay);
}

TEST_F(ControllerStateTest, RecreatingIdenticallyIsOkAndDifferentlyIsAlreadyExists) {
  ASSERT_EQ(Create(Topic("t", 4)).code, ErrorCode::kOk);
  const auto view = state_.View();
  ControllerOutcome again = Create(Topic("t", 4));
  EXPECT_EQ(again.code, ErrorCode::kOk);
  EXPECT_EQ(again.cluster_version, 1u);
  EXPECT_EQ(state_.View(), view) << "no new view for a no-op";
  ControllerOutcome other = Create(Topic("t", 5));
  EXPECT_EQ(other.code, ErrorCode::kAlreadyExists);
  EXPECT_NE(other.message.find("4 queues"), std::string::npos) << other.message;
  EXPECT_EQ(Create(Topic("t", 4, MessageType::kFifo)).code, ErrorCode::kAlreadyExists);
  protocol::CreateTopicRequest retention = Topic("t", 4);
  retention.retention_ms = 1;
  EXPECT_EQ(Create(retention).code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(state_.cluster_version(), 1u);
}

TEST_F(ControllerStateTest, DeleteTopicDropsItAndItsOffsets) {
  ASSERT_EQ(Create(Topic("t", 2)).code, ErrorCode::kOk);
  ASSERT_EQ(Create(Topic("u", 1)).code, ErrorCode::kOk);
  ASSERT_EQ(Run(EncodeUpdateSubGroup(Group("g"))).code, ErrorCode::kOk);
  ASSERT_EQ(Commit("g", "", {{"t", 1, 10}, {"u", 0, 3}}).code, ErrorCode::kOk);
  ControllerOutcome out = Run(EncodeDeleteTopic({.name = "t"}));
  EXPECT_EQ(out.code, ErrorCode::kOk);
  EXPECT_EQ(out.cluster_version, 4u);
  EXPECT_EQ(state_.View()->FindTopic("t"), nullptr);
  EXPECT_EQ(Run(EncodeDeleteTopic({.name = "t"})).code, ErrorCode::kUnknownTopic);
  EXPECT_EQ(state_.cluster_version(), 4u);
  // Created again: no offsets carried over from its previous life.
  ASSERT_EQ(Create(Topic("t", 2)).code, ErrorCode::kOk);
  EXPECT_EQ(state_.FetchOffsets("g", "", {{"t", 1}, {"u", 0}}),
            (std::vector<protocol::QueueOffset>{{"t", 1, kNoOffset}, {"u", 0, 3}}));
}

// ---- Subscription groups --------------------------------------------------------------------

TEST_F(ControllerStateTest, UpdateSubGroupCreatesReplacesAndIgnoresNoOps) {
  protocol::UpdateSubGroupRequest g = Group("g");
  g.config.subscriptions = {{"t", "*"}};
  EXPECT_EQ(Run(EncodeUpdateSubGroup(g)).cluster_version, 1u);
  EXPECT_EQ(*state_.View()->FindSubGroup("g"), g.config);
  EXPECT_EQ(Run(EncodeUpdateSubGroup(g)).cluster_version, 1u) << "identical: no change";
  g.config.max_retries = 3;
  EXPECT_EQ(Run(EncodeUpdateSubGroup(g)).cluster_version, 2u);
  EXPECT_EQ(state_.View()->FindSubGroup("g")->max_retries, 3u);
  g.config.max_retries = kControllerMaxRetriesMax + 1;
  EXPECT_EQ(Run(EncodeUpdateSubGroup(g)).code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Run(EncodeUpdateSubGroup(Group(""))).code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(state_.cluster_version(), 2u);
  EXPECT_EQ(state_.View()->FindSubGroup("nope"), nullptr);
}

TEST_F(ControllerStateTest, DeleteSubGroupDropsItsOffsetsOnly) {
  ASSERT_EQ(Create(Topic("t", 2)).code, ErrorCode::kOk);
  ASSERT_EQ(Run(EncodeUpdateSubGroup(Group("g"))).code, ErrorCode::kOk);
  ASSERT_EQ(Run(EncodeUpdateSubGroup(Group("h"))).code, ErrorCode::kOk);
  ASSERT_EQ(Commit("g", "", {{"t", 0, 1}}).code, ErrorCode::kOk);
  ASSERT_EQ(Commit("h", "", {{"t", 0, 2}}).code, ErrorCode::kOk);
  EXPECT_EQ(Run(EncodeDeleteSubGroup({.name = "g"})).cluster_version, 4u);
  EXPECT_EQ(Run(EncodeDeleteSubGroup({.name = "g"})).code, ErrorCode::kUnknownGroup);
  EXPECT_EQ(state_.offset_count(), 1u);
  EXPECT_EQ(state_.FetchOffsets("h", "", {{"t", 0}})[0].offset, 2u);
  // Recreated: starts with no offsets.
  ASSERT_EQ(Run(EncodeUpdateSubGroup(Group("g"))).code, ErrorCode::kOk);
  EXPECT_EQ(state_.FetchOffsets("g", "", {{"t", 0}})[0].offset, kNoOffset);
}

// ---- Producer ids ---------------------------------------------------------------------------

TEST_F(ControllerStateTest, ProducerIdsCountFromOneWithoutTouchingTheVersion) {
  for (uint64_t id = 1; id <= 3; ++id) {
    ControllerOutcome out = Run(EncodeAllocateProducerId());
    EXPECT_EQ(out.code, ErrorCode::kOk);
    EXPECT_EQ(out.producer_id, id);
    EXPECT_EQ(out.cluster_version, 0u);
  }
  EXPECT_EQ(state_.next_producer_id(), 4u);
}

// ---- Offsets --------------------------------------------------------------------------------

TEST_F(ControllerStateTest, CommitOffsetsIsStrictAndAllOrNothing) {
  ASSERT_EQ(Create(Topic("t", 2)).code, ErrorCode::kOk);
  ASSERT_EQ(Run(EncodeUpdateSubGroup(Group("g"))).code, ErrorCode::kOk);
  ASSERT_EQ(Run(EncodeUpdateSubGroup(Group("b", ConsumeMode::kBroadcasting))).code, ErrorCode::kOk);
  EXPECT_EQ(Commit("nope", "", {{"t", 0, 1}}).code, ErrorCode::kUnknownGroup);
  EXPECT_EQ(Commit("g", "i1", {{"t", 0, 1}}).code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Commit("b", "", {{"t", 0, 1}}).code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Commit("g", "", {{"t", 0, 1}, {"x", 0, 1}}).code, ErrorCode::kUnknownTopic);
  EXPECT_EQ(Commit("g", "", {{"t", 0, 1}, {"t", 2, 1}}).code, ErrorCode::kUnknownQueue);
  EXPECT_EQ(Commit("g", "", {{"t", 0, 1}, {"t", 1, kNoOffset}}).code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(state_.offset_count(), 0u) << "a rejected commit stores nothing";

  const uint64_t version = state_.cluster_version();
  ControllerOutcome ok = Commit("g", "", {{"t", 0, 10}, {"t", 1, 20}});
  EXPECT_EQ(ok.code, ErrorCode::kOk);
  EXPECT_EQ(ok.cluster_version, version) << "offsets are not metadata";
  EXPECT_EQ(Commit("g", "", {{"t", 1, 5}}).code, ErrorCode::kOk) << "a reset moves back";
  EXPECT_EQ(Commit("b", "host-1", {{"t", 0, 7}}).code, ErrorCode::kOk);
  EXPECT_EQ(Commit("b", "host-2", {{"t", 0, 8}}).code, ErrorCode::kOk);

  EXPECT_EQ(state_.FetchOffsets("g", "", {{"t", 1}, {"t", 0}, {"t", 9}}),
            (std::vector<protocol::QueueOffset>{{"t", 1, 5}, {"t", 0, 10}, {"t", 9, kNoOffset}}));
  EXPECT_EQ(state_.FetchOffsets("b", "host-2", {{"t", 0}})[0].offset, 8u);
  EXPECT_EQ(state_.FetchOffsets("unknown", "", {{"t", 0}})[0].offset, kNoOffset);
  EXPECT_EQ(state_.GroupOffsets("b"),
            (std::vector<CommittedOffset>{{"host-1", "t", 0, 7}, {"host-2", "t", 0, 8}}));
  EXPECT_EQ(state_.GroupOffsets("g"),
            (std::vector<CommittedOffset>{{"", "t", 0, 10}, {"", "t", 1, 5}}));
  EXPECT_TRUE(state_.GroupOffsets("zz").empty());
}

// ---- Entries --------------------------------------------------------------------------------

TEST_F(ControllerStateTest, NoOpEntriesAndGarbageChangeNothing) {
  ASSERT_EQ(Create(Topic("t", 1)).code, ErrorCode::kOk);
  const std::string before = std::string(state_.Snapshot().view());
  EXPECT_EQ(state_.Apply(NormalEntry("")), (ControllerOutcome{ErrorCode::kOk, "", 1, 0}));
  raft::Entry conf{.term = 1,
                   .index = 2,
                   .type = raft::EntryType::kConfChange,
                   .data = raft::Payload(std::string_view("\x01\x02"))};
  EXPECT_EQ(state_.Apply(conf).code, ErrorCode::kOk);
  ControllerOutcome garbage = state_.Apply(NormalEntry("\x63garbage"));
  EXPECT_EQ(garbage.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(garbage.message.find("controller command"), std::string::npos) << garbage.message;
  EXPECT_EQ(state_.ApplyCommand(std::string("\x01\x01", 2)).code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(std::string(state_.Snapshot().view()), before);
}

// ---- Snapshots ------------------------------------------------------------------------------

// Drives a state through every command kind.
std::vector<std::string> History() {
  protocol::UpdateSubGroupRequest fancy = Group("fancy", ConsumeMode::kBroadcasting);
  fancy.config.subscriptions = {{"a", "x || y"}};
  fancy.config.retry_backoff_ms = {1, 2, 3};
  fancy.config.fifo = true;
  return {
      EncodeCreateTopic(Topic("a", 8)),
      EncodeCreateTopic({.name = "b",
                         .queue_count = 3,
                         .message_type = MessageType::kDelay,
                         .retention_ms = 5,
                         .retention_bytes = 6}),
      EncodeCreateTopic(Topic("gone", 1)),
      EncodeUpdateSubGroup(Group("g")),
      EncodeUpdateSubGroup(fancy),
      EncodeUpdateSubGroup(Group("gone-group")),
      EncodeAllocateProducerId(),
      EncodeAllocateProducerId(),
      EncodeCommitOffsets("g", "", {{"a", 0, 100}, {"a", 7, 3}, {"b", 2, 9}}),
      EncodeCommitOffsets("fancy", "i-1", {{"a", 1, 4}}),
      EncodeCommitOffsets("gone-group", "", {{"a", 1, 4}}),
      EncodeCommitOffsets("g", "", {{"gone", 0, 4}}),
      EncodeDeleteTopic({.name = "gone"}),
      EncodeDeleteSubGroup({.name = "gone-group"}),
  };
}

TEST(ControllerSnapshotTest, RestoreGivesAnEqualStateThatEvolvesIdentically) {
  ControllerState a(Config());
  for (const std::string& c : History()) ASSERT_EQ(a.ApplyCommand(c).code, ErrorCode::kOk);
  raft::Snapshot snapshot;
  snapshot.metadata.index = 14;
  snapshot.data = a.Snapshot();

  ControllerState b(Config());
  ASSERT_TRUE(b.Restore(snapshot).ok());
  EXPECT_EQ(*b.View(), *a.View());
  EXPECT_EQ(b.cluster_version(), a.cluster_version());
  EXPECT_EQ(b.next_producer_id(), 3u);
  EXPECT_EQ(b.GroupOffsets("g"), a.GroupOffsets("g"));
  EXPECT_EQ(b.GroupOffsets("fancy"), a.GroupOffsets("fancy"));
  EXPECT_EQ(b.offset_count(), 4u);
  EXPECT_EQ(b.Snapshot(), a.Snapshot());

  // Same next commands, same outcomes and placement (the created-topic count came along).
  for (const std::string& c : {EncodeCreateTopic(Topic("c", 5)), EncodeAllocateProducerId(),
                               EncodeCommitOffsets("g", "", {{"c", 4, 1}})}) {
    EXPECT_EQ(a.ApplyCommand(c), b.ApplyCommand(c));
  }
  EXPECT_EQ(b.Snapshot(), a.Snapshot());

  // Restoring replaces everything, also in a state that had other content.
  ControllerState c(Config());
  ASSERT_EQ(c.ApplyCommand(EncodeCreateTopic(Topic("zzz", 2))).code, ErrorCode::kOk);
  ASSERT_TRUE(c.RestoreBytes(snapshot.data.view()).ok());
  EXPECT_EQ(c.View()->FindTopic("zzz"), nullptr);
  ControllerState empty(Config());
  ASSERT_TRUE(c.RestoreBytes(empty.Snapshot().view()).ok());
  EXPECT_EQ(*c.View(), ClusterView{});
  EXPECT_EQ(c.offset_count(), 0u);
  EXPECT_EQ(c.next_producer_id(), 1u);
}

TEST(ControllerSnapshotTest, DamagedSnapshotsAreRefusedAndChangeNothing) {
  ControllerState a(Config());
  for (const std::string& c : History()) ASSERT_EQ(a.ApplyCommand(c).code, ErrorCode::kOk);
  const std::string bytes(a.Snapshot().view());

  ControllerState b(Config());
  ASSERT_EQ(b.ApplyCommand(EncodeCreateTopic(Topic("mine", 1))).code, ErrorCode::kOk);
  const std::string b_before(b.Snapshot().view());
  for (size_t size = 0; size < bytes.size(); ++size) {
    absl::Status s = b.RestoreBytes(std::string_view(bytes).substr(0, size));
    ASSERT_EQ(s.code(), absl::StatusCode::kDataLoss) << size;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x10;
    ASSERT_EQ(b.RestoreBytes(bad).code(), absl::StatusCode::kDataLoss) << i;
  }
  EXPECT_EQ(std::string(b.Snapshot().view()), b_before);
  raft::Snapshot empty;
  EXPECT_EQ(b.Restore(empty).code(), absl::StatusCode::kDataLoss);
}

TEST(ControllerSnapshotTest, RefusesQueuesOnGroupsThisClusterDoesNotHave) {
  ControllerState five(Config(5));
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(five.ApplyCommand(EncodeCreateTopic(Topic("t" + std::to_string(i), 1))).code,
              ErrorCode::kOk);
  }
  ControllerState three(Config(3));
  absl::Status s = three.RestoreBytes(five.Snapshot().view());
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("not a data group"), absl::string_view::npos) << s;
}

// ---- View helpers ---------------------------------------------------------------------------

TEST(ClusterViewTest, DefaultSubGroupConfigUsesProtocolDefaults) {
  protocol::SubGroupConfig c = DefaultSubGroupConfig("g", ConsumeMode::kBroadcasting);
  EXPECT_EQ(c.name, "g");
  EXPECT_EQ(c.mode, ConsumeMode::kBroadcasting);
  EXPECT_TRUE(c.subscriptions.empty());
  EXPECT_EQ(c.max_retries, protocol::kDefaultMaxRetries);
  EXPECT_FALSE(c.fifo);
}

}  // namespace
}  // namespace mq::broker
