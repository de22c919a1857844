#include "tools/mqbench/payload.h"

#include "gtest/gtest.h"

namespace mq::tools::mqbench {
namespace {

TEST(PayloadTest, BodyHasTheSizeAndAZeroStamp) {
  std::string body = MakeBody(1024);
  ASSERT_EQ(body.size(), 1024u);
  auto stamp = ReadStamp(body);
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->run_id, 0u);
  EXPECT_EQ(stamp->born_us, 0u);
  EXPECT_EQ(body.substr(kStampBytes), std::string(1024 - kStampBytes, 'x'));
}

TEST(PayloadTest, StampRoundTripsAndLeavesTheFiller) {
  std::string body = MakeBody(kStampBytes + 4);
  WriteStamp(body, Stamp{0x0102030405060708ull, 1'764'000'000'123'456ull});
  auto stamp = ReadStamp(body);
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->run_id, 0x0102030405060708ull);
  EXPECT_EQ(stamp->born_us, 1'764'000'000'123'456ull);
  EXPECT_EQ(body.substr(kStampBytes), "xxxx");
  EXPECT_EQ(body[0], '\x08');  // little-endian on the wire
}

TEST(PayloadTest, ShortBodyHasNoStamp) {
  EXPECT_FALSE(ReadStamp("").has_value());
  EXPECT_FALSE(ReadStamp(std::string(kStampBytes - 1, 'a')).has_value());
  EXPECT_TRUE(ReadStamp(std::string(kStampBytes, 'a')).has_value());
}

TEST(PayloadTest, WallMicrosIsAPlausibleEpochTime) {
  const uint64_t a = WallMicros();
  const uint64_t b = WallMicros();
  EXPECT_GT(a, 1'600'000'000'000'000ull);  // after 2020
  EXPECT_GE(b, a);
}

}  // namespace
}  // namespace mq::tools::mqbench
