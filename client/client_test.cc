// Status conventions, options, the route cache, and the call loop (routing, NOT_LEADER hints,
// retries, deadline, definite vs unknown) through Admin against FakeBroker.

#include <atomic>

#include "absl/strings/match.h"
#include "client/admin.h"
#include "client/client_options.h"
#include "client/fake_broker_testing.h"
#include "client/producer.h"
#include "client/route_cache.h"
#include "client/status.h"
#include "gtest/gtest.h"

namespace mq::client {
namespace {

using protocol::ErrorCode;
using testing::FakeBroker;
using testing::MakeMetadata;

TEST(StatusTest, DefiniteAndUnknownAreRecordedAndStable) {
  absl::Status rejected =
      MakeClientError(absl::StatusCode::kNotFound, true, "no such topic", ErrorCode::kUnknownTopic);
  EXPECT_TRUE(IsDefiniteFailure(rejected));
  EXPECT_EQ(rejected.message(), "rejected: no such topic");
  EXPECT_EQ(BrokerErrorCode(rejected), ErrorCode::kUnknownTopic);
  EXPECT_EQ(FailureCodeName(rejected), "UNKNOWN_TOPIC");

  absl::Status unknown = AsUnknown(rejected);
  EXPECT_FALSE(IsDefiniteFailure(unknown));
  EXPECT_EQ(unknown.message(), "unknown: no such topic");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(BrokerErrorCode(unknown), ErrorCode::kUnknownTopic);

  EXPECT_FALSE(IsDefiniteFailure(absl::OkStatus()));
  EXPECT_FALSE(IsDefiniteFailure(absl::InternalError("made elsewhere")));  // safe side
  EXPECT_EQ(FailureCodeName(absl::DeadlineExceededError("x")), "DEADLINE_EXCEEDED");
  EXPECT_EQ(FailureCodeName(absl::OkStatus()), "OK");
}

TEST(ClientOptionsTest, ParseServers) {
  auto servers = ParseServers(" a:1, b:65535,,c.d:9876 ");
  ASSERT_TRUE(servers.ok());
  EXPECT_EQ(*servers, (std::vector<std::string>{"a:1", "b:65535", "c.d:9876"}));
  EXPECT_FALSE(ParseServers("").ok());
  EXPECT_FALSE(ParseServers("host").ok());
  EXPECT_FALSE(ParseServers("host:0").ok());
  EXPECT_FALSE(ParseServers("host:70000").ok());
  EXPECT_FALSE(ParseServers("host:12x").ok());
  EXPECT_FALSE(ParseServers(":12").ok());
}

TEST(KeyHashTest, FixedForever) {
  // FNV-1a 64 of "order-42" is 0x7d1deb86a05662d4.
  EXPECT_EQ(KeyHashQueue("order-42", 8), 0x7d1deb86a05662d4ull % 8);
  EXPECT_EQ(KeyHashQueue("order-42", 1000), 0x7d1deb86a05662d4ull % 1000);
  EXPECT_EQ(KeyHashQueue("", 7), 0xcbf29ce484222325ull % 7);
  EXPECT_EQ(KeyHashQueue("anything", 1), 0u);
}

TEST(RouteCacheTest, MetadataHintsAndInvalidation) {
  RouteCache routes({"seed:1"});
  EXPECT_EQ(routes.NextAnyAddress(), "seed:1");
  EXPECT_FALSE(routes.LeaderAddress(0).has_value());
  routes.ApplyMetadata(MakeMetadata({{1, "a:1"}, {2, "b:2"}}, {1, 2}, {{"t", {1, 1}}}), 100);
  EXPECT_EQ(routes.LeaderAddress(0), "a:1");
  EXPECT_EQ(routes.LeaderAddress(1), "b:2");
  EXPECT_EQ(routes.QueueGroup("t", 1), 1u);
  EXPECT_FALSE(routes.QueueGroup("t", 2).has_value());
  EXPECT_FALSE(routes.TopicStale("t", 150, 100));
  EXPECT_TRUE(routes.TopicStale("t", 201, 100));
  EXPECT_TRUE(routes.TopicStale("u", 150, 100));

  EXPECT_TRUE(routes.ApplyHint({.group_id = 1, .broker_id = 3, .address = "c:3"}));
  EXPECT_EQ(routes.LeaderAddress(1), "c:3");
  EXPECT_TRUE(routes.ApplyHint({.group_id = 0, .broker_id = 2}));  // known broker
  EXPECT_EQ(routes.LeaderAddress(0), "b:2");
  EXPECT_FALSE(routes.ApplyHint({.group_id = 1, .broker_id = 0}));
  EXPECT_FALSE(routes.LeaderAddress(1).has_value());
  EXPECT_FALSE(routes.ApplyHint({.group_id = 1, .broker_id = 9}));  // no address known

  // Any-broker rotation covers the seed and every broker named.
  std::set<std::string> seen;
  for (int i = 0; i < 8; ++i) seen.insert(routes.NextAnyAddress());
  EXPECT_EQ(seen, (std::set<std::string>{"seed:1", "a:1", "b:2", "c:3"}));

  protocol::MetadataResponse gone = MakeMetadata({}, {}, {});
  gone.topics.push_back({.name = "t", .error_code = ErrorCode::kUnknownTopic});
  routes.ApplyMetadata(gone, 300);
  EXPECT_EQ(routes.Topic("t"), nullptr);
}

ClientOptions FastOptions(const std::string& servers) {
  return {.servers = servers,
          .client_id = "test-client",
          .connect_timeout_ms = 2000,
          .request_timeout_ms = 2000,
          .deadline_ms = 5000,
          .retry_backoff_initial_ms = 1,
          .retry_backoff_max_ms = 5};
}

protocol::Response Fail(ErrorCode code, bool definite, protocol::LeaderHint hint = {}) {
  // An ErrorResponse decodes as any response type; CreateTopicResponse stands for all here.
  return protocol::CreateTopicResponse{
      .header = {
          .error_code = code, .message = "scripted", .leader_hint = hint, .definite = definite}};
}

TEST(CallLoopTest, FollowsNotLeaderHintToTheController) {
  FakeBroker a(1), b(2);
  a.SetHandler([&](const protocol::Request& r) -> std::optional<protocol::Response> {
    if (std::holds_alternative<protocol::CreateTopicRequest>(r)) {
      return Fail(ErrorCode::kNotLeader, true,
                  {.group_id = 0, .broker_id = 2, .address = b.address()});
    }
    return MakeMetadata({{1, a.address()}, {2, b.address()}}, {1}, {});  // stale: says 1 leads
  });
  b.SetHandler([&](const protocol::Request& r) -> std::optional<protocol::Response> {
    return protocol::CreateTopicResponse{.cluster_version = 7};
  });
  auto admin = Admin::Create(FastOptions(a.address()));
  ASSERT_TRUE(admin.ok()) << admin.status();
  auto version = (*admin)->CreateTopic({.name = "t", .queue_count = 4});
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, 7u);
  EXPECT_EQ(a.RequestsOf<protocol::CreateTopicRequest>().size(), 1u);
  ASSERT_EQ(b.RequestsOf<protocol::CreateTopicRequest>().size(), 1u);
  EXPECT_EQ(b.RequestsOf<protocol::CreateTopicRequest>()[0].queue_count, 4u);
  // The hint is remembered: the next controller call goes straight to b.
  ASSERT_TRUE((*admin)->DeleteTopic("t").ok());
  EXPECT_EQ(a.RequestsOf<protocol::DeleteTopicRequest>().size(), 0u);
  EXPECT_EQ(b.RequestsOf<protocol::DeleteTopicRequest>().size(), 1u);
}

TEST(CallLoopTest, RetriesWithBackoffThenDeadlineIsUnknownAfterAnUnknownAttempt) {
  FakeBroker a(1);
  std::atomic<int> calls{0};
  a.SetHandler([&](const protocol::Request& r) -> std::optional<protocol::Response> {
    if (std::holds_alternative<protocol::MetadataRequest>(r)) {
      return MakeMetadata({{1, a.address()}}, {1}, {});
    }
    // First a timeout with unknown outcome, then definite refusals: still unknown overall.
    int n = calls++;
    return Fail(n == 0 ? ErrorCode::kTimeout : ErrorCode::kUnavailable, /*definite=*/n > 0);
  });
  ClientOptions options = FastOptions(a.address());
  options.deadline_ms = 200;
  auto admin = Admin::Create(options);
  ASSERT_TRUE(admin.ok());
  auto result = (*admin)->CreateTopic({.name = "t", .queue_count = 1});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(IsDefiniteFailure(result.status())) << result.status();
  EXPECT_TRUE(absl::StrContains(result.status().message(), "unknown: deadline passed"));
  EXPECT_GT(calls.load(), 2);  // retried
}

TEST(CallLoopTest, DeadlineAfterOnlyDefiniteRefusalsIsDefinite) {
  FakeBroker a(1);
  a.SetHandler([&](const protocol::Request& r) -> std::optional<protocol::Response> {
    if (std::holds_alternative<protocol::MetadataRequest>(r)) {
      return MakeMetadata({{1, a.address()}}, {1}, {});
    }
    return Fail(ErrorCode::kUnavailable, true);
  });
  ClientOptions options = FastOptions(a.address());
  options.deadline_ms = 100;
  auto admin = Admin::Create(options);
  auto result = (*admin)->CreateTopic({.name = "t", .queue_count = 1});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(IsDefiniteFailure(result.status())) << result.status();
}

TEST(CallLoopTest, NonRetriableErrorsMapToAbslCodesWithDefiniteness) {
  FakeBroker a(1);
  a.SetHandler([&](const protocol::Request& r) -> std::optional<protocol::Response> {
    if (std::holds_alternative<protocol::MetadataRequest>(r)) {
      return MakeMetadata({{1, a.address()}}, {1}, {});
    }
    if (std::holds_alternative<protocol::CreateTopicRequest>(r)) {
      return Fail(ErrorCode::kAlreadyExists, true);
    }
    return Fail(ErrorCode::kInternal, false);
  });
  auto admin = Admin::Create(FastOptions(a.address()));
  auto created = (*admin)->CreateTopic({.name = "t", .queue_count = 1});
  EXPECT_EQ(created.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(IsDefiniteFailure(created.status()));
  EXPECT_EQ(BrokerErrorCode(created.status()), ErrorCode::kAlreadyExists);
  EXPECT_TRUE(absl::StrContains(created.status().message(), "ALREADY_EXISTS: scripted"));
  auto deleted = (*admin)->DeleteTopic("t");
  EXPECT_EQ(deleted.status().code(), absl::StatusCode::kInternal);
  EXPECT_FALSE(IsDefiniteFailure(deleted.status()));
  EXPECT_EQ(a.RequestsOf<protocol::DeleteTopicRequest>().size(), 1u);  // not retried
}

TEST(CallLoopTest, NoAnswerIsUnknownAndUnreachableIsDefinite) {
  FakeBroker a(1);
  a.SetHandler([&](const protocol::Request& r) -> std::optional<protocol::Response> {
    if (std::holds_alternative<protocol::MetadataRequest>(r)) {
      return MakeMetadata({{1, a.address()}}, {1}, {});
    }
    return std::nullopt;  // never answers
  });
  ClientOptions options = FastOptions(a.address());
  options.request_timeout_ms = 50;
  options.deadline_ms = 120;
  auto admin = Admin::Create(options);
  auto result = (*admin)->CreateTopic({.name = "t", .queue_count = 1});
  ASSERT_FALSE(result.ok());
  EXPECT_FALSE(IsDefiniteFailure(result.status())) << result.status();

  // A port nobody listens on: nothing was ever sent.
  std::string dead;
  {
    FakeBroker gone(9);
    dead = gone.address();
  }
  ClientOptions dead_options = FastOptions(dead);
  dead_options.deadline_ms = 100;
  auto dead_admin = Admin::Create(dead_options);
  auto refused = (*dead_admin)->ClusterStatus();
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(IsDefiniteFailure(refused.status())) << refused.status();
}

TEST(CallLoopTest, BadServersAreRejected) {
  auto admin = Admin::Create({.servers = "nohostport"});
  ASSERT_FALSE(admin.ok());
  EXPECT_EQ(admin.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsDefiniteFailure(admin.status()));
}

TEST(AdminTest, QueryMessageByIdAndListOffsetsGoToTheGroupLeader) {
  FakeBroker a(1), b(2);
  auto metadata = [&] {
    return MakeMetadata({{1, a.address()}, {2, b.address()}}, {1, 1, 2}, {{"t", {1, 2}}});
  };
  a.SetHandler([&](const protocol::Request& r) -> std::optional<protocol::Response> {
    if (std::holds_alternative<protocol::MetadataRequest>(r)) return metadata();
    return protocol::ListOffsetsResponse{
        .queues = {{.topic = "t", .queue_id = 0, .min_offset = 1, .max_offset = 5}}};
  });
  b.SetHandler([&](const protocol::Request& r) -> std::optional<protocol::Response> {
    if (std::holds_alternative<protocol::ListOffsetsRequest>(r)) {
      return protocol::ListOffsetsResponse{
          .queues = {{.topic = "t", .queue_id = 1, .min_offset = 0, .max_offset = 9}}};
    }
    return protocol::QueryMessageByIdResponse{
        .topic = "t",
        .queue_id = 1,
        .queue_offset = 12,
        .store_time_ms = 777,
        .record_batch = testing::MakeBatch({{.body = "zero"}, {.body = "one", .tag = "x"}})};
  });
  auto admin = Admin::Create(FastOptions(a.address()));
  auto ranges = (*admin)->ListOffsets("t");
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  ASSERT_EQ(ranges->size(), 2u);
  EXPECT_EQ((*ranges)[0].max_offset, 5u);
  EXPECT_EQ((*ranges)[1].max_offset, 9u);

  auto message = (*admin)->QueryMessageById("00000002000000000000000A00000001");
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->body, "one");
  EXPECT_EQ(message->tag, "x");
  EXPECT_EQ(message->offset, 12u);
  EXPECT_EQ(message->store_time_ms, 777u);
  EXPECT_EQ(message->msg_id_text(), "00000002000000000000000A00000001");
  ASSERT_EQ(b.RequestsOf<protocol::QueryMessageByIdRequest>().size(), 1u);
  EXPECT_FALSE((*admin)->QueryMessageById("nothex").ok());
}

}  // namespace
}  // namespace mq::client
