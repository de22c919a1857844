// Producer against FakeBroker: batching (linger, byte cap), idempotent retries keep their
// sequence, key hashing and explicit queues, definite vs unknown results.

#include "client/producer.h"

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "client/fake_broker_testing.h"
#include "client/protocol/record_batch.h"
#include "client/status.h"
#include "gtest/gtest.h"

namespace mq::client {
namespace {

using protocol::ErrorCode;
using testing::FakeBroker;
using testing::MakeMetadata;

constexpr uint64_t kProducerId = 42;

// A broker that leads everything, stores produced batches per queue and answers their offsets.
// `before_store` may script a failure for the n-th produce (0-based).
struct Cluster {
  FakeBroker broker{1};
  std::function<std::optional<protocol::Response>(int)> before_store;
  std::mutex mu;
  std::map<uint32_t, uint64_t> next_offset;
  int produces = 0;

  explicit Cluster(uint32_t queues = 4) {
    broker.SetHandler(
        [this, queues](const protocol::Request& r) -> std::optional<protocol::Response> {
          if (std::holds_alternative<protocol::MetadataRequest>(r)) {
            return MakeMetadata({{1, broker.address()}}, {1, 1},
                                {{"t", std::vector<uint64_t>(queues, 1)}});
          }
          if (std::holds_alternative<protocol::InitProducerIdRequest>(r)) {
            return protocol::InitProducerIdResponse{.producer_id = kProducerId};
          }
          const auto& produce = std::get<protocol::ProduceRequest>(r);
          std::lock_guard<std::mutex> lock(mu);
          int n = produces++;
          if (before_store) {
            if (auto scripted = before_store(n)) return scripted;
          }
          auto reader = protocol::RecordBatchReader::Open(produce.record_batch);
          EXPECT_TRUE(reader.ok());
          uint32_t count = reader->message_count();
          uint64_t base = next_offset[produce.queue_id];
          next_offset[produce.queue_id] += count;
          protocol::ProduceResponse response{.base_offset = base, .store_time_ms = 1000};
          for (uint32_t i = 0; i < count; ++i) {
            response.msg_ids.push_back(
                {.group_id = 1, .raft_index = 100 + static_cast<uint64_t>(n), .slot = i});
          }
          return response;
        });
  }

  ProducerOptions Options() {
    ProducerOptions options;
    options.client = {.servers = broker.address(),
                      .request_timeout_ms = 2000,
                      .deadline_ms = 5000,
                      .retry_backoff_initial_ms = 1,
                      .retry_backoff_max_ms = 5};
    return options;
  }
};

uint32_t MessageCount(const protocol::ProduceRequest& request) {
  auto reader = protocol::RecordBatchReader::Open(request.record_batch);
  EXPECT_TRUE(reader.ok());
  return reader.ok() ? reader->message_count() : 0;
}

TEST(ProducerTest, SyncSendReturnsIdsAndOffsets) {
  Cluster cluster;
  auto producer = Producer::Create(cluster.Options());
  ASSERT_TRUE(producer.ok());
  auto result = (*producer)->Send("t", {.body = "hello", .tag = "a"}, {.queue_id = 2});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->topic, "t");
  EXPECT_EQ(result->queue_id, 2u);
  EXPECT_EQ(result->offset, 0u);
  EXPECT_EQ(result->msg_id.raft_index, 100u);
  EXPECT_EQ(result->store_time_ms, 1000u);
  auto produces = cluster.broker.RequestsOf<protocol::ProduceRequest>();
  ASSERT_EQ(produces.size(), 1u);
  EXPECT_EQ(produces[0].producer_id, kProducerId);
  EXPECT_EQ(produces[0].sequence, 0u);
  auto reader = protocol::RecordBatchReader::Open(produces[0].record_batch);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->header().producer_id, kProducerId);
  EXPECT_EQ(reader->message(0).body, "hello");
  EXPECT_GT(reader->message(0).born_time_ms, 0u);  // stamped by the producer
}

TEST(ProducerTest, LingerGathersMessagesIntoOneBatchUntilFlush) {
  Cluster cluster;
  ProducerOptions options = cluster.Options();
  options.linger_ms = 600000;  // only Flush sends
  auto producer = Producer::Create(options);
  std::vector<std::future<absl::StatusOr<SendResult>>> futures;
  for (int i = 0; i < 5; ++i) {
    futures.push_back(
        (*producer)->SendAsync("t", {.body = "m" + std::to_string(i)}, {.queue_id = 1}));
  }
  (*producer)->Flush();
  for (int i = 0; i < 5; ++i) {
    auto result = futures[i].get();
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->offset, static_cast<uint64_t>(i));
    EXPECT_EQ(result->msg_id.slot, static_cast<uint32_t>(i));
  }
  auto produces = cluster.broker.RequestsOf<protocol::ProduceRequest>();
  ASSERT_EQ(produces.size(), 1u);
  EXPECT_EQ(MessageCount(produces[0]), 5u);
}

TEST(ProducerTest, LingerAloneSendsEventually) {
  Cluster cluster;
  ProducerOptions options = cluster.Options();
  options.linger_ms = 20;
  auto producer = Producer::Create(options);
  auto a = (*producer)->SendAsync("t", {.body = "a"}, {.queue_id = 0});
  auto b = (*producer)->SendAsync("t", {.body = "b"}, {.queue_id = 0});
  EXPECT_TRUE(a.get().ok());
  EXPECT_TRUE(b.get().ok());
}

TEST(ProducerTest, ByteCapSplitsBatches) {
  Cluster cluster;
  ProducerOptions options = cluster.Options();
  options.linger_ms = 600000;
  options.batch_bytes_max = 400;
  auto producer = Producer::Create(options);
  std::vector<std::future<absl::StatusOr<SendResult>>> futures;
  for (int i = 0; i < 6; ++i) {
    futures.push_back(
        (*producer)->SendAsync("t", {.body = std::string(100, 'a' + i)}, {.queue_id = 3}));
  }
  (*producer)->Flush();
  for (int i = 0; i < 6; ++i) {
    auto result = futures[i].get();
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->offset, static_cast<uint64_t>(i));  // order kept across batches
  }
  auto produces = cluster.broker.RequestsOf<protocol::ProduceRequest>();
  ASSERT_GE(produces.size(), 2u);
  uint32_t total = 0;
  uint64_t expected_sequence = 0;
  for (const auto& p : produces) {
    EXPECT_LE(p.record_batch.size(), 400u);
    EXPECT_EQ(p.sequence, expected_sequence);  // sequences continue batch to batch
    expected_sequence += MessageCount(p);
    total += MessageCount(p);
  }
  EXPECT_EQ(total, 6u);
}

TEST(ProducerTest, BrokerBatchLimitFromHelloCapsBatches) {
  Cluster cluster;
  cluster.broker.set_batch_bytes_max(300);
  ProducerOptions options = cluster.Options();
  options.linger_ms = 600000;
  auto producer = Producer::Create(options);
  auto warm_up = (*producer)->SendAsync("t", {.body = "warm-up"}, {.queue_id = 0});
  (*producer)->Flush();
  ASSERT_TRUE(warm_up.get().ok());  // the broker's Hello has been seen
  std::vector<std::future<absl::StatusOr<SendResult>>> futures;
  for (int i = 0; i < 4; ++i) {
    futures.push_back(
        (*producer)->SendAsync("t", {.body = std::string(100, 'x')}, {.queue_id = 0}));
  }
  (*producer)->Flush();
  for (auto& f : futures) ASSERT_TRUE(f.get().ok());
  for (const auto& p : cluster.broker.RequestsOf<protocol::ProduceRequest>()) {
    EXPECT_LE(p.record_batch.size(), 300u);
  }
}

TEST(ProducerTest, IdempotentRetryAfterUnknownOutcomeKeepsTheSameSequenceAndBytes) {
  Cluster cluster;
  cluster.before_store = [](int n) -> std::optional<protocol::Response> {
    if (n == 0) {
      return protocol::ProduceResponse{.header = {.error_code = ErrorCode::kTimeout,
                                                  .message = "lost quorum",
                                                  .definite = false}};
    }
    return std::nullopt;
  };
  auto producer = Producer::Create(cluster.Options());
  ASSERT_TRUE((*producer)->Send("t", {.body = "first"}, {.queue_id = 0}).ok());
  auto result = (*producer)->Send("t", {.body = "second"}, {.queue_id = 0});
  ASSERT_TRUE(result.ok()) << result.status();
  auto produces = cluster.broker.RequestsOf<protocol::ProduceRequest>();
  ASSERT_EQ(produces.size(), 3u);
  EXPECT_EQ(produces[0].record_batch, produces[1].record_batch);  // the retry
  EXPECT_EQ(produces[0].sequence, 0u);
  EXPECT_EQ(produces[1].sequence, 0u);
  EXPECT_EQ(produces[2].sequence, 1u);
  EXPECT_EQ(produces[2].producer_id, kProducerId);
}

TEST(ProducerTest, NonIdempotentUnknownOutcomeIsNotRetried) {
  Cluster cluster;
  cluster.before_store = [](int n) -> std::optional<protocol::Response> {
    return protocol::ProduceResponse{
        .header = {.error_code = ErrorCode::kTimeout, .message = "lost", .definite = false}};
  };
  ProducerOptions options = cluster.Options();
  options.idempotent = false;
  auto producer = Producer::Create(options);
  auto result = (*producer)->Send("t", {.body = "x"}, {.queue_id = 0});
  ASSERT_FALSE(result.ok());
  EXPECT_FALSE(IsDefiniteFailure(result.status())) << result.status();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  auto produces = cluster.broker.RequestsOf<protocol::ProduceRequest>();
  ASSERT_EQ(produces.size(), 1u);
  EXPECT_EQ(produces[0].producer_id, 0u);
  EXPECT_TRUE(cluster.broker.RequestsOf<protocol::InitProducerIdRequest>().empty());
}

TEST(ProducerTest, DefiniteFailureGivesTheSequenceBack) {
  Cluster cluster;
  cluster.before_store = [](int n) -> std::optional<protocol::Response> {
    if (n == 0) {
      return protocol::ProduceResponse{.header = {.error_code = ErrorCode::kMessageTypeMismatch,
                                                  .message = "no",
                                                  .definite = true}};
    }
    return std::nullopt;
  };
  auto producer = Producer::Create(cluster.Options());
  auto failed = (*producer)->Send("t", {.body = "x"}, {.queue_id = 0});
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(IsDefiniteFailure(failed.status()));
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE((*producer)->Send("t", {.body = "y"}, {.queue_id = 0}).ok());
  auto produces = cluster.broker.RequestsOf<protocol::ProduceRequest>();
  ASSERT_EQ(produces.size(), 2u);
  EXPECT_EQ(produces[1].sequence, 0u);
}

TEST(ProducerTest, KeysHashToAStableQueueAndNoKeyRoundRobins) {
  Cluster cluster(8);
  auto producer = Producer::Create(cluster.Options());
  for (int i = 0; i < 3; ++i) {
    auto result = (*producer)->Send("t", {.body = "k", .keys = {"order-42"}});
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->queue_id, KeyHashQueue("order-42", 8));
  }
  std::set<uint32_t> queues;
  for (int i = 0; i < 8; ++i) {
    auto result = (*producer)->Send("t", {.body = "rr"});
    ASSERT_TRUE(result.ok());
    queues.insert(result->queue_id);
  }
  EXPECT_EQ(queues.size(), 8u);
}

TEST(ProducerTest, BadRequestsAreRejectedDefinitely) {
  Cluster cluster(2);
  auto producer = Producer::Create(cluster.Options());
  auto no_queue = (*producer)->Send("t", {.body = "x"}, {.queue_id = 2});
  EXPECT_EQ(no_queue.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsDefiniteFailure(no_queue.status()));
  auto bad_tag = (*producer)->Send("t", {.body = "x", .tag = "has space"});
  EXPECT_EQ(bad_tag.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsDefiniteFailure(bad_tag.status()));

  // The broker does not know the topic.
  FakeBroker other(1);
  other.SetHandler([&](const protocol::Request&) -> std::optional<protocol::Response> {
    protocol::MetadataResponse metadata = MakeMetadata({{1, other.address()}}, {1}, {});
    metadata.topics.push_back({.name = "nope", .error_code = ErrorCode::kUnknownTopic});
    return metadata;
  });
  ProducerOptions options = cluster.Options();
  options.client.servers = other.address();
  auto lost = Producer::Create(options);
  auto unknown_topic = (*lost)->Send("nope", {.body = "x"});
  EXPECT_EQ(unknown_topic.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(IsDefiniteFailure(unknown_topic.status()));
  EXPECT_EQ(BrokerErrorCode(unknown_topic.status()), ErrorCode::kUnknownTopic);

  (*producer)->Close();
  auto closed = (*producer)->Send("t", {.body = "x"});
  EXPECT_EQ(closed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(IsDefiniteFailure(closed.status()));
}

TEST(ProducerTest, CallbacksRunForEveryMessage) {
  Cluster cluster;
  auto producer = Producer::Create(cluster.Options());
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i) {
    (*producer)->SendAsync("t", {.body = "c"}, [&](absl::StatusOr<SendResult> r) {
      if (r.ok()) ++ok;
    });
  }
  (*producer)->Flush();
  EXPECT_EQ(ok.load(), 20);
}

// Two threads send at once (each to its own queue), every other message with a callback and the
// rest through futures, under a budget of a few messages: each message gets the offset of its
// place in its thread's send order, whichever way its result comes back, and Flush returns only
// after every callback ran.
TEST(ProducerTest, ResultsFollowSendOrderWhenThreadsCompeteUnderBackPressure) {
  Cluster cluster;
  ProducerOptions options = cluster.Options();
  options.pending_bytes_max = 1 << 10;  // about 4 messages: senders keep waiting for results
  options.linger_ms = 0;                // a queue's next batch goes when its last is answered
  auto producer = Producer::Create(options);
  ASSERT_TRUE(producer.ok()) << producer.status();
  constexpr int kPerThread = 200;
  std::mutex mu;
  std::map<std::pair<uint32_t, int>, uint64_t> callback_offsets;  // (queue, index) -> offset
  auto send_all = [&](uint32_t queue) {
    std::vector<std::pair<int, std::future<absl::StatusOr<SendResult>>>> futures;
    for (int i = 0; i < kPerThread; ++i) {
      Message message{.body = std::string(200, 'b')};
      if (i % 2 == 0) {
        (*producer)->SendAsync("t", std::move(message),
                               [&, queue, i](absl::StatusOr<SendResult> r) {
                                 ASSERT_TRUE(r.ok()) << r.status();
                                 std::lock_guard<std::mutex> lock(mu);
                                 callback_offsets[{queue, i}] = r->offset;
                               },
                               {.queue_id = queue});
      } else {
        futures.emplace_back(i,
                             (*producer)->SendAsync("t", std::move(message), {.queue_id = queue}));
      }
    }
    for (auto& [i, future] : futures) {
      absl::StatusOr<SendResult> r = future.get();
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->offset, static_cast<uint64_t>(i)) << "queue " << queue;
    }
  };
  std::thread other(send_all, 1);
  send_all(0);
  other.join();
  (*producer)->Flush();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(callback_offsets.size(), 2u * kPerThread / 2);
  for (const auto& [key, offset] : callback_offsets) {
    EXPECT_EQ(offset, static_cast<uint64_t>(key.second)) << "queue " << key.first;
  }
}

}  // namespace
}  // namespace mq::client
