#include "storage/base/coding.h"

#include "gtest/gtest.h"

namespace mq {
namespace {

TEST(CodingTest, RoundTripsAndIsLittleEndian) {
  std::string s;
  PutFixed32(&s, 0x01020304u);
  PutFixed64(&s, 0x1122334455667788ull);
  ASSERT_EQ(s.size(), 12u);
  EXPECT_EQ(s[0], 0x04);
  EXPECT_EQ(s[4], static_cast<char>(0x88));
  EXPECT_EQ(DecodeFixed32(s.data()), 0x01020304u);
  EXPECT_EQ(DecodeFixed64(s.data() + 4), 0x1122334455667788ull);
}

}  // namespace
}  // namespace mq
