#include "storage/base/byte_io.h"

#include <string>

#include "gtest/gtest.h"

namespace mq {
namespace {

TEST(ByteIoTest, ReadsWhatWasWritten) {
  std::string bytes;
  PutU8(&bytes, 7);
  PutFixed32(&bytes, 0xdeadbeef);
  PutFixed64(&bytes, 0x0123456789abcdefull);
  PutString(&bytes, "hello");
  PutFixed32(&bytes, 2);
  ByteReader r(bytes, "test");
  uint8_t u8 = 0;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  std::string s;
  uint32_t count = 0;
  ASSERT_TRUE(r.ReadU8("a", &u8).ok());
  ASSERT_TRUE(r.ReadU32("b", &u32).ok());
  ASSERT_TRUE(r.ReadU64("c", &u64).ok());
  ASSERT_TRUE(r.ReadString("d", 5, &s).ok());
  EXPECT_FALSE(r.ExpectEnd().ok());
  ASSERT_TRUE(r.ReadCount("e", 2, 0, &count).ok());
  EXPECT_EQ(u8, 7);
  EXPECT_EQ(u32, 0xdeadbeef);
  EXPECT_EQ(u64, 0x0123456789abcdefull);
  EXPECT_EQ(s, "hello");
  EXPECT_EQ(count, 2u);
  EXPECT_TRUE(r.ExpectEnd().ok());
}

TEST(ByteIoTest, ShortStringsHaveATwoByteLength) {
  std::string bytes;
  PutShortString(&bytes, "topic");
  PutFixed16(&bytes, 0xbeef);
  EXPECT_EQ(bytes, std::string("\x05\x00topic\xef\xbe", 9));
  ByteReader r(bytes, "test");
  std::string s;
  uint16_t u16 = 0;
  ASSERT_TRUE(r.ReadShortString("s", &s).ok());
  ASSERT_TRUE(r.ReadU16("u", &u16).ok());
  EXPECT_EQ(s, "topic");
  EXPECT_EQ(u16, 0xbeef);
  EXPECT_TRUE(r.ExpectEnd().ok());
  // A length past the end reads nothing.
  ByteReader cut(std::string_view("\x09\x00top", 5), "test");
  EXPECT_FALSE(cut.ReadShortString("s", &s).ok());
  EXPECT_EQ(cut.position(), 2u);
}

TEST(ByteIoTest, ShortInputNamesWhatAndField) {
  ByteReader r(std::string_view("\x01\x02", 2), "thing", absl::StatusCode::kDataLoss);
  uint32_t v = 0;
  absl::Status s = r.ReadU32("field_x", &v);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("thing"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("field_x"), absl::string_view::npos) << s;
  uint64_t w = 0;
  EXPECT_FALSE(r.ReadU64("f", &w).ok());
  uint8_t b = 0;
  EXPECT_TRUE(r.ReadU8("f", &b).ok());
  EXPECT_TRUE(r.ReadU8("f", &b).ok());
  EXPECT_FALSE(r.ReadU8("f", &b).ok());
}

TEST(ByteIoTest, StringLimits) {
  std::string bytes;
  PutString(&bytes, "abcdef");
  std::string s;
  ByteReader too_long(bytes, "t");
  EXPECT_EQ(too_long.ReadString("s", 5, &s).code(), absl::StatusCode::kInvalidArgument);
  // A length beyond the input.
  ByteReader torn(std::string_view(bytes).substr(0, 8), "t");
  EXPECT_FALSE(torn.ReadString("s", 100, &s).ok());
}

TEST(ByteIoTest, CountsAreCheckedBeforeAnyAllocation) {
  std::string bytes;
  PutFixed32(&bytes, 1000);
  bytes.append(100, 'x');
  uint32_t count = 0;
  ByteReader over_max(bytes, "t");
  EXPECT_FALSE(over_max.ReadCount("n", 999, 0, &count).ok());
  ByteReader does_not_fit(bytes, "t");
  EXPECT_FALSE(does_not_fit.ReadCount("n", 1000, 1, &count).ok());
  ByteReader fits(bytes, "t");
  EXPECT_TRUE(fits.ReadCount("n", 1000, 0, &count).ok());
}

}  // namespace
}  // namespace mq
