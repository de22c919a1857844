#include "tools/mqbench/histogram.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace mq::tools::mqbench {
namespace {

using H = LatencyHistogram;

TEST(LatencyHistogramTest, SmallValuesHaveTheirOwnBucket) {
  for (uint64_t v = 0; v < H::kSubBucketCount; ++v) {
    EXPECT_EQ(H::BucketIndex(v), v);
    EXPECT_EQ(H::BucketLowest(v), v);
    EXPECT_EQ(H::BucketHighest(v), v);
  }
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGapsOrOverlap) {
  for (size_t i = 0; i + 1 < H::kBucketCount; ++i) {
    ASSERT_EQ(H::BucketHighest(i) + 1, H::BucketLowest(i + 1)) << "bucket " << i;
    ASSERT_EQ(H::BucketIndex(H::BucketLowest(i)), i);
    ASSERT_EQ(H::BucketIndex(H::BucketHighest(i)), i);
  }
  EXPECT_EQ(H::BucketHighest(H::kBucketCount - 1), H::kMaxValue);
}

TEST(LatencyHistogramTest, BucketWidthIsAtMostOneSixtyFourthOfItsValues) {
  for (size_t i = H::kSubBucketCount; i < H::kBucketCount; ++i) {
    const uint64_t width = H::BucketHighest(i) - H::BucketLowest(i) + 1;
    ASSERT_LE(width * 64, H::BucketLowest(i)) << "bucket " << i;
  }
}

TEST(LatencyHistogramTest, KnownBoundaries) {
  EXPECT_EQ(H::BucketIndex(127), 127u);
  EXPECT_EQ(H::BucketIndex(128), 128u);  // [128, 130) width 2
  EXPECT_EQ(H::BucketIndex(129), 128u);
  EXPECT_EQ(H::BucketIndex(130), 129u);
  EXPECT_EQ(H::BucketIndex(255), 191u);
  EXPECT_EQ(H::BucketIndex(256), 192u);  // [256, 260) width 4
  EXPECT_EQ(H::BucketIndex(259), 192u);
  EXPECT_EQ(H::BucketIndex(260), 193u);
}

TEST(LatencyHistogramTest, EmptyReportsZeros) {
  H h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.ValueAtPercentile(50), 0u);
  EXPECT_EQ(h.ValueAtPercentile(100), 0u);
}

TEST(LatencyHistogramTest, ExactStatisticsAndPercentilesOfSmallValues) {
  H h;
  for (uint64_t v = 1; v <= 100; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
  EXPECT_EQ(h.ValueAtPercentile(0), 1u);
  EXPECT_EQ(h.ValueAtPercentile(1), 1u);
  EXPECT_EQ(h.ValueAtPercentile(50), 50u);
  EXPECT_EQ(h.ValueAtPercentile(90), 90u);
  EXPECT_EQ(h.ValueAtPercentile(99), 99u);
  EXPECT_EQ(h.ValueAtPercentile(99.9), 100u);
  EXPECT_EQ(h.ValueAtPercentile(100), 100u);
  EXPECT_EQ(h.ValueAtPercentile(-5), 1u);     // clamped
  EXPECT_EQ(h.ValueAtPercentile(250), 100u);  // clamped
}

TEST(LatencyHistogramTest, PercentilesOfLargeValuesAreWithinTheBucketError) {
  H h;
  for (uint64_t v = 1; v <= 1'000'000; ++v) h.Record(v);
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const double want = p / 100.0 * 1'000'000;
    const double got = static_cast<double>(h.ValueAtPercentile(p));
    EXPECT_GE(got, want) << "p" << p;
    EXPECT_LE(got, want * (1 + 1.0 / 64)) << "p" << p;
  }
  EXPECT_EQ(h.ValueAtPercentile(100), 1'000'000u);
}

TEST(LatencyHistogramTest, PercentileIsClampedToTheRecordedRange) {
  H h;
  h.Record(1000);  // bucket [1000, 1007]
  EXPECT_EQ(h.ValueAtPercentile(50), 1000u);
  h.Record(1003);
  EXPECT_EQ(h.ValueAtPercentile(100), 1003u);
}

TEST(LatencyHistogramTest, ValuesAboveTheRangeLandInTheTopBucketButMaxIsExact) {
  H h;
  h.Record(UINT64_MAX / 2);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.max(), UINT64_MAX / 2);
  EXPECT_EQ(H::BucketIndex(UINT64_MAX), H::kBucketCount - 1);
  EXPECT_EQ(h.ValueAtPercentile(50), UINT64_MAX / 2);  // clamped to [min, max]
}

TEST(LatencyHistogramTest, MergeAddsSamples) {
  H a, b;
  for (uint64_t v = 1; v <= 50; ++v) a.Record(v);
  for (uint64_t v = 51; v <= 100; ++v) b.Record(v);
  a.Merge(b);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_EQ(a.min(), 1u);
  EXPECT_EQ(a.max(), 100u);
  EXPECT_EQ(a.ValueAtPercentile(50), 50u);
  EXPECT_EQ(a.ValueAtPercentile(75), 75u);
  H empty;
  a.Merge(empty);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_EQ(a.min(), 1u);
  empty.Merge(a);
  EXPECT_EQ(empty.min(), 1u);
  EXPECT_EQ(empty.max(), 100u);
}

TEST(LatencyHistogramTest, ResetForgetsEverything) {
  H h;
  h.Record(5);
  h.Record(5000);
  h.Reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.ValueAtPercentile(50), 0u);
  h.Record(7);
  EXPECT_EQ(h.min(), 7u);
}

}  // namespace
}  // namespace mq::tools::mqbench
