#include "storage/base/prng.h"

#include <vector>

#include "gtest/gtest.h"

namespace mq {
namespace {

// Pinned output: if this changes, every recorded simulation seed replays differently.
TEST(PrngTest, OutputIsPinned) {
  Prng prng(42);
  std::vector<uint64_t> got;
  for (int i = 0; i < 4; ++i) got.push_back(prng.Next());
  const std::vector<uint64_t> expected = {0x15780B2E0C2EC716ull, 0x6104D9866D113A7Eull, 0xAE17533239E499A1ull,
                                         0xECB8AD4703B360A1ull};
  EXPECT_EQ(got, expected);
}

TEST(PrngTest, SameSeedSameStreamDifferentSeedDifferentStream) {
  Prng a(1), b(1), c(2);
  for (int i = 0; i < 100; ++i) {
    const uint64_t va = a.Next();
    EXPECT_EQ(va, b.Next());
    EXPECT_NE(va, c.Next());
  }
}

TEST(PrngTest, UniformStaysInBoundsAndCoversRange) {
  Prng prng(3);
  std::vector<int> seen(10, 0);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t v = prng.Uniform(10);
    ASSERT_LT(v, 10u);
    ++seen[v];
  }
  for (int count : seen) EXPECT_GT(count, 800);  // expected 1000 each
}

TEST(PrngTest, RangeIsInclusive) {
  Prng prng(4);
  bool saw_lo = false, saw_hi = false;
  for (int i = 0; i < 1000; ++i) {
    const int64_t v = prng.Range(-2, 2);
    ASSERT_GE(v, -2);
    ASSERT_LE(v, 2);
    saw_lo |= v == -2;
    saw_hi |= v == 2;
  }
  EXPECT_TRUE(saw_lo && saw_hi);
}

TEST(PrngTest, ChanceExtremes) {
  Prng prng(5);
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(prng.Chance(0, 7));
    EXPECT_TRUE(prng.Chance(7, 7));
  }
}

TEST(PrngTest, ForkIsDeterministic) {
  Prng a(9), b(9);
  Prng fa = a.Fork(), fb = b.Fork();
  EXPECT_EQ(fa.Next(), fb.Next());
}

}  // namespace
}  // namespace mq
