// Retention with small segments: three real brokers (one data group, 256 KiB segments) take
// about 6 MiB. By size (1 MiB per group) and by time (3 s), every broker must drop the group's
// old segments on its own, the queues' first available offsets move past 0, a consumer from
// the earliest position reads dense offsets from there to the end (exactly the messages that
// were acknowledged at those offsets); by size, all of it holds again after a full restart.

#include <dirent.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/admin.h"
#include "client/producer.h"
#include "client/pull_consumer.h"
#include "gtest/gtest.h"
#include "tests/integration/broker_cluster.h"
#include "tests/integration/integration_util.h"

namespace mq::testing {
namespace {

constexpr char kTopic[] = "retention";
constexpr uint32_t kQueues = 2;
constexpr uint64_t kGroup = 1;  // the only data group
constexpr int kMessages = 1500;
constexpr size_t kBodyBytes = 4096;  // ~6 MiB in all
constexpr uint64_t kSegmentBytes = 256 << 10;
constexpr uint64_t kRetentionBytes = 1 << 20;
// Segment files of the data group's log in `data_dir`, their bytes, and whether the first
// one (entry 1) is still there.
struct LogFiles {
  size_t segments = 0;
  uint64_t bytes = 0;
  bool has_first = false;
};
LogFiles CountSegments(const std::string& data_dir) {
  LogFiles files;
  const std::string dir = absl::StrCat(data_dir, "/groups/", kGroup, "/raft/log");
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return files;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() > 4 && name.substr(name.size() - 4) == ".seg") {
      ++files.segments;
      struct stat st {};
      if (::stat(absl::StrCat(dir, "/", name).c_str(), &st) == 0) files.bytes += st.st_size;
      if (name == "00000000000000000001.seg") files.has_first = true;
    }
  }
  ::closedir(d);
  return files;
}

// Lines of the broker's log that report a retention compaction of the group.
std::vector<std::string> RetentionLines(const std::string& log_path) {
  std::vector<std::string> lines;
  std::ifstream in(log_path);
  const std::string needle = absl::StrCat("group ", kGroup, ": retention dropped");
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) lines.push_back(line);
  }
  return lines;
}

using Bodies = std::map<std::pair<uint32_t, uint64_t>, std::string>;  // (queue, offset) -> body

// Commits offset 1 of every queue for `group`: a consumer group that read a little long ago,
// whose position retention has since dropped.
void CommitOffsetOne(BrokerCluster& cluster, const std::string& group) {
  client::ConsumerOptions options;
  options.client.servers = cluster.servers();
  options.group = group;
  options.auto_commit = false;
  auto consumer = client::PullConsumer::Create(options);
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  ASSERT_TRUE((*consumer)->Subscribe(kTopic).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((*consumer)->Assignment().size() < kQueues &&
         std::chrono::steady_clock::now() < deadline) {
    (void)(*consumer)->Poll(100);
  }
  ASSERT_EQ((*consumer)->Assignment().size(), kQueues);
  for (uint32_t q = 0; q < kQueues; ++q) {
    const absl::Status committed = (*consumer)->Commit(kTopic, q, 1);
    ASSERT_TRUE(committed.ok()) << committed;
  }
  (*consumer)->Close();
}

// The queues' first available offsets must be past 0; a consumer from the earliest position
// (or from a committed position retention dropped: the client moves to the first available
// offset on OFFSET_OUT_OF_RANGE) reads each queue densely from there to its end, with the
// bodies acknowledged at those offsets.
void VerifyFromEarliest(BrokerCluster& cluster, client::Admin& admin, const Bodies& acked,
                        const std::string& group) {
  auto ranges = admin.ListOffsets(kTopic);
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  ASSERT_EQ(ranges->size(), kQueues);
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> expected;  // queue -> [min, max)
  size_t count = 0;
  for (const protocol::QueueOffsetRange& r : *ranges) {
    std::cout << group << ": queue " << r.queue_id << " offsets [" << r.min_offset << ", "
              << r.max_offset << ")\n";
    EXPECT_GT(r.min_offset, 0u) << "queue " << r.queue_id << ": nothing was dropped";
    EXPECT_LT(r.min_offset, r.max_offset) << "queue " << r.queue_id << ": nothing is left";
    expected[r.queue_id] = {r.min_offset, r.max_offset};
    count += r.max_offset - r.min_offset;
  }

  client::ConsumerOptions options;
  options.client.servers = cluster.servers();
  options.group = group;
  options.start_position = client::StartPosition::kEarliest;
  auto consumer = client::PullConsumer::Create(options);
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  ASSERT_TRUE((*consumer)->Subscribe(kTopic).ok());
  const std::vector<client::ReceivedMessage> messages = ConsumeAll(**consumer, count, 5000);
  (*consumer)->Close();

  std::map<uint32_t, uint64_t> next;  // queue -> next offset expected
  for (const auto& [queue, range] : expected) next[queue] = range.first;
  size_t wrong_body = 0;
  for (const client::ReceivedMessage& m : messages) {
    ASSERT_EQ(m.offset, next[m.queue_id]) << "queue " << m.queue_id << " is not dense";
    ++next[m.queue_id];
    auto it = acked.find({m.queue_id, m.offset});
    if (it == acked.end() || it->second != m.body) ++wrong_body;
  }
  EXPECT_EQ(wrong_body, 0u) << "messages that are not the ones acknowledged at their offsets";
  for (const auto& [queue, range] : expected) {
    EXPECT_EQ(next[queue], range.second) << "queue " << queue << " not read to its end";
  }
  std::cout << group << ": consumed " << messages.size() << " of " << count << " messages\n";
}

// Starts the cluster with `broker_args`, creates the topic and produces kMessages bodies of
// kBodyBytes in small batches (entries, so that a segment holds several and snapshots fall
// between them); `acked` gets what was acknowledged at which (queue, offset).
void StartAndProduce(BrokerCluster& cluster, const std::vector<std::string>& broker_args,
                     std::unique_ptr<client::Admin>* admin, Bodies* acked) {
  cluster.SetBrokerArgs(broker_args);
  cluster.StartAll();
  client::ClientOptions client_options;
  client_options.servers = cluster.servers();
  auto created = client::Admin::Create(client_options);
  ASSERT_TRUE(created.ok()) << created.status();
  *admin = *std::move(created);
  ASSERT_TRUE(WaitForLeaders(**admin).ok()) << (cluster.DumpLogs(), "no leaders");
  ASSERT_TRUE(CreateTopic(**admin, kTopic, kQueues).ok()) << (cluster.DumpLogs(), "");

  client::ProducerOptions producer_options;
  producer_options.client = client_options;
  producer_options.batch_bytes_max = 32 << 10;
  auto producer = client::Producer::Create(producer_options);
  ASSERT_TRUE(producer.ok()) << producer.status();
  std::vector<std::pair<std::string, std::future<absl::StatusOr<client::SendResult>>>> sent;
  for (int n = 0; n < kMessages; ++n) {
    client::Message message;
    message.body = absl::StrCat("m", n, "-", std::string(kBodyBytes, 'x'));
    const std::string body = message.body;
    sent.emplace_back(body, (*producer)->SendAsync(kTopic, std::move(message)));
  }
  for (auto& [body, future] : sent) {
    absl::StatusOr<client::SendResult> result = future.get();
    ASSERT_TRUE(result.ok()) << result.status() << (cluster.DumpLogs(), "");
    (*acked)[{result->queue_id, result->offset}] = body;
  }
  (*producer)->Close();
  std::cout << "produced " << acked->size() << " messages of " << kBodyBytes << " bytes\n";
}

// Every broker drops the group's old segments on its own (retention runs every 2 s): waits
// (20 s at most) until each broker's log has lost its first segment, holds at most
// `bytes_max` and the broker logged a compaction. Prints what each broker has.
void WaitForCompaction(BrokerCluster& cluster, uint64_t bytes_max) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::map<uint64_t, LogFiles> files;
  bool all_dropped = false;
  while (!all_dropped && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    all_dropped = true;
    for (uint64_t id = 1; id <= 3; ++id) {
      files[id] = CountSegments(cluster.data_dir(id));
      // The broker logs each compaction just after it (the log line may trail the files).
      all_dropped = all_dropped && !files[id].has_first && files[id].bytes <= bytes_max &&
                    !RetentionLines(cluster.log_path(id)).empty();
    }
  }
  for (const auto& [id, f] : files) {
    const std::vector<std::string> lines = RetentionLines(cluster.log_path(id));
    std::cout << "broker " << id << ": " << f.segments << " segments of group " << kGroup << " ("
              << f.bytes << " bytes)" << (f.has_first ? ", the first still there" : "") << "; "
              << lines.size() << " compactions"
              << (lines.empty() ? "" : ", the last: " + lines.back()) << "\n";
    EXPECT_FALSE(lines.empty()) << "broker " << id << " logged no compaction";
  }
  ASSERT_TRUE(all_dropped) << (cluster.DumpLogs(), "some broker kept its old segments");
}

TEST(RetentionTest, SizeRetentionDropsOldSegmentsOnEveryBrokerAndSurvivesRestart) {
  std::cout << std::unitbuf;
  BrokerCluster cluster(MQBROKER_PATH, 3, 1);
  std::unique_ptr<client::Admin> admin;
  Bodies acked;
  ASSERT_NO_FATAL_FAILURE(StartAndProduce(cluster,
                                          {"--segment-bytes", std::to_string(kSegmentBytes),
                                           "--retention-bytes", std::to_string(kRetentionBytes)},
                                          &admin, &acked));
  // From the limit on nothing more can go (no time limit is near), so the offsets checked below
  // stay put.
  ASSERT_NO_FATAL_FAILURE(WaitForCompaction(cluster, kRetentionBytes));

  VerifyFromEarliest(cluster, *admin, acked, "from-earliest");

  // A full restart: the logs reopen where retention left them, and so do the queues.
  for (uint64_t id = 1; id <= 3; ++id) EXPECT_TRUE(cluster.Stop(id)) << "broker " << id;
  cluster.StartAll();
  ASSERT_TRUE(WaitForLeaders(*admin).ok()) << (cluster.DumpLogs(), "no leaders after restart");
  for (uint64_t id = 1; id <= 3; ++id) {
    EXPECT_FALSE(CountSegments(cluster.data_dir(id)).has_first) << "broker " << id;
  }
  VerifyFromEarliest(cluster, *admin, acked, "from-earliest-after-restart");
  ASSERT_NO_FATAL_FAILURE(CommitOffsetOne(cluster, "behind"));
  VerifyFromEarliest(cluster, *admin, acked, "behind");
  if (HasFailure()) cluster.DumpLogs();
}

// Retention by time: with --retention-ms 3000 and no size limit, every broker drops the sealed
// segments whose messages are all older than 3 s, while the segment being written stays; a
// consumer from the earliest position reads what is left, densely, as acknowledged.
TEST(RetentionTest, TimeRetentionDropsSegmentsOlderThanTheLimitOnEveryBroker) {
  std::cout << std::unitbuf;
  BrokerCluster cluster(MQBROKER_PATH, 3, 1);
  std::unique_ptr<client::Admin> admin;
  Bodies acked;
  ASSERT_NO_FATAL_FAILURE(StartAndProduce(
      cluster, {"--segment-bytes", std::to_string(kSegmentBytes), "--retention-ms", "3000"}, &admin,
      &acked));
  // ~6 MiB were written; once all of it is older than 3 s, at most the segment being written
  // and the one sealed last (newer than 3 s when retention last ran) may remain.
  ASSERT_NO_FATAL_FAILURE(WaitForCompaction(cluster, 2 * kSegmentBytes));
  VerifyFromEarliest(cluster, *admin, acked, "time-from-earliest");
  if (HasFailure()) cluster.DumpLogs();
}

}  // namespace
}  // namespace mq::testing
