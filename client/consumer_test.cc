// PullConsumer and PushConsumer against FakeBroker: fetched batches decoded by slot (tag
// filtered), positions and commits, start positions, the rebalance protocol, broadcasting.

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include "client/fake_broker_testing.h"
#include "client/pull_consumer.h"
#include "client/push_consumer.h"
#include "client/status.h"
#include "gtest/gtest.h"

namespace mq::client {
namespace {

using protocol::ErrorCode;
using testing::FakeBroker;
using testing::MakeBatch;
using testing::MakeMetadata;

// Queue q of topic "t" holds messages with offsets [0, 10): bodies "m<offset>", tag "a" for even
// offsets and "b" for odd ones, stored as two batches of 5 (raft indexes 50 and 51). Fetch
// honours the "a" filter by listing only matching slots.
struct GroupCluster {
  FakeBroker broker{1};
  std::mutex mu;
  uint64_t generation = 1;
  std::vector<protocol::QueueRef> assignment{{.topic = "t", .queue_id = 0}};
  uint64_t committed = protocol::kNoOffset;
  bool rebalance = false;
  int heartbeats = 0;
  std::vector<uint64_t> fetch_offsets;  // every FetchRequest's offset, in arrival order

  GroupCluster() {
    broker.SetHandler([this](const protocol::Request& r) -> std::optional<protocol::Response> {
      std::lock_guard<std::mutex> lock(mu);
      if (std::holds_alternative<protocol::MetadataRequest>(r)) {
        return MakeMetadata({{1, broker.address()}}, {1, 1}, {{"t", {1, 1}}});
      }
      if (std::holds_alternative<protocol::JoinGroupRequest>(r)) {
        return protocol::JoinGroupResponse{.member_id = "m-1",
                                           .generation = generation,
                                           .assignment = assignment,
                                           .heartbeat_interval_ms = 10};
      }
      if (std::holds_alternative<protocol::HeartbeatRequest>(r)) {
        ++heartbeats;
        if (rebalance) {
          return protocol::HeartbeatResponse{
              .header = {.error_code = ErrorCode::kRebalanceInProgress, .definite = true},
              .generation = generation};
        }
        return protocol::HeartbeatResponse{.generation = generation};
      }
      if (std::holds_alternative<protocol::SyncGroupRequest>(r)) {
        rebalance = false;
        return protocol::SyncGroupResponse{.generation = generation, .assignment = assignment};
      }
      if (const auto* fetch = std::get_if<protocol::FetchOffsetRequest>(&r)) {
        protocol::FetchOffsetResponse response;
        for (const auto& q : fetch->queues) {
          response.offsets.push_back(
              {.topic = q.topic, .queue_id = q.queue_id, .offset = committed});
        }
        return response;
      }
      if (std::holds_alternative<protocol::ListOffsetsRequest>(r)) {
        const auto& list = std::get<protocol::ListOffsetsRequest>(r);
        return protocol::ListOffsetsResponse{.queues = {{.topic = "t",
                                                         .queue_id = list.queues[0].queue_id,
                                                         .min_offset = 0,
                                                         .max_offset = 10}}};
      }
      if (const auto* commit = std::get_if<protocol::CommitOffsetRequest>(&r)) {
        if (commit->generation != 0 && commit->generation != generation) {
          return protocol::CommitOffsetResponse{
              .header = {.error_code = ErrorCode::kFenced, .definite = true}};
        }
        committed = commit->offsets.back().offset;
        return protocol::CommitOffsetResponse{};
      }
      if (std::holds_alternative<protocol::LeaveGroupRequest>(r)) {
        return protocol::LeaveGroupResponse{};
      }
      const auto& fetch = std::get<protocol::FetchRequest>(r);
      fetch_offsets.push_back(fetch.offset);
      if (fetch.offset > 10) {
        return protocol::FetchResponse{
            .header = {.error_code = ErrorCode::kOffsetOutOfRange, .definite = true},
            .high_watermark = 10};
      }
      protocol::FetchResponse response{.high_watermark = 10, .next_offset = 10};
      for (uint64_t base : {0u, 5u}) {
        if (fetch.offset >= base + 5) continue;
        protocol::FetchedBatch batch{.base_offset = base,
                                     .group_id = 1,
                                     .raft_index = 50 + base / 5,
                                     .store_time_ms = 9000 + base};
        std::vector<protocol::Message> messages;
        for (uint64_t o = base; o < base + 5; ++o) {
          messages.push_back({.body = "m" + std::to_string(o),
                              .tag = o % 2 == 0 ? "a" : "b",
                              .keys = {"k" + std::to_string(o)},
                              .properties = {{"p", "v"}},
                              .born_time_ms = 100 + o});
          bool match = fetch.tag_filter.empty() || o % 2 == 0;
          if (o >= fetch.offset && match) batch.slots.push_back(static_cast<uint32_t>(o - base));
        }
        batch.record_batch = MakeBatch(messages);
        if (!batch.slots.empty()) response.batches.push_back(std::move(batch));
      }
      if (response.batches.empty()) {
        // A long poll that found nothing (shortened: this thread answers everyone).
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      return response;
    });
  }

  ConsumerOptions Options() {
    ConsumerOptions options;
    options.client = {.servers = broker.address(),
                      .request_timeout_ms = 2000,
                      .deadline_ms = 5000,
                      .retry_backoff_initial_ms = 1,
                      .retry_backoff_max_ms = 5};
    options.group = "g";
    options.fetch_wait_ms_max = 20;
    options.auto_commit = false;
    return options;
  }
};

// Polls until `want` messages arrived (bounded number of polls, no timing assertions).
std::vector<ReceivedMessage> PollFor(PullConsumer& consumer, size_t want) {
  std::vector<ReceivedMessage> all;
  for (int i = 0; i < 200 && all.size() < want; ++i) {
    auto batch = consumer.Poll(50);
    EXPECT_TRUE(batch.ok()) << batch.status();
    if (!batch.ok()) break;
    for (auto& m : *batch) all.push_back(std::move(m));
  }
  return all;
}

TEST(PullConsumerTest, DecodesFetchedSlotsWithTagFilterAndCommitsNextOffset) {
  GroupCluster cluster;
  cluster.committed = 3;
  auto consumer = PullConsumer::Create(cluster.Options());
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  ASSERT_TRUE((*consumer)->Subscribe("t", "a").ok());
  std::vector<ReceivedMessage> messages = PollFor(**consumer, 3);
  ASSERT_EQ(messages.size(), 3u);  // offsets 4, 6, 8: even ones from 3 on
  EXPECT_EQ(messages[0].offset, 4u);
  EXPECT_EQ(messages[1].offset, 6u);
  EXPECT_EQ(messages[2].offset, 8u);
  const ReceivedMessage& six = messages[1];
  EXPECT_EQ(six.body, "m6");
  EXPECT_EQ(six.tag, "a");
  EXPECT_EQ(six.keys, (std::vector<std::string>{"k6"}));
  EXPECT_EQ(six.properties.at("p"), "v");
  EXPECT_EQ(six.born_time_ms, 106u);
  EXPECT_EQ(six.store_time_ms, 9005u);
  EXPECT_EQ(six.msg_id.group_id, 1u);
  EXPECT_EQ(six.msg_id.raft_index, 51u);
  EXPECT_EQ(six.msg_id.slot, 1u);
  EXPECT_EQ(six.topic, "t");

  auto fetches = cluster.broker.RequestsOf<protocol::FetchRequest>();
  ASSERT_FALSE(fetches.empty());
  EXPECT_EQ(fetches[0].offset, 3u);
  EXPECT_EQ(fetches[0].tag_filter, "a");
  EXPECT_EQ(fetches[0].consumer_group, "g");
  EXPECT_TRUE(cluster.broker.RequestsOf<protocol::ListOffsetsRequest>().empty());

  ASSERT_TRUE((*consumer)->Commit().ok());
  auto commits = cluster.broker.RequestsOf<protocol::CommitOffsetRequest>();
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].member_id, "m-1");
  EXPECT_EQ(commits[0].generation, 1u);
  EXPECT_EQ(commits[0].offsets[0].offset, 10u);  // past the filtered tail too
  (*consumer)->Close();
  EXPECT_EQ(cluster.broker.RequestsOf<protocol::LeaveGroupRequest>().size(), 1u);
  EXPECT_EQ((*consumer)->Poll(1).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(PullConsumerTest, StartsAtEarliestOrLatestWithoutCommittedOffset) {
  for (StartPosition start : {StartPosition::kEarliest, StartPosition::kLatest}) {
    GroupCluster cluster;
    ConsumerOptions options = cluster.Options();
    options.start_position = start;
    auto consumer = PullConsumer::Create(options);
    ASSERT_TRUE((*consumer)->Subscribe("t").ok());
    // The first fetch leaves once the group is joined and the position resolved, which may
    // take longer than one Poll on a loaded machine: poll until the broker has seen it.
    std::vector<protocol::FetchRequest> fetches;
    for (int i = 0; i < 200 && fetches.empty(); ++i) {
      auto polled = (*consumer)->Poll(50);
      ASSERT_TRUE(polled.ok()) << polled.status();
      fetches = cluster.broker.RequestsOf<protocol::FetchRequest>();
    }
    ASSERT_FALSE(fetches.empty());
    EXPECT_EQ(fetches[0].offset, start == StartPosition::kEarliest ? 0u : 10u);
    EXPECT_EQ(fetches[0].tag_filter, "");  // "*" sends no filter
  }
}

TEST(PullConsumerTest, AutoCommitAndSubscribeRules) {
  GroupCluster cluster;
  cluster.committed = 0;
  ConsumerOptions options = cluster.Options();
  options.auto_commit = true;
  options.auto_commit_interval_ms = 0;
  auto consumer = PullConsumer::Create(options);
  EXPECT_EQ((*consumer)->Poll(1).status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*consumer)->Subscribe("t").ok());
  ASSERT_EQ(PollFor(**consumer, 10).size(), 10u);
  EXPECT_EQ((*consumer)->Subscribe("u").code(), absl::StatusCode::kFailedPrecondition);
  (*consumer)->Close();  // commits
  std::lock_guard<std::mutex> lock(cluster.mu);
  EXPECT_EQ(cluster.committed, 10u);
}

// Waits (bounded) until `done` holds under the cluster's lock; false if it never did.
template <typename F>
bool Eventually(GroupCluster& cluster, F done) {
  for (int i = 0; i < 2000; ++i) {
    {
      std::lock_guard<std::mutex> lock(cluster.mu);
      if (done()) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

TEST(PullConsumerTest, FetchesAheadWhileTheApplicationProcesses) {
  GroupCluster cluster;
  cluster.committed = 0;
  auto consumer = PullConsumer::Create(cluster.Options());
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  ASSERT_TRUE((*consumer)->Subscribe("t").ok());
  ASSERT_EQ(PollFor(**consumer, 10).size(), 10u);
  // No Poll since the messages came: the next fetch (from offset 10) went out by itself.
  EXPECT_TRUE(Eventually(cluster, [&] {
    return std::count(cluster.fetch_offsets.begin(), cluster.fetch_offsets.end(), 10u) > 0;
  }));
  // An empty answer does not fetch again until the application polls: bounded read-ahead.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard<std::mutex> lock(cluster.mu);
    EXPECT_EQ(std::count(cluster.fetch_offsets.begin(), cluster.fetch_offsets.end(), 10u), 1);
  }
  (*consumer)->Close();
}

TEST(PullConsumerTest, AutoCommitRunsInTheBackgroundOfPoll) {
  GroupCluster cluster;
  cluster.committed = 0;
  ConsumerOptions options = cluster.Options();
  options.auto_commit = true;
  options.auto_commit_interval_ms = 0;
  auto consumer = PullConsumer::Create(options);
  ASSERT_TRUE((*consumer)->Subscribe("t").ok());
  ASSERT_EQ(PollFor(**consumer, 10).size(), 10u);
  ASSERT_TRUE((*consumer)->Poll(1).ok());  // starts the commit of offset 10
  EXPECT_TRUE(Eventually(cluster, [&] { return cluster.committed == 10u; }));
  (*consumer)->Close();
}

TEST(PullConsumerTest, RebalanceInProgressSyncsTheNewAssignment) {
  GroupCluster cluster;
  cluster.committed = 0;
  auto consumer = PullConsumer::Create(cluster.Options());
  ASSERT_TRUE((*consumer)->Subscribe("t").ok());
  ASSERT_TRUE((*consumer)->Poll(10).ok());
  EXPECT_EQ((*consumer)->Assignment(),
            (std::vector<protocol::QueueRef>{{.topic = "t", .queue_id = 0}}));
  {
    std::lock_guard<std::mutex> lock(cluster.mu);
    cluster.generation = 2;
    cluster.assignment = {{.topic = "t", .queue_id = 1}};
    cluster.rebalance = true;
  }
  std::vector<protocol::QueueRef> want{{.topic = "t", .queue_id = 1}};
  // The Poll that syncs may already return queue 1's first messages: keep them.
  std::vector<ReceivedMessage> messages;
  for (int i = 0; i < 400 && (*consumer)->Assignment() != want; ++i) {
    auto batch = (*consumer)->Poll(10);
    ASSERT_TRUE(batch.ok()) << batch.status();
    for (ReceivedMessage& m : *batch) {
      if (m.queue_id == 1) messages.push_back(std::move(m));
    }
  }
  EXPECT_EQ((*consumer)->Assignment(), want);
  auto syncs = cluster.broker.RequestsOf<protocol::SyncGroupRequest>();
  ASSERT_FALSE(syncs.empty()) << cluster.broker.RequestsOf<protocol::HeartbeatRequest>().size();
  EXPECT_EQ(syncs[0].member_id, "m-1");
  // It now reads queue 1 from its committed offset (0), and commits under generation 2.
  if (messages.empty()) messages = PollFor(**consumer, 1);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages[0].queue_id, 1u);
  EXPECT_EQ(messages[0].offset, 0u);
  ASSERT_TRUE((*consumer)->Commit().ok());
  EXPECT_EQ(cluster.broker.RequestsOf<protocol::CommitOffsetRequest>().back().generation, 2u);
}

TEST(PullConsumerTest, FencedCommitReportsAndRejoinsNothingSilently) {
  GroupCluster cluster;
  cluster.committed = 0;
  auto consumer = PullConsumer::Create(cluster.Options());
  ASSERT_TRUE((*consumer)->Subscribe("t").ok());
  ASSERT_FALSE(PollFor(**consumer, 1).empty());
  {
    std::lock_guard<std::mutex> lock(cluster.mu);
    cluster.generation = 5;  // moved on without telling us
  }
  absl::Status fenced = (*consumer)->Commit();
  EXPECT_EQ(fenced.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(BrokerErrorCode(fenced), ErrorCode::kFenced);
  EXPECT_TRUE(IsDefiniteFailure(fenced));
  ASSERT_TRUE((*consumer)->Poll(10).ok());  // syncs
  EXPECT_FALSE(cluster.broker.RequestsOf<protocol::SyncGroupRequest>().empty());
}

TEST(PullConsumerTest, BroadcastingUsesTheInstanceAndNoMembership) {
  GroupCluster cluster;
  cluster.committed = 8;
  ConsumerOptions options = cluster.Options();
  options.mode = protocol::ConsumeMode::kBroadcasting;
  EXPECT_FALSE(PullConsumer::Create(options).ok());  // needs an instance
  options.instance = "host-a";
  auto consumer = PullConsumer::Create(options);
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE((*consumer)->Subscribe("t").ok());
  std::vector<ReceivedMessage> messages = PollFor(**consumer, 4);  // 8, 9 of both queues
  EXPECT_EQ(messages.size(), 4u);
  EXPECT_EQ((*consumer)->Assignment().size(), 2u);
  ASSERT_TRUE((*consumer)->Commit().ok());
  EXPECT_TRUE(cluster.broker.RequestsOf<protocol::JoinGroupRequest>().empty());
  auto fetch_offsets = cluster.broker.RequestsOf<protocol::FetchOffsetRequest>();
  ASSERT_FALSE(fetch_offsets.empty());
  EXPECT_EQ(fetch_offsets[0].instance, "host-a");
  auto commits = cluster.broker.RequestsOf<protocol::CommitOffsetRequest>();
  ASSERT_FALSE(commits.empty());
  EXPECT_EQ(commits[0].instance, "host-a");
  EXPECT_EQ(commits[0].member_id, "");
  (*consumer)->Close();
  EXPECT_TRUE(cluster.broker.RequestsOf<protocol::LeaveGroupRequest>().empty());
}

TEST(PushConsumerTest, ListenerAcksCommitTheAckedPrefix) {
  GroupCluster cluster;
  cluster.committed = 0;
  PushConsumerOptions options{
      .consumer = cluster.Options(), .consume_threads = 3, .retry_delay_ms = 1};
  options.consumer.auto_commit_interval_ms = 0;
  std::mutex mu;
  std::set<uint64_t> seen;
  std::atomic<int> retried{0};
  auto consumer = PushConsumer::Create(options, [&](const ReceivedMessage& m) {
    if (m.offset == 3 && retried.fetch_add(1) == 0) return ConsumeResult::kRetryLater;
    std::lock_guard<std::mutex> lock(mu);
    seen.insert(m.offset);
    return ConsumeResult::kSuccess;
  });
  ASSERT_TRUE(consumer.ok());
  EXPECT_EQ((*consumer)->Start().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*consumer)->Subscribe("t").ok());
  ASSERT_TRUE((*consumer)->Start().ok());
  for (int i = 0; i < 2000; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (seen.size() == 10) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  (*consumer)->Shutdown();
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(retried.load(), 2);  // offset 3: once retried, then consumed
  std::lock_guard<std::mutex> lock(cluster.mu);
  EXPECT_EQ(cluster.committed, 10u);
}

}  // namespace
}  // namespace mq::client
