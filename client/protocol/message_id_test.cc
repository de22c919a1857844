#include "client/protocol/message_id.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/base/prng.h"

namespace mq::protocol {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(std::string_view text) {
  absl::StatusOr<MessageId> id = ParseMessageId(text);
  if (id.ok()) return "";
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(id.status().message());
}

TEST(MessageIdTest, FormatsGroupIndexSlotAs32HexDigits) {
  EXPECT_EQ(FormatMessageId({.group_id = 2, .raft_index = 0xA1B2, .slot = 0}),
            "00000002000000000000A1B200000000");
  EXPECT_EQ(
      FormatMessageId({.group_id = 0xFFFFFFFF, .raft_index = ~uint64_t{0}, .slot = 0xFFFFFFFF}),
      std::string(32, 'F'));
  EXPECT_EQ(FormatMessageId({.group_id = 0x12345678, .raft_index = 0x9ABCDEF012345678, .slot = 9}),
            "123456789ABCDEF01234567800000009");
}

TEST(MessageIdTest, RoundTrips) {
  Prng prng(11);
  for (int i = 0; i < 1000; ++i) {
    const MessageId id{.group_id = static_cast<uint32_t>(prng.Range(1, 0xFFFFFFFF)),
                       .raft_index = prng.Next() | 1,
                       .slot = static_cast<uint32_t>(prng.Next())};
    const std::string text = FormatMessageId(id);
    ASSERT_EQ(text.size(), kMessageIdHexDigits);
    absl::StatusOr<MessageId> parsed = ParseMessageId(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, id) << text;
  }
}

TEST(MessageIdTest, AcceptsLowerCase) {
  absl::StatusOr<MessageId> id = ParseMessageId("0000000a00000000000000ff0000000b");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, (MessageId{.group_id = 10, .raft_index = 255, .slot = 11}));
}

TEST(MessageIdTest, RefusesBadInput) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("has 0 characters, want 32 hex digits"));
  EXPECT_THAT(ErrorOf(std::string(31, '1')), HasSubstr("has 31 characters"));
  EXPECT_THAT(ErrorOf(std::string(33, '1')), HasSubstr("has 33 characters"));
  EXPECT_THAT(ErrorOf("0000000100000000000000010000000g"),
              HasSubstr("character 31 is not a hex digit"));
  EXPECT_THAT(ErrorOf(" 0000001000000000000000100000000"),
              HasSubstr("character 0 is not a hex digit"));
  EXPECT_THAT(ErrorOf("00000001-00000000000000100000000"), HasSubstr("character 8"));
  EXPECT_THAT(ErrorOf("0x000001000000000000000100000000"), HasSubstr("character 1"));
  EXPECT_THAT(ErrorOf(std::string("0000000100000000000000010000000\0", 32)),
              HasSubstr("\\x00\": character 31"));
  EXPECT_THAT(ErrorOf("00000000000000000000000100000000"),
              HasSubstr("names group 0 (the controller holds no messages)"));
  EXPECT_THAT(ErrorOf("00000001000000000000000000000005"), HasSubstr("names raft index 0"));
  // Long input is shown shortened.
  EXPECT_THAT(ErrorOf(std::string(100, 'A')), HasSubstr("AAA...\" has 100 characters"));
}

TEST(MessageIdTest, ValidateMessageIdChecksTheNumbers) {
  EXPECT_TRUE(ValidateMessageId({.group_id = 1, .raft_index = 1, .slot = 0}).ok());
  EXPECT_FALSE(ValidateMessageId({.group_id = 0, .raft_index = 1, .slot = 0}).ok());
  EXPECT_FALSE(ValidateMessageId({.group_id = 1, .raft_index = 0, .slot = 0}).ok());
}

}  // namespace
}  // namespace mq::protocol
