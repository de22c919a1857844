// Integration (1) and (2): produce 100,000 acknowledged messages over 3 topics while the
// leader of a data group is killed (-9) twice and restarted; then a consumer group must read
// every acknowledged message, nothing that was never produced, with dense ordered offsets per
// queue; then the whole cluster restarts and everything is read again.

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/admin.h"
#include "client/producer.h"
#include "client/pull_consumer.h"
#include "client/status.h"
#include "gtest/gtest.h"
#include "tests/integration/broker_cluster.h"
#include "tests/integration/integration_util.h"

namespace mq::testing {
namespace {

constexpr int kMessages = 100000;
constexpr int kTopics = 3;
constexpr uint32_t kQueuesPerTopic = 4;
constexpr int kWindow = 2000;
constexpr uint64_t kVictimGroup = 1;

std::string TopicName(int t) { return absl::StrCat("failover-", t); }

struct Acked {
  std::string topic;
  uint32_t queue = 0;
  uint64_t offset = 0;
};

// Reads everything through a fresh consumer group and checks it against what was acked.
void VerifyAll(const std::string& servers, const std::string& group,
               const std::map<std::string, Acked>& acked, const std::set<std::string>& attempted) {
  client::ConsumerOptions options;
  options.client.servers = servers;
  options.group = group;
  options.start_position = client::StartPosition::kEarliest;
  auto consumer = client::PullConsumer::Create(options);
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  for (int t = 0; t < kTopics; ++t) ASSERT_TRUE((*consumer)->Subscribe(TopicName(t)).ok());
  const auto messages = ConsumeAll(**consumer, acked.size(), 10000);

  std::map<QueueKey, std::set<uint64_t>> offsets;
  std::map<std::string, Acked> seen;
  size_t unknown = 0;
  for (const auto& m : messages) {
    offsets[{m.topic, m.queue_id}].insert(m.offset);
    if (!attempted.contains(m.body)) ++unknown;
    seen[m.body] = {m.topic, m.queue_id, m.offset};
  }
  EXPECT_EQ(unknown, 0u) << "messages that were never produced";
  size_t missing = 0, moved = 0;
  for (const auto& [body, where] : acked) {
    auto it = seen.find(body);
    if (it == seen.end()) {
      ++missing;
    } else if (it->second.topic != where.topic || it->second.queue != where.queue ||
               it->second.offset != where.offset) {
      ++moved;
    }
  }
  EXPECT_EQ(missing, 0u) << "acknowledged messages not consumed";
  EXPECT_EQ(moved, 0u) << "acknowledged messages found at another offset";
  for (const auto& [queue, set] : offsets) {
    // Dense: offsets 0..n-1, each once.
    EXPECT_EQ(*set.begin(), 0u);
    EXPECT_EQ(*set.rbegin() + 1, set.size())
        << std::get<0>(queue) << "/" << std::get<1>(queue) << " has gaps";
  }
  std::cout << group << ": consumed " << messages.size() << " messages (" << acked.size()
            << " acknowledged, " << attempted.size() << " attempted) from " << offsets.size()
            << " queues\n";
  (*consumer)->Close();
}

TEST(FailoverTest, KillLeaderTwiceUnderLoadThenRestartCluster) {
  std::cout << std::unitbuf;
  BrokerCluster cluster(MQBROKER_PATH);
  cluster.StartAll();
  client::ClientOptions client_options;
  client_options.servers = cluster.servers();
  auto admin = client::Admin::Create(client_options);
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE(WaitForLeaders(**admin).ok()) << (cluster.DumpLogs(), "no leaders");
  for (int t = 0; t < kTopics; ++t) {
    const absl::Status created = CreateTopic(**admin, TopicName(t), kQueuesPerTopic);
    ASSERT_TRUE(created.ok()) << created << (cluster.DumpLogs(), "");
  }

  client::ProducerOptions producer_options;
  producer_options.client = client_options;
  producer_options.client.deadline_ms = 60000;
  auto producer = client::Producer::Create(producer_options);
  ASSERT_TRUE(producer.ok()) << producer.status();

  std::mutex mu;
  std::map<std::string, Acked> acked;
  std::set<std::string> attempted;
  std::atomic<int> in_flight{0};
  std::atomic<int> definite_failures{0}, unknown_failures{0};
  // Failover k: the wall time of the kill, and of the first ack of a produce that the victim
  // group's NEW leader stored (store time after the kill), in ms since the epoch.
  std::atomic<int64_t> kill_ms[2] = {0, 0};
  std::atomic<int64_t> recovered_ms[2] = {0, 0};
  std::atomic<int> active_kill{-1};
  auto wall_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };

  uint64_t victim = 0;
  int64_t restarted_ms = 0;
  // Restarts the victim 2 s after its group acknowledged again.
  auto maybe_restart = [&] {
    const int k = active_kill.load();
    if (k >= 0 && !cluster.running(victim) && recovered_ms[k].load() != 0 &&
        wall_ms() - recovered_ms[k].load() > 2000) {
      ASSERT_TRUE(cluster.Start(victim).ok());
      restarted_ms = wall_ms();
      std::cout << "restarted broker " << victim << "\n";
    }
  };
  for (int n = 0; n < kMessages; ++n) {
    while (in_flight.load() >= kWindow) std::this_thread::sleep_for(std::chrono::microseconds(200));
    const int next_kill = active_kill.load() + 1;
    if (next_kill < 2 && n == (next_kill + 1) * kMessages / 3) {
      // The second kill waits until the first victim is back (and has had 3 s to catch up),
      // so the group always keeps a majority.
      while (next_kill == 1 && (cluster.running(victim) ? wall_ms() - restarted_ms < 3000 : true)) {
        maybe_restart();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      victim = LeaderOf(**admin, kVictimGroup);
      ASSERT_NE(victim, 0u);
      kill_ms[next_kill] = wall_ms();
      active_kill = next_kill;
      cluster.Kill(victim);
      std::cout << "kill -9 broker " << victim << " (leader of group " << kVictimGroup << ")\n";
    }
    maybe_restart();
    if (n % 10000 == 0) {
      std::cout << "sent " << n << ", in flight " << in_flight.load() << ", acked "
                << [&] { std::lock_guard lock(mu); return acked.size(); }() << ", failures "
                << definite_failures.load() << " definite / " << unknown_failures.load()
                << " unknown\n";
    }
    client::Message message;
    message.body = absl::StrCat("m", n, "-", std::string(64, 'x'));
    message.keys = {absl::StrCat("k", n)};
    {
      std::lock_guard lock(mu);
      attempted.insert(message.body);
    }
    ++in_flight;
    const std::string body = message.body;
    (*producer)->SendAsync(
        TopicName(n % kTopics), std::move(message),
        [&, body](absl::StatusOr<client::SendResult> result) {
          if (result.ok()) {
            const int kill = active_kill.load();
            if (kill >= 0 && result->msg_id.group_id == kVictimGroup &&
                static_cast<int64_t>(result->store_time_ms) > kill_ms[kill].load()) {
              int64_t none = 0;
              if (recovered_ms[kill].compare_exchange_strong(none, wall_ms())) {
                std::cout << "group " << kVictimGroup << " acknowledged again "
                          << recovered_ms[kill].load() - kill_ms[kill].load()
                          << " ms after kill " << kill + 1 << "\n";
              }
            }
            std::lock_guard lock(mu);
            acked[body] = {result->topic, result->queue_id, result->offset};
          } else if (client::IsDefiniteFailure(result.status())) {
            ++definite_failures;
          } else {
            ++unknown_failures;
          }
          --in_flight;
        });
  }
  (*producer)->Flush();
  while (in_flight.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (int i = 0; i < 500 && !cluster.running(victim); ++i) {
    maybe_restart();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!cluster.running(victim)) {
    ASSERT_TRUE(cluster.Start(victim).ok());
  }
  (*producer)->Close();

  std::vector<double> failover_seconds;
  for (int k = 0; k < 2; ++k) {
    if (recovered_ms[k].load() == 0) continue;
    failover_seconds.push_back((recovered_ms[k].load() - kill_ms[k].load()) / 1000.0);
    std::cout << "failover " << k + 1 << ": " << failover_seconds.back()
              << " s from kill -9 to the next produce acknowledged by the new leader\n";
  }
  std::cout << "produced " << kMessages << ": " << acked.size() << " acknowledged, "
            << definite_failures << " definite failures, " << unknown_failures
            << " unknown outcomes\n";
  ASSERT_EQ(failover_seconds.size(), 2u);
  for (double s : failover_seconds) EXPECT_LE(s, 3.0) << "failover slower than 3 s";
  EXPECT_GE(acked.size(), static_cast<size_t>(kMessages) * 99 / 100);

  VerifyAll(cluster.servers(), "verify-after-kills", acked, attempted);

  // (2) The whole cluster restarts; everything is still there.
  for (uint64_t id = 1; id <= 3; ++id) EXPECT_TRUE(cluster.Stop(id)) << "broker " << id;
  cluster.StartAll();
  ASSERT_TRUE(WaitForLeaders(**admin).ok());
  VerifyAll(cluster.servers(), "verify-after-restart", acked, attempted);
  if (HasFailure()) cluster.DumpLogs();
}

}  // namespace
}  // namespace mq::testing
