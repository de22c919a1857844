#include "storage/base/clock.h"

#include "gtest/gtest.h"

namespace mq {
namespace {

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(100, 5000);
  EXPECT_EQ(clock.MonotonicNanos(), 100);
  clock.Advance(2'000'000);
  EXPECT_EQ(clock.MonotonicNanos(), 2'000'100);
  EXPECT_EQ(clock.UnixMillis(), 5002);
  clock.SetUnixMillis(10);
  EXPECT_EQ(clock.UnixMillis(), 10);
}

TEST(ClockTest, RealClockIsMonotonicAndRecent) {
  const Clock& clock = RealClock::Get();
  const int64_t a = clock.MonotonicNanos();
  const int64_t b = clock.MonotonicNanos();
  EXPECT_LE(a, b);
  EXPECT_GT(clock.UnixMillis(), 1'700'000'000'000);  // after 2023
}

}  // namespace
}  // namespace mq
