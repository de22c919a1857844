#include "tools/mqadmin/group_format.h"

#include "gtest/gtest.h"
#include "tools/mqadmin/command.h"

namespace mq::tools::mqadmin {
namespace {

absl::StatusOr<protocol::SubGroupConfig> Config(std::vector<std::string> args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(UpdateSubGroupFlags(), args);
  if (!flags.ok()) return flags.status();
  return SubGroupConfigFromFlags(*flags);
}

TEST(GroupFormatTest, ParseConsumeMode) {
  EXPECT_EQ(*ParseConsumeMode("clustering"), protocol::ConsumeMode::kClustering);
  EXPECT_EQ(*ParseConsumeMode("BROADCASTING"), protocol::ConsumeMode::kBroadcasting);
  absl::StatusOr<protocol::ConsumeMode> bad = ParseConsumeMode("fanout");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(IsUsageError(bad.status()));
  EXPECT_EQ(bad.status().message(), "--mode: expected clustering or broadcasting, got 'fanout'");
}

TEST(GroupFormatTest, UpdateSubGroupDefaults) {
  absl::StatusOr<protocol::SubGroupConfig> config = Config({"--group", "g"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "g");
  EXPECT_EQ(config->mode, protocol::ConsumeMode::kClustering);
  EXPECT_TRUE(config->subscriptions.empty());
  EXPECT_EQ(config->max_retries, 16u);
  EXPECT_TRUE(config->retry_backoff_ms.empty());
  EXPECT_FALSE(config->fifo);
}

TEST(GroupFormatTest, UpdateSubGroupEveryFlag) {
  absl::StatusOr<protocol::SubGroupConfig> config =
      Config({"--group=g", "--mode", "broadcasting", "--subscription", "orders=paid || shipped",
              "--subscription=audit", "--max-retries", "3", "--retry-backoff-ms", "1000,5000,30000",
              "--fifo"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->mode, protocol::ConsumeMode::kBroadcasting);
  EXPECT_EQ(config->subscriptions,
            (std::vector<protocol::Subscription>{{"orders", "paid || shipped"}, {"audit", "*"}}));
  EXPECT_EQ(config->max_retries, 3u);
  EXPECT_EQ(config->retry_backoff_ms, (std::vector<uint32_t>{1000, 5000, 30000}));
  EXPECT_TRUE(config->fifo);
}

TEST(GroupFormatTest, UpdateSubGroupBadValuesAreUsageErrors) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--group", "g", "--max-retries", "65"}, "--max-retries: at most 64, got 65"},
      {{"--group", "g", "--max-retries", "x"},
       "--max-retries: expected an integer from 0 to 4294967295, got 'x'"},
      {{"--group", "g", "--retry-backoff-ms", "1000,,2"},
       "--retry-backoff-ms: expected positive milliseconds MS[,MS...], got '1000,,2'"},
      {{"--group", "g", "--retry-backoff-ms", "0"},
       "--retry-backoff-ms: expected positive milliseconds MS[,MS...], got '0'"},
      {{"--group", "g", "--subscription", "=a"},
       "--subscription: expected TOPIC[=TAG_EXPRESSION], got '=a'"},
      {{"--group", "g", "--mode", "x"}, "--mode: expected clustering or broadcasting, got 'x'"},
      {{"--group="}, "--group: must not be empty"},
  };
  for (const auto& [args, message] : cases) {
    absl::StatusOr<protocol::SubGroupConfig> config = Config(args);
    ASSERT_FALSE(config.ok()) << message;
    EXPECT_TRUE(IsUsageError(config.status())) << message;
    EXPECT_EQ(config.status().message(), message);
  }
}

TEST(GroupFormatTest, ChangeOutputs) {
  EXPECT_EQ(GroupChangeJson("g", 9), R"({"group":"g","cluster_version":9})");
  EXPECT_EQ(GroupChangeText("deleted", "g", 9), "consumer group g deleted (cluster version 9)\n");
}

TEST(GroupFormatTest, QueueLag) {
  EXPECT_EQ(QueueLag({.broker_offset = 10, .consumer_offset = 3}), 7u);
  EXPECT_EQ(QueueLag({.broker_offset = 10, .consumer_offset = 10}), 0u);
  EXPECT_EQ(QueueLag({.broker_offset = 10, .consumer_offset = 12}), 0u);  // never negative
  EXPECT_EQ(QueueLag({.broker_offset = 10}), 10u);                        // none committed
}

protocol::ConsumerProgressResponse SampleProgress() {
  protocol::ConsumerProgressResponse progress;
  progress.config.mode = protocol::ConsumeMode::kClustering;
  progress.generation = 3;
  progress.members = {
      {.member_id = "c1-1", .client_id = "c1", .assignment = {{"orders", 0}, {"orders", 1}}}};
  progress.queues = {
      {.topic = "orders",
       .queue_id = 0,
       .broker_offset = 10,
       .consumer_offset = 3,
       .member_id = "c1-1"},
      {.topic = "orders", .queue_id = 1, .broker_offset = 4, .member_id = "c1-1"},
      {.topic = "orders", .queue_id = 2, .broker_offset = 0, .consumer_offset = 0},
  };
  return progress;
}

TEST(GroupFormatTest, ConsumerProgressJson) {
  EXPECT_EQ(ConsumerProgressJson("g", SampleProgress()),
            R"({"group":"g","mode":"CLUSTERING","generation":3,"total_lag":11,)"
            R"("members":[{"member_id":"c1-1","client_id":"c1","instance":"",)"
            R"("assignment":[{"topic":"orders","queue":0},{"topic":"orders","queue":1}]}],)"
            R"("queues":[{"topic":"orders","queue":0,"broker_offset":10,"consumer_offset":3,)"
            R"("lag":7,"member":"c1-1"},)"
            R"({"topic":"orders","queue":1,"broker_offset":4,"consumer_offset":null,"lag":4,)"
            R"("member":"c1-1"},)"
            R"({"topic":"orders","queue":2,"broker_offset":0,"consumer_offset":0,"lag":0,)"
            R"("member":""}]})");
}

TEST(GroupFormatTest, ConsumerProgressTable) {
  EXPECT_EQ(ConsumerProgressTable("g", SampleProgress()),
            "Group g  mode CLUSTERING  generation 3  members 1  total lag 11\n"
            "\n"
            "TOPIC   QUEUE  BROKER_OFFSET  CONSUMER_OFFSET  LAG  MEMBER\n"
            "orders      0             10                3    7  c1-1\n"
            "orders      1              4                -    4  c1-1\n"
            "orders      2              0                0    0  -\n");
}

}  // namespace
}  // namespace mq::tools::mqadmin
