#pragma once
// LatencyHistogram: counts of non-negative integer values (mqbench records microseconds) in
// fixed log-linear buckets, in the manner of HdrHistogram: no allocation after construction,
// O(1) Record, bounded relative error.
//
// Bucketing (kSubBucketBits = 7):
//   values 0..127            one bucket per value (exact)
//   values in [2^e, 2^(e+1)) for e = 7..kMaxExponent: 64 equal sub-buckets of width 2^(e-6)
// so a bucket's width is at most 1/64 of its lower bound: a reported percentile is within
// 1.6% of the true sample (it is the highest value the bucket can hold, clamped to the
// recorded max). Values above kMaxValue (about 12.7 days in microseconds) land in the top
// bucket; min, max, count and sum are exact.
//
// Threading: not synchronized. mqbench keeps one per recording thread and Merge()s them after
// those threads stopped.
#include <array>
#include <cstddef>
#include <cstdint>

namespace mq::tools::mqbench {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr uint64_t kSubBucketCount = uint64_t{1} << kSubBucketBits;  // 128
  static constexpr uint64_t kHalfSubBucketCount = kSubBucketCount / 2;        // 64
  static constexpr int kMaxExponent = 39;
  static constexpr uint64_t kMaxValue = (uint64_t{1} << (kMaxExponent + 1)) - 1;
  static constexpr size_t kBucketCount =
      kSubBucketCount + (kMaxExponent - kSubBucketBits + 1) * kHalfSubBucketCount;

  void Record(uint64_t value);
  // Adds every sample of `other`.
  void Merge(const LatencyHistogram& other);
  void Reset();

  uint64_t count() const { return count_; }
  // 0 when empty.
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }
  // The smallest recorded-bucket value v such that at least `percentile`% of the samples are
  // <= v (reported as the bucket's highest value, clamped to [min, max]). percentile is clamped
  // to [0, 100]; 0 when empty.
  uint64_t ValueAtPercentile(double percentile) const;

  // Bucket arithmetic, public for tests.
  static size_t BucketIndex(uint64_t value);
  static uint64_t BucketLowest(size_t index);
  static uint64_t BucketHighest(size_t index);

 private:
  std::array<uint64_t, kBucketCount> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace mq::tools::mqbench
