#include "tools/mqbench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace mq::tools::mqbench {

size_t LatencyHistogram::BucketIndex(uint64_t value) {
  if (value < kSubBucketCount) return static_cast<size_t>(value);
  value = std::min(value, kMaxValue);
  const int exponent = std::bit_width(value) - 1;  // >= kSubBucketBits
  const int shift = exponent - (kSubBucketBits - 1);
  const uint64_t sub = (value >> shift) - kHalfSubBucketCount;  // 0..63
  return static_cast<size_t>(kSubBucketCount + (exponent - kSubBucketBits) * kHalfSubBucketCount +
                             sub);
}

uint64_t LatencyHistogram::BucketLowest(size_t index) {
  if (index < kSubBucketCount) return index;
  const size_t rest = index - kSubBucketCount;
  const int exponent = static_cast<int>(rest / kHalfSubBucketCount) + kSubBucketBits;
  const uint64_t sub = rest % kHalfSubBucketCount;
  return (kHalfSubBucketCount + sub) << (exponent - (kSubBucketBits - 1));
}

uint64_t LatencyHistogram::BucketHighest(size_t index) {
  if (index < kSubBucketCount) return index;
  const size_t rest = index - kSubBucketCount;
  const int exponent = static_cast<int>(rest / kHalfSubBucketCount) + kSubBucketBits;
  return BucketLowest(index) + (uint64_t{1} << (exponent - (kSubBucketBits - 1))) - 1;
}

void LatencyHistogram::Record(uint64_t value) {
  ++counts_[BucketIndex(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::Reset() { *this = LatencyHistogram(); }

uint64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  if (count_ == 0) return 0;
  percentile = std::clamp(percentile, 0.0, 100.0);
  // The rank of the sample wanted, 1-based: at least 1, at most count_.
  const double exact_rank = percentile * static_cast<double>(count_) / 100.0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(exact_rank));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(BucketHighest(i), min(), max_);
  }
  return max_;  // unreachable: the counts sum to count_
}

}  // namespace mq::tools::mqbench
