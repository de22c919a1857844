#include "storage/log/sparse_index.h"

#include "gtest/gtest.h"
#include "storage/log/segment_file.h"

namespace mq::storage {
namespace {

// Records 10.. of 100 bytes each, starting right after the segment header.
SparseIndex MakeIndex(uint64_t interval_bytes, int records) {
  SparseIndex index(interval_bytes);
  for (int i = 0; i < records; ++i) index.OnRecord(10 + i, kSegmentHeaderBytes + 100 * i);
  return index;
}

TEST(SparseIndexTest, KeepsOnePointPerInterval) {
  const SparseIndex index = MakeIndex(250, 10);
  // Points at records 10 (pos 24), 13 (pos 324: 300 >= 250 after 24), 16, 19.
  ASSERT_EQ(index.points().size(), 4u);
  EXPECT_EQ(index.points()[0], (SparseIndex::Point{10, kSegmentHeaderBytes}));
  EXPECT_EQ(index.points()[1], (SparseIndex::Point{13, kSegmentHeaderBytes + 300}));
  EXPECT_EQ(index.points()[3], (SparseIndex::Point{19, kSegmentHeaderBytes + 900}));
}

TEST(SparseIndexTest, FloorFindsTheLastPointAtOrBefore) {
  const SparseIndex index = MakeIndex(250, 10);
  EXPECT_EQ(index.Floor(10).index, 10u);
  EXPECT_EQ(index.Floor(12).index, 10u);
  EXPECT_EQ(index.Floor(13).index, 13u);
  EXPECT_EQ(index.Floor(18).index, 16u);
  EXPECT_EQ(index.Floor(1000).index, 19u);
}

TEST(SparseIndexTest, TruncateFromDropsLaterPoints) {
  SparseIndex index = MakeIndex(250, 10);
  index.TruncateFrom(16);
  ASSERT_EQ(index.points().size(), 2u);
  EXPECT_EQ(index.points().back().index, 13u);
  index.TruncateFrom(10);
  EXPECT_TRUE(index.empty());
}

TEST(SparseIndexTest, EncodeDecodeRoundTrips) {
  const SparseIndex index = MakeIndex(250, 10);
  const std::string image = index.Encode(10, 19, kSegmentHeaderBytes + 1000);
  EXPECT_EQ(image.size(), kSparseIndexHeaderBytes + 4 * kSparseIndexPointBytes);
  auto decoded = SparseIndex::Decode(image, 10, 19, kSegmentHeaderBytes + 1000, 250);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->points(), index.points());
}

TEST(SparseIndexTest, DecodeRefusesAnIndexOfAnotherSegment) {
  const std::string image = MakeIndex(250, 10).Encode(10, 19, kSegmentHeaderBytes + 1000);
  EXPECT_FALSE(SparseIndex::Decode(image, 11, 19, kSegmentHeaderBytes + 1000, 250).ok());
  EXPECT_FALSE(SparseIndex::Decode(image, 10, 20, kSegmentHeaderBytes + 1000, 250).ok());
  EXPECT_FALSE(SparseIndex::Decode(image, 10, 19, kSegmentHeaderBytes + 999, 250).ok());
}

TEST(SparseIndexTest, DecodeRefusesDamage) {
  const std::string image = MakeIndex(250, 10).Encode(10, 19, kSegmentHeaderBytes + 1000);
  for (size_t byte = 0; byte < image.size(); ++byte) {
    std::string bad = image;
    bad[byte] = static_cast<char>(bad[byte] ^ 0x40);
    auto decoded = SparseIndex::Decode(bad, 10, 19, kSegmentHeaderBytes + 1000, 250);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << byte;
  }
  EXPECT_FALSE(SparseIndex::Decode(image.substr(0, 20), 10, 19, 1024, 250).ok());
  EXPECT_FALSE(SparseIndex::Decode(image.substr(0, image.size() - 1), 10, 19, 1024, 250).ok());
  EXPECT_FALSE(SparseIndex::Decode("", 10, 19, 1024, 250).ok());
}

TEST(SparseIndexTest, DecodeRefusesPointsOutOfOrderEvenWithAGoodChecksum) {
  SparseIndex bad(250);
  bad.OnRecord(10, kSegmentHeaderBytes);
  bad.OnRecord(12, kSegmentHeaderBytes + 1000);
  bad.OnRecord(11, kSegmentHeaderBytes + 2000);  // index goes backwards
  const std::string image = bad.Encode(10, 19, kSegmentHeaderBytes + 3000);
  auto decoded = SparseIndex::Decode(image, 10, 19, kSegmentHeaderBytes + 3000, 250);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
  // A point past the end of the segment.
  const std::string past_end = MakeIndex(250, 10).Encode(10, 19, kSegmentHeaderBytes + 500);
  EXPECT_FALSE(SparseIndex::Decode(past_end, 10, 19, kSegmentHeaderBytes + 500, 250).ok());
  // No points at all.
  const std::string empty = SparseIndex(250).Encode(10, 19, 1024);
  EXPECT_FALSE(SparseIndex::Decode(empty, 10, 19, 1024, 250).ok());
}

}  // namespace
}  // namespace mq::storage
