#include "raft/progress.h"

#include "gtest/gtest.h"

namespace mq::raft {
namespace {

Progress Make(uint64_t next) { return Progress(next, 2, 1 << 20, false); }

TEST(ProgressTest, ProbeSendsOneAtATime) {
  Progress pr = Make(5);
  EXPECT_FALSE(pr.IsPaused());
  pr.SentEntries(7, 2, 100);
  EXPECT_TRUE(pr.IsPaused());
  EXPECT_EQ(pr.next, 5u);  // probing does not move next optimistically
  EXPECT_TRUE(pr.MaybeUpdate(4));
  EXPECT_FALSE(pr.IsPaused());
  EXPECT_FALSE(pr.MaybeUpdate(4));
}

TEST(ProgressTest, ReplicatePipelinesUntilInflightsFull) {
  Progress pr = Make(5);
  pr.match = 4;
  pr.BecomeReplicate();
  EXPECT_EQ(pr.next, 5u);
  pr.SentEntries(6, 2, 10);
  EXPECT_EQ(pr.next, 7u);
  EXPECT_FALSE(pr.IsPaused());
  pr.SentEntries(8, 2, 10);
  EXPECT_TRUE(pr.IsPaused());  // two messages in flight, the limit
  EXPECT_TRUE(pr.MaybeUpdate(6));
  pr.inflights.FreeLE(6);
  EXPECT_FALSE(pr.IsPaused());
  pr.SentEntries(8, 0, 0);  // an empty append does not occupy the pipeline
  EXPECT_EQ(pr.inflights.count(), 1u);
}

TEST(ProgressTest, MaybeDecrToInReplicateIgnoresStaleRejections) {
  Progress pr = Make(1);
  pr.match = 5;
  pr.BecomeReplicate();
  pr.next = 10;
  EXPECT_FALSE(pr.MaybeDecrTo(5, 5));  // at or below match: stale
  EXPECT_TRUE(pr.MaybeDecrTo(7, 3));
  EXPECT_EQ(pr.next, 6u);
}

TEST(ProgressTest, MaybeDecrToInProbeUsesTheHint) {
  Progress pr = Make(10);
  pr.match = 2;
  EXPECT_FALSE(pr.MaybeDecrTo(5, 1));  // not the probe we sent (next - 1 == 9)
  EXPECT_TRUE(pr.MaybeDecrTo(9, 4));
  EXPECT_EQ(pr.next, 5u);
  EXPECT_TRUE(pr.MaybeDecrTo(4, 0));
  EXPECT_EQ(pr.next, 3u);  // never below match + 1
}

TEST(ProgressTest, SnapshotStatePausesAndProbesAfter) {
  Progress pr = Make(3);
  pr.match = 2;
  pr.BecomeSnapshot(20);
  EXPECT_TRUE(pr.IsPaused());
  EXPECT_EQ(pr.pending_snapshot, 20u);
  pr.BecomeProbe();
  EXPECT_EQ(pr.next, 21u);
  EXPECT_EQ(pr.pending_snapshot, 0u);
  EXPECT_FALSE(pr.IsPaused());
  EXPECT_EQ(std::string(ProgressStateName(pr.state)), "probe");
  EXPECT_NE(pr.ToString().find("match=2"), std::string::npos);
}

}  // namespace
}  // namespace mq::raft
