// The Driver with snapshots at segment starts and retention by CompactTo (history mode): the
// property the design exists for -- a follower cut off while the leader compacts to a segment
// boundary B gets the snapshot at exactly B and then every entry the leader still holds -- and
// restarts that replay only the entries after the newest kept snapshot.

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "raft/durable/driver.h"
#include "raft/durable/test_cluster.h"

namespace mq::raft {
namespace {

using durable_test::TestCluster;

// Values of ~200 bytes, so that a few dozen fill a 4 KiB segment.
std::string Value(int i) { return "value-" + std::to_string(i) + "-" + std::string(200, 'x'); }

std::vector<std::string> Values(int lo, int hi) {
  std::vector<std::string> out;
  for (int i = lo; i <= hi; ++i) out.push_back(Value(i));
  return out;
}

DriverOptions SegmentSnapshots(NodeId id, PersistMode mode = PersistMode::kInline) {
  DriverOptions options = TestCluster::DefaultOptions(id);
  options.log.segments.segment_bytes_max = 4096;
  options.log.segments.index_interval_bytes = 512;
  options.log.keep_snapshot_history = true;
  options.snapshot_at_segment_starts = true;
  options.persist_mode = mode;
  // Ignored in this mode: would snapshot (and compact) every few entries otherwise.
  options.snapshot_entries_interval = 3;
  options.snapshot_keep_entries = 0;
  return options;
}

NodeId OtherThan(NodeId a) { return a == 1 ? 2 : 1; }

// Every segment start i the node applied past, with i - 1 above its oldest kept snapshot, has
// a kept snapshot at i - 1, and no snapshot was taken anywhere else.
void ExpectSnapshotsAtSegmentStarts(const Driver& driver) {
  const RaftLogStore& log = driver.log();
  const std::vector<uint64_t> kept = log.SnapshotIndexes();
  ASSERT_FALSE(kept.empty());
  for (const storage::SegmentInfo& s : log.Segments()) {
    const uint64_t b = s.first_index - 1;
    if (b > kept.front() && s.first_index <= driver.applied()) {
      EXPECT_TRUE(std::binary_search(kept.begin(), kept.end(), b)) << "no snapshot at " << b;
    }
  }
  for (size_t i = 1; i < kept.size(); ++i) {
    EXPECT_TRUE(log.IsSegmentStart(kept[i] + 1)) << "snapshot at " << kept[i];
  }
}

// The entries [lo, hi] of two logs are the same.
void ExpectSameEntries(const RaftLogStore& a, const RaftLogStore& b, uint64_t lo, uint64_t hi) {
  auto ea = a.Entries(lo, hi + 1, UINT64_MAX);
  auto eb = b.Entries(lo, hi + 1, UINT64_MAX);
  ASSERT_TRUE(ea.ok()) << ea.status();
  ASSERT_TRUE(eb.ok()) << eb.status();
  ASSERT_EQ(ea->size(), hi + 1 - lo);
  ASSERT_EQ(eb->size(), ea->size());
  for (size_t i = 0; i < ea->size(); ++i) {
    EXPECT_EQ((*ea)[i].index, (*eb)[i].index);
    EXPECT_EQ((*ea)[i].term, (*eb)[i].term);
    EXPECT_EQ((*ea)[i].data, (*eb)[i].data) << "entry " << (*ea)[i].index;
  }
}

class DriverHistoryTest : public ::testing::TestWithParam<PersistMode> {};

TEST_P(DriverHistoryTest, ALaggingFollowerGetsTheSnapshotAtTheCompactionPointThenEveryEntry) {
  const PersistMode mode = GetParam();
  TestCluster cluster(3, [mode](NodeId id) { return SegmentSnapshots(id, mode); });
  const NodeId leader = cluster.WaitForLeader();
  ASSERT_NE(leader, kNoNode);
  const NodeId lagging = OtherThan(leader);
  for (int i = 1; i <= 10; ++i) cluster.ProposeAndCommit(Value(i));
  cluster.Isolate(lagging, true);
  const uint64_t lagging_last = cluster.driver(lagging).log().last_index();
  for (int i = 11; i <= 160; ++i) cluster.ProposeAndCommit(Value(i));

  Driver& lead = cluster.driver(leader);
  ASSERT_NO_FATAL_FAILURE(ExpectSnapshotsAtSegmentStarts(lead));
  // Snapshots were taken at segment starts only: never compacted by the interval.
  EXPECT_EQ(lead.log().first_index(), 1u);
  EXPECT_EQ(lead.stats().snapshots_taken, lead.log().SnapshotIndexes().size());
  ASSERT_GE(lead.log().SnapshotIndexes().size(), 4u);

  // Retention: compact to a boundary with newer snapshots after it (a "latest snapshot" store
  // would send one of those, and the follower would miss the entries in between).
  const std::vector<uint64_t> kept = lead.log().SnapshotIndexes();
  const uint64_t b = kept[kept.size() - 3];
  ASSERT_GT(b, lagging_last);
  auto dropped = lead.CompactTo(b);
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_GE(*dropped, 1u);
  EXPECT_EQ(lead.log().first_index(), b + 1);
  EXPECT_EQ(lead.log().SnapshotIndexes().front(), b);
  ASSERT_GT(lead.log().SnapshotIndexes().back(), b);
  const uint64_t leader_last = lead.log().last_index();

  cluster.Isolate(lagging, false);
  for (int tick = 0; tick < 30; ++tick) {
    cluster.TickAll();
    cluster.Stabilize();
  }
  Driver& follower = cluster.driver(lagging);
  EXPECT_EQ(follower.stats().snapshots_installed, 1u);
  EXPECT_EQ(cluster.sm(lagging).restores, 1);
  // The snapshot installed is the one at exactly B...
  ASSERT_FALSE(follower.log().SnapshotIndexes().empty());
  EXPECT_EQ(follower.log().SnapshotIndexes().front(), b);
  EXPECT_EQ(follower.log().first_index(), b + 1);
  // ...and the follower holds every entry the leader holds, B+1 on: no gap.
  EXPECT_EQ(follower.log().last_index(), leader_last);
  ASSERT_NO_FATAL_FAILURE(ExpectSameEntries(lead.log(), follower.log(), b + 1, leader_last));
  EXPECT_EQ(follower.applied(), leader_last);
  EXPECT_EQ(cluster.sm(lagging).values, Values(1, 160));
  // It took its own snapshots at the segment starts it applied past after the install.
  ASSERT_NO_FATAL_FAILURE(ExpectSnapshotsAtSegmentStarts(follower));

  // It can lead: the messages it serves start right after B as well.
  cluster.ProposeAndCommit(Value(161));
  EXPECT_EQ(cluster.sm(lagging).values, Values(1, 161));
}

INSTANTIATE_TEST_SUITE_P(PersistModes, DriverHistoryTest,
                         ::testing::Values(PersistMode::kInline, PersistMode::kDeferred));

TEST(DriverHistoryRestartTest, ARestartRestoresTheNewestSnapshotAndReplaysOnlyWhatFollows) {
  for (const bool crash : {false, true}) {
    SCOPED_TRACE(crash ? "crash" : "clean stop");
    TestCluster cluster(1, [](NodeId id) { return SegmentSnapshots(id); });
    for (int i = 1; i <= 100; ++i) cluster.ProposeAndCommit(Value(i));
    const uint64_t b = cluster.driver(1).log().SnapshotIndexes()[1];
    ASSERT_TRUE(cluster.driver(1).CompactTo(b).ok());
    const uint64_t newest = cluster.driver(1).log().snapshot_index();
    const uint64_t applied = cluster.driver(1).applied();
    ASSERT_GT(applied, newest);
    if (crash) {
      cluster.Crash(1, 7);
    } else {
      cluster.Stop(1);
    }
    cluster.Start(1);
    Driver& driver = cluster.driver(1);
    EXPECT_EQ(cluster.sm(1).restores, 1);
    EXPECT_EQ(driver.applied(), newest);  // restored from the newest kept snapshot
    EXPECT_EQ(driver.node().applied(), newest);
    EXPECT_EQ(driver.log().first_index(), b + 1);
    EXPECT_EQ(driver.log().Snapshot()->metadata.index, b);  // what followers would be sent
    cluster.ProposeAndCommit(Value(101));
    // Only the entries after the newest snapshot were applied again (plus the new ones).
    EXPECT_EQ(driver.stats().entries_applied, driver.applied() - newest);
    EXPECT_EQ(cluster.sm(1).values, Values(1, 101));
    ASSERT_NO_FATAL_FAILURE(ExpectSnapshotsAtSegmentStarts(driver));
  }
}

TEST(DriverHistoryErrorTest, SegmentSnapshotsNeedAHistoryStore) {
  storage::SimFilesystem fs;
  durable_test::RecordingStateMachine sm;
  durable_test::Network network;
  durable_test::QueueTransport transport(&network);
  DriverOptions options = SegmentSnapshots(1);
  options.log.keep_snapshot_history = false;
  auto driver = Driver::Bootstrap(fs, "/r", ConfState{{1}, {}}, options, &sm, &transport);
  EXPECT_EQ(driver.status().code(), absl::StatusCode::kInvalidArgument) << driver.status();
  EXPECT_FALSE(*fs.Exists("/r"));  // refused before anything was written
  auto opened = Driver::Open(fs, "/r", options, &sm, &transport);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument) << opened.status();
}

TEST(DriverHistoryErrorTest, CompactToRefusesWhatDoesNotQualifyWithoutBreakingTheDriver) {
  TestCluster cluster(1, [](NodeId id) { return SegmentSnapshots(id); });
  for (int i = 1; i <= 60; ++i) cluster.ProposeAndCommit(Value(i));
  Driver& driver = cluster.driver(1);
  const std::vector<uint64_t> kept = driver.log().SnapshotIndexes();
  ASSERT_GE(kept.size(), 2u);
  EXPECT_EQ(driver.CompactTo(kept[1] + 1).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(driver.CompactTo(driver.applied()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(driver.broken().ok());
  auto dropped = driver.CompactTo(kept[1]);
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_EQ(*dropped, 2u);
  EXPECT_EQ(driver.CompactTo(kept[1]).status().code(), absl::StatusCode::kFailedPrecondition);
  cluster.ProposeAndCommit(Value(61));
  EXPECT_EQ(cluster.sm(1).values, Values(1, 61));

  // A driver whose store keeps no history refuses CompactTo as well.
  TestCluster plain(1, [](NodeId id) { return TestCluster::DefaultOptions(id); });
  plain.ProposeAndCommit(Value(1));
  EXPECT_EQ(plain.driver(1).CompactTo(1).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(plain.driver(1).broken().ok());
}

TEST(DriverHistoryErrorTest, TakeSnapshotAddsToTheHistoryWithoutCompacting) {
  TestCluster cluster(1, [](NodeId id) { return SegmentSnapshots(id); });
  for (int i = 1; i <= 40; ++i) cluster.ProposeAndCommit(Value(i));
  Driver& driver = cluster.driver(1);
  const size_t kept = driver.log().SnapshotIndexes().size();
  ASSERT_TRUE(driver.TakeSnapshot().ok());
  EXPECT_EQ(driver.log().SnapshotIndexes().size(), kept + 1);
  EXPECT_EQ(driver.log().snapshot_index(), driver.applied());
  EXPECT_EQ(driver.log().first_index(), 1u);
}

}  // namespace
}  // namespace mq::raft
