#include "storage/log/segment_file.h"

#include "gtest/gtest.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"

namespace mq::storage {
namespace {

TEST(SegmentFileTest, NamesAreTwentyDigitsAndParseBack) {
  EXPECT_EQ(SegmentFileName(42), "00000000000000000042.seg");
  EXPECT_EQ(SparseIndexFileName(42), "00000000000000000042.sidx");
  EXPECT_EQ(SegmentFileName(UINT64_MAX), "18446744073709551615.seg");
  EXPECT_EQ(ParseLogFileName("00000000000000000042.seg", kSegmentSuffix), 42u);
  EXPECT_EQ(ParseLogFileName("18446744073709551615.seg", kSegmentSuffix), UINT64_MAX);
  EXPECT_EQ(ParseLogFileName("00000000000000000042.sidx", kSparseIndexSuffix), 42u);
}

TEST(SegmentFileTest, OtherNamesDoNotParse) {
  EXPECT_FALSE(ParseLogFileName("00000000000000000042.sidx", kSegmentSuffix));
  EXPECT_FALSE(ParseLogFileName("42.seg", kSegmentSuffix));
  EXPECT_FALSE(ParseLogFileName("0000000000000000004x.seg", kSegmentSuffix));
  EXPECT_FALSE(ParseLogFileName("00000000000000000042.seg.tmp", kSegmentSuffix));
  EXPECT_FALSE(ParseLogFileName("99999999999999999999.seg", kSegmentSuffix));  // > u64
  EXPECT_FALSE(ParseLogFileName("", kSegmentSuffix));
}

TEST(SegmentFileTest, HeaderRoundTrips) {
  const std::string header = EncodeSegmentHeader(1234);
  ASSERT_EQ(header.size(), kSegmentHeaderBytes);
  auto first = DecodeSegmentHeader(header, "f.seg");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 1234u);
  EXPECT_FALSE(IsTornSegmentHeader(header));
}

TEST(SegmentFileTest, BadHeadersAreDataLossNamingTheFile) {
  const std::string good = EncodeSegmentHeader(7);
  // Every single flipped bit is caught.
  for (size_t byte = 0; byte < good.size(); ++byte) {
    std::string bad = good;
    bad[byte] = static_cast<char>(bad[byte] ^ 0x01);
    auto status = DecodeSegmentHeader(bad, "dir/x.seg").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << byte;
    EXPECT_NE(status.message().find("dir/x.seg"), absl::string_view::npos);
  }
  auto short_status = DecodeSegmentHeader(good.substr(0, 10), "x.seg").status();
  EXPECT_EQ(short_status.code(), absl::StatusCode::kDataLoss);
}

TEST(SegmentFileTest, UnknownVersionIsRefusedEvenWithAGoodChecksum) {
  std::string header = EncodeSegmentHeader(7);
  header[8] = 2;  // version
  EncodeFixed32(header.data(), Crc32c(header.data() + 4, header.size() - 4));
  auto status = DecodeSegmentHeader(header, "x.seg").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("version 2"), absl::string_view::npos) << status;
}

TEST(SegmentFileTest, TornHeaders) {
  EXPECT_TRUE(IsTornSegmentHeader(""));
  EXPECT_TRUE(IsTornSegmentHeader(std::string(10, 'x')));
  EXPECT_TRUE(IsTornSegmentHeader(std::string(kSegmentHeaderBytes, '\0')));
  EXPECT_FALSE(IsTornSegmentHeader(std::string(kSegmentHeaderBytes, 'x')));
}

}  // namespace
}  // namespace mq::storage
