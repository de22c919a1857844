#include "raft/durable/term_index.h"

#include "gtest/gtest.h"

namespace mq::raft {
namespace {

TEST(TermIndexTest, EmptyCoversNothing) {
  TermIndex index(5);
  EXPECT_TRUE(index.empty());
  EXPECT_EQ(index.first(), 5u);
  EXPECT_EQ(index.last(), 4u);
  EXPECT_FALSE(index.Lookup(4).has_value());
  EXPECT_FALSE(index.Lookup(5).has_value());
}

TEST(TermIndexTest, KeepsOnlyTermChangePoints) {
  TermIndex index(1);
  for (uint64_t i = 1; i <= 100; ++i) index.Append(i, i <= 40 ? 1 : (i <= 90 ? 3 : 4));
  EXPECT_EQ(index.run_count(), 3u);
  EXPECT_EQ(index.Lookup(1), 1u);
  EXPECT_EQ(index.Lookup(40), 1u);
  EXPECT_EQ(index.Lookup(41), 3u);
  EXPECT_EQ(index.Lookup(90), 3u);
  EXPECT_EQ(index.Lookup(91), 4u);
  EXPECT_EQ(index.Lookup(100), 4u);
  EXPECT_FALSE(index.Lookup(101).has_value());
  EXPECT_FALSE(index.Lookup(0).has_value());
}

TEST(TermIndexTest, TruncateFromDropsRunsAndCanRestartATerm) {
  TermIndex index(1);
  for (uint64_t i = 1; i <= 10; ++i) index.Append(i, i <= 5 ? 1 : 2);
  index.TruncateFrom(6);  // the whole term-2 run
  EXPECT_EQ(index.last(), 5u);
  EXPECT_EQ(index.run_count(), 1u);
  EXPECT_FALSE(index.Lookup(6).has_value());
  index.Append(6, 3);
  EXPECT_EQ(index.Lookup(6), 3u);
  index.TruncateFrom(3);  // inside the term-1 run
  EXPECT_EQ(index.run_count(), 1u);
  EXPECT_EQ(index.Lookup(2), 1u);
  index.Append(3, 5);
  EXPECT_EQ(index.Lookup(3), 5u);
  index.TruncateFrom(1);  // everything
  EXPECT_TRUE(index.empty());
  index.Append(1, 7);
  EXPECT_EQ(index.Lookup(1), 7u);
}

TEST(TermIndexTest, DropBeforeKeepsTheRunHoldingTheNewFirst) {
  TermIndex index(1);
  for (uint64_t i = 1; i <= 30; ++i) index.Append(i, (i + 9) / 10);  // 1..10:1 11..20:2 21..:3
  index.DropBefore(15);
  EXPECT_EQ(index.first(), 15u);
  EXPECT_EQ(index.run_count(), 2u);
  EXPECT_FALSE(index.Lookup(14).has_value());
  EXPECT_EQ(index.Lookup(15), 2u);
  EXPECT_EQ(index.Lookup(21), 3u);
  index.DropBefore(31);  // past the end: empty, next append 31
  EXPECT_TRUE(index.empty());
  index.Append(31, 3);
  EXPECT_EQ(index.Lookup(31), 3u);
}

TEST(TermIndexTest, ResetStartsOver) {
  TermIndex index(1);
  index.Append(1, 1);
  index.Reset(100);
  EXPECT_TRUE(index.empty());
  EXPECT_FALSE(index.Lookup(1).has_value());
  index.Append(100, 9);
  EXPECT_EQ(index.Lookup(100), 9u);
}

TEST(TermIndexDeathTest, OutOfOrderAppendIsAProgrammerError) {
  TermIndex index(1);
  index.Append(1, 1);
  EXPECT_DEATH(index.Append(3, 1), "append out of order");
}

}  // namespace
}  // namespace mq::raft
