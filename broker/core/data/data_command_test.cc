#include "broker/core/data/data_command.h"

#include <string>

#include "gtest/gtest.h"

namespace mq::broker {
namespace {

TEST(DataCommandTest, ProduceRoundTrip) {
  const std::string bytes = EncodeProduceCommand("orders", 7, 123456789, "BATCH");
  // Layout: type, version, topic length, topic, queue id, store time, batch.
  ASSERT_EQ(bytes.size(), 4 + 6 + 4 + 8 + 5);
  EXPECT_EQ(bytes[0], 1);
  EXPECT_EQ(bytes[1], 1);
  EXPECT_EQ(bytes[2], 6);
  EXPECT_EQ(bytes[3], 0);
  absl::StatusOr<DataCommandView> view = DecodeDataCommand(bytes);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->type, DataCommandType::kProduce);
  EXPECT_EQ(view->version, kDataCommandVersion);
  EXPECT_EQ(view->topic, "orders");
  EXPECT_EQ(view->queue_id, 7u);
  EXPECT_EQ(view->store_time_ms, 123456789u);
  EXPECT_EQ(view->record_batch, "BATCH");
  // Views point into the input.
  EXPECT_EQ(view->topic.data(), bytes.data() + 4);
}

TEST(DataCommandTest, LongestTopicAndExtremeValues) {
  const std::string topic(kDataCommandTopicBytesMax, 't');
  const std::string bytes = EncodeProduceCommand(topic, UINT32_MAX, UINT64_MAX, "x");
  absl::StatusOr<DataCommandView> view = DecodeDataCommand(bytes);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->topic, topic);
  EXPECT_EQ(view->queue_id, UINT32_MAX);
  EXPECT_EQ(view->store_time_ms, UINT64_MAX);
}

void ExpectInvalid(const std::string& bytes, const std::string& needle) {
  absl::StatusOr<DataCommandView> view = DecodeDataCommand(bytes);
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(view.status().message()).find(needle), std::string::npos) << view.status();
}

TEST(DataCommandTest, RefusesMalformedCommands) {
  const std::string good = EncodeProduceCommand("t", 1, 2, "batch");
  ExpectInvalid("", "shorter than its 4-byte prefix");
  ExpectInvalid(good.substr(0, 3), "shorter than its 4-byte prefix");
  std::string bad_type = good;
  bad_type[0] = 2;
  ExpectInvalid(bad_type, "unknown command type 2");
  std::string bad_version = good;
  bad_version[1] = 9;
  ExpectInvalid(bad_version, "unsupported version 9");
  std::string empty_topic = good;
  empty_topic[2] = 0;
  ExpectInvalid(empty_topic, "empty topic");
  std::string long_topic = good;
  long_topic[2] = static_cast<char>(0xFF);
  ExpectInvalid(long_topic, "cannot hold");
  // Every truncation of the header fields fails; cutting into the batch only shortens it.
  for (size_t n = 0; n < 4 + 1 + 12 + 1; ++n) {
    EXPECT_FALSE(DecodeDataCommand(good.substr(0, n)).ok()) << n;
  }
  ExpectInvalid(good.substr(0, 4 + 1 + 12), "without a record batch");
}

}  // namespace
}  // namespace mq::broker
