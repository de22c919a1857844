#include "raft/inflights.h"

#include "gtest/gtest.h"

namespace mq::raft {
namespace {

TEST(InflightsTest, FullByCount) {
  Inflights in(3, 1000);
  in.Add(1, 10);
  in.Add(2, 10);
  EXPECT_FALSE(in.Full());
  in.Add(5, 10);
  EXPECT_TRUE(in.Full());
  in.FreeLE(2);
  EXPECT_EQ(in.count(), 1u);
  EXPECT_EQ(in.bytes(), 10u);
  EXPECT_FALSE(in.Full());
}

TEST(InflightsTest, FullByBytes) {
  Inflights in(100, 100);
  in.Add(1, 60);
  EXPECT_FALSE(in.Full());
  in.Add(2, 60);  // crossing the limit is allowed once
  EXPECT_TRUE(in.Full());
  in.FreeLE(1);
  EXPECT_FALSE(in.Full());
  EXPECT_EQ(in.bytes(), 60u);
}

TEST(InflightsTest, FreeLEFreesOnlyEarlierMessages) {
  Inflights in(10, 1000);
  in.Add(3, 1);
  in.Add(6, 1);
  in.Add(9, 1);
  in.FreeLE(2);
  EXPECT_EQ(in.count(), 3u);
  in.FreeLE(7);
  EXPECT_EQ(in.count(), 1u);
  in.FreeLE(100);
  EXPECT_EQ(in.count(), 0u);
  EXPECT_EQ(in.bytes(), 0u);
}

TEST(InflightsTest, ResetAndAddBeyondFull) {
  Inflights in(1, 1000);
  in.Add(1, 5);
  in.Add(2, 5);  // after a heartbeat response the leader may exceed by one message
  EXPECT_EQ(in.count(), 2u);
  in.Reset();
  EXPECT_EQ(in.count(), 0u);
  EXPECT_EQ(in.bytes(), 0u);
  EXPECT_FALSE(in.Full());
}

}  // namespace
}  // namespace mq::raft
