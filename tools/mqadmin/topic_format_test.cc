#include "tools/mqadmin/topic_format.h"

#include "gtest/gtest.h"
#include "tools/mqadmin/command.h"

namespace mq::tools::mqadmin {
namespace {

absl::StatusOr<ParsedFlags> Parse(const std::vector<FlagSpec>& specs,
                                  std::vector<std::string> args) {
  return ParseFlags(specs, args);
}

absl::StatusOr<protocol::CreateTopicRequest> Request(std::vector<std::string> args) {
  absl::StatusOr<ParsedFlags> flags = Parse(UpdateTopicFlags(), std::move(args));
  if (!flags.ok()) return flags.status();
  return CreateTopicRequestFromFlags(*flags);
}

TEST(TopicFormatTest, ParseMessageType) {
  EXPECT_EQ(*ParseMessageType("NORMAL"), protocol::MessageType::kNormal);
  EXPECT_EQ(*ParseMessageType("fifo"), protocol::MessageType::kFifo);
  EXPECT_EQ(*ParseMessageType("Delay"), protocol::MessageType::kDelay);
  EXPECT_EQ(*ParseMessageType("TRANSACTION"), protocol::MessageType::kTransaction);
  absl::StatusOr<protocol::MessageType> bad = ParseMessageType("TXN");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(IsUsageError(bad.status()));
  EXPECT_EQ(bad.status().message(),
            "--type: expected NORMAL, FIFO, DELAY or TRANSACTION, got 'TXN'");
}

TEST(TopicFormatTest, UpdateTopicDefaults) {
  absl::StatusOr<protocol::CreateTopicRequest> request = Request({"--topic", "orders"});
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->name, "orders");
  EXPECT_EQ(request->queue_count, 8u);
  EXPECT_EQ(request->message_type, protocol::MessageType::kNormal);
  EXPECT_EQ(request->retention_ms, 0u);
  EXPECT_EQ(request->retention_bytes, 0u);
}

TEST(TopicFormatTest, UpdateTopicEveryFlag) {
  absl::StatusOr<protocol::CreateTopicRequest> request =
      Request({"--topic=t", "--queues", "16", "--type", "FIFO", "--retention-hours=48",
               "--retention-bytes", "1073741824"});
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->queue_count, 16u);
  EXPECT_EQ(request->message_type, protocol::MessageType::kFifo);
  EXPECT_EQ(request->retention_ms, 48u * 3600 * 1000);
  EXPECT_EQ(request->retention_bytes, 1073741824u);
}

TEST(TopicFormatTest, UpdateTopicBadValuesAreUsageErrors) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--topic", "t", "--queues", "0"}, "--queues: expected 1 to 1024, got 0"},
      {{"--topic", "t", "--queues", "1025"}, "--queues: expected 1 to 1024, got 1025"},
      {{"--topic", "t", "--queues", "many"},
       "--queues: expected an integer from 0 to 4294967295, got 'many'"},
      {{"--topic", "t", "--type", "x"},
       "--type: expected NORMAL, FIFO, DELAY or TRANSACTION, got 'x'"},
      {{"--topic", "t", "--retention-hours", "-1"},
       "--retention-hours: expected a non-negative integer, got '-1'"},
      {{"--topic", "t", "--retention-hours", "18446744073709551615"},
       "--retention-hours: 18446744073709551615 is too large"},
      {{"--topic="}, "--topic: must not be empty"},
  };
  for (const auto& [args, message] : cases) {
    absl::StatusOr<protocol::CreateTopicRequest> request = Request(args);
    ASSERT_FALSE(request.ok()) << message;
    EXPECT_TRUE(IsUsageError(request.status())) << message;
    EXPECT_EQ(request.status().message(), message);
  }
  EXPECT_EQ(Request({}).status().message(), "missing required flag --topic NAME");
}

TEST(TopicFormatTest, ChangeOutputs) {
  EXPECT_EQ(TopicChangeJson("orders", 12), R"({"topic":"orders","cluster_version":12})");
  EXPECT_EQ(TopicChangeText("deleted", "orders", 12),
            "topic orders deleted (cluster version 12)\n");
}

protocol::MetadataResponse SampleMetadata() {
  protocol::MetadataResponse metadata;
  metadata.cluster_version = 5;
  metadata.topics = {
      {.name = "zeta",
       .message_type = protocol::MessageType::kFifo,
       .queue_count = 2,
       .retention_ms = 7200000,
       .retention_bytes = 0,
       .queues = {{.queue_id = 0, .group_id = 3}, {.queue_id = 1, .group_id = 1}}},
      {.name = "alpha",
       .queue_count = 1,
       .retention_ms = 1500,
       .retention_bytes = 4096,
       .queues = {{.queue_id = 0, .group_id = 2}}},
  };
  return metadata;
}

TEST(TopicFormatTest, TopicListJsonIsSortedAndCompact) {
  EXPECT_EQ(
      TopicListJson(SampleMetadata()),
      R"({"cluster_version":5,"topics":[)"
      R"({"topic":"alpha","message_type":"NORMAL","queue_count":1,"retention_ms":1500,)"
      R"("retention_bytes":4096,"queues":[{"queue":0,"group_id":2}]},)"
      R"({"topic":"zeta","message_type":"FIFO","queue_count":2,"retention_ms":7200000,)"
      R"("retention_bytes":0,"queues":[{"queue":0,"group_id":3},{"queue":1,"group_id":1}]}]})");
}

TEST(TopicFormatTest, TopicListTable) {
  EXPECT_EQ(TopicListTable(SampleMetadata()),
            "TOPIC  TYPE    QUEUES  RETENTION  RETENTION_BYTES  GROUPS\n"
            "alpha  NORMAL       1     1500ms             4096  2\n"
            "zeta   FIFO         2         2h          default  1,3\n");
}

std::vector<protocol::QueueOffsetRange> SampleRanges() {
  return {{.topic = "t",
           .queue_id = 0,
           .min_offset = 0,
           .max_offset = 12,
           .last_store_time_ms = 1700000000123},
          {.topic = "t", .queue_id = 1, .error_code = protocol::ErrorCode::kNotLeader}};
}

TEST(TopicFormatTest, TopicStatusJson) {
  EXPECT_EQ(
      TopicStatusJson("t", SampleRanges()),
      R"({"topic":"t","queues":[)"
      R"({"queue":0,"min_offset":0,"max_offset":12,"last_store_time_ms":1700000000123,"error":"OK"},)"
      R"({"queue":1,"min_offset":0,"max_offset":0,"last_store_time_ms":0,"error":"NOT_LEADER"}]})");
}

TEST(TopicFormatTest, TopicStatusTable) {
  EXPECT_EQ(TopicStatusTable("t", SampleRanges()),
            "TOPIC  QUEUE  MIN_OFFSET  MAX_OFFSET  LAST_STORE_TIME           ERROR\n"
            "t          0           0          12  2023-11-14T22:13:20.123Z\n"
            "t          1           -           -  -                         NOT_LEADER\n");
}

}  // namespace
}  // namespace mq::tools::mqadmin
