#include "broker/core/data/producer_dedup.h"

#include <string>

#include "gtest/gtest.h"

namespace mq::broker {
namespace {

using Verdict = ProducerDedup::Verdict;

BatchRecord Rec(uint64_t seq, uint32_t count, uint64_t offset, uint64_t time = 1000) {
  return BatchRecord{.base_sequence = seq,
                     .count = count,
                     .base_offset = offset,
                     .raft_index = 10 + seq,
                     .store_time_ms = time};
}

TEST(ProducerDedupTest, NewDuplicateGapAndWindow) {
  ProducerDedup d;
  EXPECT_EQ(d.Lookup(7, "t", 0, 0).verdict, Verdict::kNew);
  EXPECT_EQ(d.Lookup(7, "t", 0, 42).verdict, Verdict::kNew);  // unknown producer: any sequence
  d.Record(7, "t", 0, Rec(0, 3, 100));
  ProducerDedup::Check c = d.Lookup(7, "t", 0, 0);
  EXPECT_EQ(c.verdict, Verdict::kDuplicate);
  EXPECT_EQ(c.cached, Rec(0, 3, 100));
  EXPECT_EQ(d.Lookup(7, "t", 0, 3).verdict, Verdict::kNew);
  c = d.Lookup(7, "t", 0, 4);
  EXPECT_EQ(c.verdict, Verdict::kOutOfSequence);
  EXPECT_EQ(c.expected_sequence, 3u);
  c = d.Lookup(7, "t", 0, 1);  // inside a stored batch, not its start
  EXPECT_EQ(c.verdict, Verdict::kDuplicateOutOfWindow);
  // Keys are per (producer, topic, queue).
  EXPECT_EQ(d.Lookup(7, "t", 1, 0).verdict, Verdict::kNew);
  EXPECT_EQ(d.Lookup(7, "u", 0, 0).verdict, Verdict::kNew);
  EXPECT_EQ(d.Lookup(8, "t", 0, 0).verdict, Verdict::kNew);

  for (uint64_t i = 1; i <= kDedupWindowBatches; ++i)
    d.Record(7, "t", 0, Rec(i * 3, 3, 100 + i * 3));
  // The first batch slid out of the window; the last five are remembered.
  EXPECT_EQ(d.Lookup(7, "t", 0, 0).verdict, Verdict::kDuplicateOutOfWindow);
  for (uint64_t i = 1; i <= kDedupWindowBatches; ++i) {
    c = d.Lookup(7, "t", 0, i * 3);
    EXPECT_EQ(c.verdict, Verdict::kDuplicate) << i;
    EXPECT_EQ(c.cached.base_offset, 100 + i * 3);
  }
  EXPECT_EQ(d.key_count(), 1u);
}

TEST(ProducerDedupTest, ProducerZeroIsNeverDeduplicated) {
  ProducerDedup d;
  d.Record(0, "t", 0, Rec(0, 1, 0));
  EXPECT_EQ(d.key_count(), 0u);
  EXPECT_EQ(d.Lookup(0, "t", 0, 0).verdict, Verdict::kNew);
}

TEST(ProducerDedupTest, ExpiresIdleProducers) {
  ProducerDedup d;
  d.Record(1, "t", 0, Rec(0, 1, 0, /*time=*/1000));
  d.Record(2, "t", 0, Rec(0, 1, 0, /*time=*/5000));
  d.Expire(/*now_ms=*/500, /*expiry_ms=*/1000);  // now < expiry: nothing to do
  EXPECT_EQ(d.key_count(), 2u);
  d.Expire(/*now_ms=*/2000, /*expiry_ms=*/1000);  // cutoff 1000: 1000 is not older
  EXPECT_EQ(d.key_count(), 2u);
  d.Expire(/*now_ms=*/2001, /*expiry_ms=*/1000);
  EXPECT_EQ(d.key_count(), 1u);
  EXPECT_EQ(d.Lookup(1, "t", 0, 0).verdict, Verdict::kNew);
  EXPECT_EQ(d.Lookup(2, "t", 0, 0).verdict, Verdict::kDuplicate);
}

TEST(ProducerDedupTest, EncodeDecodeRoundTripAndGarbage) {
  ProducerDedup d;
  for (uint64_t p = 1; p <= 3; ++p) {
    for (uint64_t i = 0; i < 7; ++i) d.Record(p, "topic" + std::to_string(p % 2), p, Rec(i, 1, i));
  }
  std::string bytes;
  d.EncodeTo(&bytes);
  bytes += "tail";
  ByteReader in(bytes, "section");
  ProducerDedup back;
  ASSERT_TRUE(back.DecodeFrom(in).ok());
  EXPECT_EQ(back, d);
  EXPECT_EQ(in.remaining(), 4u);  // the tail is the caller's

  // Every truncation fails cleanly and leaves the object empty.
  const std::string full = bytes.substr(0, bytes.size() - 4);
  for (size_t n = 0; n < full.size(); ++n) {
    ByteReader cut(std::string_view(full).substr(0, n), "section");
    ProducerDedup x = d;
    absl::Status s = x.DecodeFrom(cut);
    EXPECT_FALSE(s.ok()) << n;
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(x.key_count(), 0u);
  }
  // A huge key count is refused before looping.
  ByteReader huge(std::string_view("\xff\xff\xff\xff"), "section");
  absl::Status refused = back.DecodeFrom(huge);
  EXPECT_NE(refused.message().find("cannot fit"), absl::string_view::npos) << refused;
  // A record count outside 1..window is refused.
  ProducerDedup one;
  one.Record(1, "t", 0, Rec(0, 1, 0));
  std::string b;
  one.EncodeTo(&b);
  b[4 + 8 + 2 + 1 + 4] = 6;
  ByteReader bad_count(b, "section");
  absl::Status bad = one.DecodeFrom(bad_count);
  EXPECT_NE(bad.message().find("6 records (1..5 allowed)"), absl::string_view::npos) << bad;
}

}  // namespace
}  // namespace mq::broker
