#include "tools/mqadmin/message_format.h"

#include "gtest/gtest.h"
#include "tools/mqadmin/command.h"

namespace mq::tools::mqadmin {
namespace {

using std::string_literals::operator""s;

absl::StatusOr<SendSettings> Send(std::vector<std::string> args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(SendMessageFlags(), args);
  if (!flags.ok()) return flags.status();
  return SendSettingsFromFlags(*flags);
}

absl::StatusOr<ConsumeSettings> Consume(std::vector<std::string> args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(ConsumeMessageFlags(), args);
  if (!flags.ok()) return flags.status();
  return ConsumeSettingsFromFlags(*flags);
}

TEST(SendSettingsTest, BodyWithKeyTagAndProperties) {
  absl::StatusOr<SendSettings> settings =
      Send({"--topic", "t", "--key", "k1", "--tag", "paid", "--property", "a=1", "--property",
            "b=x=y", "--body", "hello"});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->topic, "t");
  EXPECT_FALSE(settings->from_stdin);
  EXPECT_EQ(settings->body, "hello");
  EXPECT_EQ(settings->prototype.keys, std::vector<std::string>{"k1"});
  EXPECT_EQ(settings->prototype.tag, "paid");
  EXPECT_EQ(settings->prototype.properties,
            (std::map<std::string, std::string>{{"a", "1"}, {"b", "x=y"}}));
  EXPECT_EQ(settings->prototype.body, "");
}

TEST(SendSettingsTest, StdinAndEmptyBody) {
  absl::StatusOr<SendSettings> settings = Send({"--topic", "t", "--stdin"});
  ASSERT_TRUE(settings.ok());
  EXPECT_TRUE(settings->from_stdin);
  EXPECT_TRUE(settings->prototype.keys.empty());
  settings = Send({"--topic", "t", "--body="});
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->body, "");
}

TEST(SendSettingsTest, UsageErrors) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--topic", "t"}, "give exactly one of --body BODY and --stdin"},
      {{"--topic", "t", "--body", "b", "--stdin"}, "give exactly one of --body BODY and --stdin"},
      {{"--topic", "t", "--body", "b", "--property", "a"},
       "--property: expected KEY=VALUE with a non-empty KEY, got 'a'"},
      {{"--topic", "t", "--body", "b", "--property", "a=1", "--property", "a=2"},
       "--property: 'a' given twice"},
      {{"--topic", "t", "--body", "b", "--key="}, "--key: must not be empty"},
      {{"--topic=", "--body", "b"}, "--topic: must not be empty"},
  };
  for (const auto& [args, message] : cases) {
    absl::StatusOr<SendSettings> settings = Send(args);
    ASSERT_FALSE(settings.ok()) << message;
    EXPECT_TRUE(IsUsageError(settings.status())) << message;
    EXPECT_EQ(settings.status().message(), message);
  }
}

client::SendResult SampleResult() {
  client::SendResult result;
  result.msg_id = {.group_id = 2, .raft_index = 0xA1B2, .slot = 3};
  result.topic = "orders";
  result.queue_id = 5;
  result.offset = 42;
  return result;
}

TEST(SendOutputTest, ContractJson) {
  EXPECT_EQ(SendResultJson(SampleResult()),
            R"({"msg_id":"00000002000000000000A1B200000003","topic":"orders","queue":5,)"
            R"("offset":42})");
  EXPECT_EQ(SendErrorJson("unknown: TIMEOUT: no \"answer\"", "TIMEOUT", false),
            R"({"error":"unknown: TIMEOUT: no \"answer\"","code":"TIMEOUT","definite":false})");
  EXPECT_EQ(SendErrorJson("rejected: UNKNOWN_TOPIC: t", "UNKNOWN_TOPIC", true),
            R"({"error":"rejected: UNKNOWN_TOPIC: t","code":"UNKNOWN_TOPIC","definite":true})");
}

TEST(SendOutputTest, Text) {
  EXPECT_EQ(SendResultText(SampleResult()),
            "SEND_OK  msg_id=00000002000000000000A1B200000003 topic=orders queue=5 offset=42");
  EXPECT_EQ(SendErrorText("rejected: X\n", "X", true),
            "SEND_FAILED  code=X not stored: rejected: X\\n");
  EXPECT_EQ(SendErrorText("unknown: Y", "Y", false),
            "SEND_FAILED  code=Y may be stored: unknown: Y");
}

TEST(ConsumeSettingsTest, Defaults) {
  absl::StatusOr<ConsumeSettings> settings = Consume({"--topic", "t", "--group", "g"});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->topic, "t");
  EXPECT_EQ(settings->consumer.group, "g");
  EXPECT_EQ(settings->consumer.mode, protocol::ConsumeMode::kClustering);
  EXPECT_EQ(settings->consumer.instance, "");
  EXPECT_EQ(settings->consumer.start_position, client::StartPosition::kLatest);
  EXPECT_FALSE(settings->consumer.auto_commit);
  EXPECT_EQ(settings->count_max, 0u);
  EXPECT_EQ(settings->idle_timeout_ms, 10000u);
  EXPECT_EQ(settings->tag_filter, "*");
}

TEST(ConsumeSettingsTest, EveryFlag) {
  absl::StatusOr<ConsumeSettings> settings =
      Consume({"--topic", "t", "--group", "g", "--mode", "broadcasting", "--instance", "i1",
               "--from", "17", "--count", "5", "--timeout", "2.5", "--tag-filter", "a || b"});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->consumer.mode, protocol::ConsumeMode::kBroadcasting);
  EXPECT_EQ(settings->consumer.instance, "i1");
  EXPECT_EQ(settings->consumer.start_position, client::StartPosition::kOffset);
  EXPECT_EQ(settings->consumer.start_offset, 17u);
  EXPECT_EQ(settings->count_max, 5u);
  EXPECT_EQ(settings->idle_timeout_ms, 2500u);
  EXPECT_EQ(settings->tag_filter, "a || b");
}

TEST(ConsumeSettingsTest, BroadcastingDefaultsTheInstance) {
  absl::StatusOr<ConsumeSettings> settings =
      Consume({"--topic", "t", "--group", "g", "--mode", "broadcasting", "--from", "earliest"});
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->consumer.instance, "mqadmin");
  EXPECT_EQ(settings->consumer.start_position, client::StartPosition::kEarliest);
}

TEST(ConsumeSettingsTest, UsageErrors) {
  EXPECT_EQ(Consume({"--topic", "t"}).status().message(), "missing required flag --group GROUP");
  EXPECT_EQ(Consume({"--topic", "t", "--group", "g", "--from", "first"}).status().message(),
            "--from: expected earliest, latest or an offset, got 'first'");
  EXPECT_EQ(Consume({"--topic", "t", "--group", "g", "--count", "-1"}).status().message(),
            "--count: expected a non-negative integer, got '-1'");
  EXPECT_TRUE(IsUsageError(Consume({"--topic", "t", "--group", "g", "--count", "x"}).status()));
  EXPECT_EQ(Consume({"--topic", "t", "--group", "g", "--instance="}).status().message(),
            "--instance: must not be empty");
}

TEST(ConsumeSettingsTest, ParseTimeoutSeconds) {
  EXPECT_EQ(*ParseTimeoutSeconds("timeout", "0"), 0u);
  EXPECT_EQ(*ParseTimeoutSeconds("timeout", "10"), 10000u);
  EXPECT_EQ(*ParseTimeoutSeconds("timeout", "0.5"), 500u);
  EXPECT_EQ(*ParseTimeoutSeconds("timeout", "1.25"), 1250u);
  EXPECT_EQ(*ParseTimeoutSeconds("timeout", "3.001"), 3001u);
  EXPECT_EQ(*ParseTimeoutSeconds("timeout", "86400"), 86400000u);
  for (const char* bad : {"", "-1", "1.", ".5", "1.2345", "86401", "1e3", "abc", "1.x"}) {
    absl::StatusOr<uint32_t> ms = ParseTimeoutSeconds("timeout", bad);
    ASSERT_FALSE(ms.ok()) << bad;
    EXPECT_TRUE(IsUsageError(ms.status()));
    EXPECT_EQ(ms.status().message(),
              std::string("--timeout: expected seconds (e.g. 10 or 0.5, at most 86400), got '") +
                  bad + "'");
  }
}

client::ReceivedMessage SampleMessage() {
  client::ReceivedMessage message;
  message.msg_id = {.group_id = 1, .raft_index = 7, .slot = 0};
  message.topic = "orders";
  message.queue_id = 2;
  message.offset = 9;
  message.keys = {"k1", "k2"};
  message.tag = "paid";
  message.properties = {{"b", "2"}, {"a", "1\n"}};
  message.body =
      "hi \"there\"\n\x01\xff"
      "caf\xc3\xa9"s;
  message.born_time_ms = 1700000000000;
  message.store_time_ms = 1700000000123;
  return message;
}

TEST(MessageOutputTest, ContractJson) {
  EXPECT_EQ(MessageJson(SampleMessage()),
            R"({"msg_id":"00000001000000000000000700000000","topic":"orders","queue":2,)"
            R"("offset":9,"key":"k1","tag":"paid","properties":{"a":"1\n","b":"2"},)"
            R"("body":"hi \"there\"\n\u0001\u00ffcaf)"
            "\xc3\xa9"
            R"(",)"
            R"("born_time_ms":1700000000000,"store_time_ms":1700000000123})");
}

TEST(MessageOutputTest, JsonOfAMinimalMessage) {
  client::ReceivedMessage message;
  message.msg_id = {.group_id = 1, .raft_index = 1, .slot = 0};
  EXPECT_EQ(MessageJson(message),
            R"({"msg_id":"00000001000000000000000100000000","topic":"","queue":0,"offset":0,)"
            R"("key":"","tag":"","properties":{},"body":"","born_time_ms":0,"store_time_ms":0})");
}

TEST(MessageOutputTest, Line) {
  EXPECT_EQ(MessageLine(SampleMessage()),
            "msg_id=00000001000000000000000700000000 topic=orders queue=2 offset=9 tag=paid "
            "keys=k1,k2 body=hi \\\"there\\\"\\n\\u0001\\u00ffcaf\xc3\xa9");
}

TEST(MessageOutputTest, Detail) {
  EXPECT_EQ(MessageDetail(SampleMessage()),
            "Msg ID:          00000001000000000000000700000000\n"
            "Topic:           orders\n"
            "Queue:           2\n"
            "Offset:          9\n"
            "Tag:             paid\n"
            "Keys:            k1,k2\n"
            "Properties:      a=1\\n,b=2\n"
            "Message group:   -\n"
            "Born time:       2023-11-14T22:13:20.000Z (1700000000000)\n"
            "Store time:      2023-11-14T22:13:20.123Z (1700000000123)\n"
            "Producer:        - (not idempotent)\n"
            "Body bytes:      18\n"
            "Body:            hi \\\"there\\\"\\n\\u0001\\u00ffcaf\xc3\xa9\n");
}

TEST(PrintedOffsetsTest, OnePastTheHighestPrintedOffsetPerQueue) {
  PrintedOffsets printed;
  EXPECT_TRUE(printed.next_offsets().empty());
  client::ReceivedMessage m;
  m.topic = "b";
  m.queue_id = 1;
  m.offset = 5;
  printed.Record(m);
  m.offset = 3;  // out of order: the highest wins
  printed.Record(m);
  m.topic = "a";
  m.queue_id = 0;
  m.offset = 0;
  printed.Record(m);
  const std::map<std::pair<std::string, uint32_t>, uint64_t> want = {{{"a", 0}, 1}, {{"b", 1}, 6}};
  EXPECT_EQ(printed.next_offsets(), want);
}

}  // namespace
}  // namespace mq::tools::mqadmin
