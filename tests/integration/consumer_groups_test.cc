// Integration (3) and (4): a broadcast group of 3 instances each sees every message; a
// clustering group of 3 members splits the queues between them and rebalances when one leaves.

#include <chrono>
#include <iostream>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/admin.h"
#include "client/producer.h"
#include "client/pull_consumer.h"
#include "gtest/gtest.h"
#include "tests/integration/broker_cluster.h"
#include "tests/integration/integration_util.h"

namespace mq::testing {
namespace {

class ConsumerGroupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.StartAll();
    options_.servers = cluster_.servers();
    auto admin = client::Admin::Create(options_);
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = std::move(*admin);
    ASSERT_TRUE(WaitForLeaders(*admin_).ok());
  }
  void TearDown() override {
    if (HasFailure()) cluster_.DumpLogs();
  }

  // Sends `count` messages to `topic`, round robin over its queues; returns their bodies.
  std::set<std::string> Produce(const std::string& topic, int count, const std::string& prefix) {
    client::ProducerOptions options;
    options.client = options_;
    options.queue_selection = client::QueueSelection::kRoundRobin;
    auto producer = client::Producer::Create(options);
    EXPECT_TRUE(producer.ok()) << producer.status();
    std::set<std::string> bodies;
    std::vector<std::future<absl::StatusOr<client::SendResult>>> results;
    for (int i = 0; i < count; ++i) {
      client::Message message;
      message.body = absl::StrCat(prefix, i);
      bodies.insert(message.body);
      results.push_back((*producer)->SendAsync(topic, std::move(message)));
    }
    for (auto& result : results) {
      auto r = result.get();
      EXPECT_TRUE(r.ok()) << r.status();
    }
    (*producer)->Close();
    return bodies;
  }

  std::unique_ptr<client::PullConsumer> Consumer(const std::string& group,
                                                 protocol::ConsumeMode mode,
                                                 const std::string& instance,
                                                 const std::string& topic) {
    client::ConsumerOptions options;
    options.client = options_;
    options.group = group;
    options.mode = mode;
    options.instance = instance;
    options.start_position = client::StartPosition::kEarliest;
    options.session_timeout_ms = 3000;
    auto consumer = client::PullConsumer::Create(options);
    EXPECT_TRUE(consumer.ok()) << consumer.status();
    EXPECT_TRUE((*consumer)->Subscribe(topic).ok());
    return std::move(*consumer);
  }

  BrokerCluster cluster_{MQBROKER_PATH};
  client::ClientOptions options_;
  std::unique_ptr<client::Admin> admin_;
};

std::set<std::string> Bodies(const std::vector<client::ReceivedMessage>& messages) {
  std::set<std::string> bodies;
  for (const auto& m : messages) bodies.insert(m.body);
  return bodies;
}

TEST_F(ConsumerGroupsTest, BroadcastInstancesEachSeeEveryMessage) {
  ASSERT_TRUE(CreateTopic(*admin_, "news", 6).ok());
  const std::set<std::string> sent = Produce("news", 3000, "n");
  for (const char* instance : {"a", "b", "c"}) {
    auto consumer = Consumer("watchers", protocol::ConsumeMode::kBroadcasting, instance, "news");
    const auto got = ConsumeAll(*consumer, sent.size());
    EXPECT_EQ(got.size(), sent.size()) << "instance " << instance;
    EXPECT_EQ(Bodies(got), sent) << "instance " << instance;
    consumer->Close();
  }
}

TEST_F(ConsumerGroupsTest, ClusteringMembersSplitQueuesAndRebalanceOnLeave) {
  ASSERT_TRUE(CreateTopic(*admin_, "orders", 6).ok());
  std::set<std::string> sent = Produce("orders", 1200, "o");
  std::vector<std::unique_ptr<client::PullConsumer>> members;
  for (const char* name : {"m1", "m2", "m3"}) {
    members.push_back(Consumer("billing", protocol::ConsumeMode::kClustering, name, "orders"));
  }
  // Poll all members until the group settles on one generation and every message arrived.
  std::set<std::string> got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (got.size() < sent.size() && std::chrono::steady_clock::now() < deadline) {
    for (auto& member : members) {
      auto batch = member->Poll(200);
      if (batch.ok()) {
        for (const auto& m : *batch) got.insert(m.body);
      }
    }
  }
  EXPECT_EQ(got, sent);
  // The group settles on three disjoint assignments covering the 6 queues, two each (members
  // join as they first poll, and rejoin if the controller leader moves).
  auto settled = [&](size_t members_count, size_t each) {
    std::set<uint32_t> covered;
    for (auto& member : members) {
      const auto assignment = member->Assignment();
      if (assignment.size() != each) return false;
      for (const auto& queue : assignment) {
        if (!covered.insert(queue.queue_id).second) return false;
      }
    }
    return covered.size() == 6 && members.size() == members_count;
  };
  const auto settle_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!settled(3, 2) && std::chrono::steady_clock::now() < settle_deadline) {
    for (auto& member : members) (void)member->Poll(100);
  }
  EXPECT_TRUE(settled(3, 2));

  // m3 leaves: m1 and m2 take over its queues and get the new messages of all six.
  members[2]->Close();
  members.pop_back();
  const std::set<std::string> more = Produce("orders", 600, "p");
  std::set<std::string> got_more;
  const auto deadline2 = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (got_more.size() < more.size() && std::chrono::steady_clock::now() < deadline2) {
    for (auto& member : members) {
      auto batch = member->Poll(200);
      if (!batch.ok()) continue;
      for (const auto& m : *batch) {
        if (more.contains(m.body)) got_more.insert(m.body);
      }
    }
  }
  EXPECT_EQ(got_more, more);
  const auto settle_deadline2 = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!settled(2, 3) && std::chrono::steady_clock::now() < settle_deadline2) {
    for (auto& member : members) (void)member->Poll(100);
  }
  EXPECT_TRUE(settled(2, 3));
  for (auto& member : members) member->Close();
}

}  // namespace
}  // namespace mq::testing
