#include "raft/durable/driver.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "raft/durable/test_cluster.h"

namespace mq::raft {
namespace {

using durable_test::RecordingStateMachine;
using durable_test::TestCluster;

std::string Value(int i) { return "value-" + std::to_string(i); }

std::vector<std::string> Values(int lo, int hi) {
  std::vector<std::string> out;
  for (int i = lo; i <= hi; ++i) out.push_back(Value(i));
  return out;
}

DriverOptions Deferred(NodeId id) {
  DriverOptions options = TestCluster::DefaultOptions(id);
  options.persist_mode = PersistMode::kDeferred;
  return options;
}

NodeId OtherThan(NodeId a, NodeId b = kNoNode) {
  for (NodeId id : {1, 2, 3}) {
    if (id != a && id != b) return id;
  }
  return kNoNode;
}

// With the third node cut off, the leader proposes "z" and one follower receives and writes it
// (a persist job pending, nothing acknowledged yet); returns {leader, follower}.
std::pair<NodeId, NodeId> OneFollowerWritesAnEntry(TestCluster& cluster) {
  const NodeId leader = cluster.WaitForLeader();
  cluster.ProposeAndCommit("warm-up");
  const NodeId follower = OtherThan(leader);
  cluster.Isolate(OtherThan(leader, follower), true);
  EXPECT_TRUE(cluster.driver(leader).Propose(Payload(std::string_view("z"))).ok());
  EXPECT_TRUE(cluster.driver(leader).ProcessReady().ok());
  cluster.DeliverAll();
  EXPECT_TRUE(cluster.driver(follower).ProcessReady().ok());
  return {leader, follower};
}

bool SentFrom(const durable_test::Network& network, NodeId from, MessageType type) {
  for (const Message& m : network.queue) {
    if (m.from == from && m.type == type) return true;
  }
  return false;
}

// ---- The inline loop ----

TEST(DriverTest, ElectsALeaderAndAppliesProposalsInTheSameOrderEverywhere) {
  TestCluster cluster(3, TestCluster::DefaultOptions);
  const NodeId leader = cluster.WaitForLeader();
  ASSERT_NE(leader, kNoNode);
  for (int i = 1; i <= 10; ++i) {
    ASSERT_TRUE(cluster.driver(leader).Propose(Payload(Value(i))).ok());
    if (i % 3 == 0) cluster.Stabilize();
  }
  std::vector<Payload> batch;
  for (int i = 11; i <= 20; ++i) batch.emplace_back(Value(i));
  ASSERT_TRUE(cluster.driver(leader).ProposeBatch(std::move(batch)).ok());
  cluster.Stabilize();
  for (NodeId id : cluster.ids()) {
    EXPECT_EQ(cluster.sm(id).values, Values(1, 20)) << "node " << id;
    EXPECT_EQ(cluster.driver(id).applied(), cluster.driver(leader).node().committed());
    EXPECT_EQ(cluster.driver(id).persists_pending(), 0u);
    EXPECT_FALSE(cluster.sm(id).soft_states.empty());
    EXPECT_EQ(cluster.sm(id).soft_states.back().leader, leader);
  }
  const DriverStats& stats = cluster.driver(leader).stats();
  EXPECT_EQ(stats.entries_applied, cluster.driver(leader).applied());
  EXPECT_GT(stats.syncs, 0u);
  EXPECT_GT(stats.messages_sent, 0u);
}

TEST(DriverTest, AProposalAtAFollowerIsRefusedWithAHint) {
  TestCluster cluster(3, TestCluster::DefaultOptions);
  const NodeId leader = cluster.WaitForLeader();
  auto refused = cluster.driver(OtherThan(leader)).Propose(Payload(std::string_view("x")));
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status()));
  EXPECT_TRUE(cluster.driver(OtherThan(leader)).broken().ok());  // nothing broke
}

TEST(DriverTest, ReadIndexIsServedOnceApplied) {
  TestCluster cluster(3, TestCluster::DefaultOptions);
  const NodeId leader = cluster.WaitForLeader();
  cluster.ProposeAndCommit("a");
  ASSERT_TRUE(cluster.driver(leader).ReadIndex("ctx-1").ok());
  const NodeId follower = OtherThan(leader);
  ASSERT_TRUE(cluster.driver(follower).ReadIndex("ctx-2").ok());
  cluster.Stabilize();
  ASSERT_EQ(cluster.sm(leader).reads.size(), 1u);
  EXPECT_EQ(cluster.sm(leader).reads[0].context, "ctx-1");
  EXPECT_LE(cluster.sm(leader).reads[0].index, cluster.driver(leader).applied());
  ASSERT_EQ(cluster.sm(follower).reads.size(), 1u);
  EXPECT_EQ(cluster.sm(follower).reads[0].context, "ctx-2");
  EXPECT_LE(cluster.sm(follower).reads[0].index, cluster.driver(follower).applied());
}

TEST(DriverTest, EveryNodeRestartsFromDiskAfterACleanStopOrACrash) {
  TestCluster cluster(3, TestCluster::DefaultOptions);
  int next = 1;
  for (; next <= 15; ++next) cluster.ProposeAndCommit(Value(next));
  uint64_t seed = 1;
  for (bool crash : {false, true}) {
    for (NodeId id : cluster.ids()) {
      SCOPED_TRACE(::testing::Message() << "node " << id << (crash ? " crash" : " stop"));
      const std::vector<std::string> before = cluster.sm(id).values;
      const HardState hard_state = cluster.driver(id).log().stored_hard_state();
      if (crash) {
        cluster.Crash(id, seed++);
      } else {
        cluster.Stop(id);
      }
      cluster.Start(id);
      // Nothing synced was lost: the stored hard state is at least what it was.
      const HardState after = cluster.driver(id).log().hard_state();
      EXPECT_GE(after.term, hard_state.term);
      EXPECT_GE(after.commit, hard_state.commit);
      // Re-applied from its own log up to the commit index it stored: a prefix of before.
      ASSERT_TRUE(cluster.driver(id).ProcessReady().ok());
      const std::vector<std::string>& now = cluster.sm(id).values;
      ASSERT_LE(now.size(), before.size());
      EXPECT_TRUE(std::equal(now.begin(), now.end(), before.begin()));
      cluster.ProposeAndCommit(Value(next++));
      for (NodeId other : cluster.ids()) {
        EXPECT_EQ(cluster.sm(other).values, Values(1, next - 1)) << "node " << other;
      }
    }
  }
}

TEST(DriverTest, ALaggingNodeIsSentASnapshotAndRestartsFromIt) {
  TestCluster cluster(3, [](NodeId id) {
    DriverOptions options = TestCluster::DefaultOptions(id);
    options.snapshot_entries_interval = 10;
    options.snapshot_keep_entries = 0;
    return options;
  });
  const NodeId leader = cluster.WaitForLeader();
  const NodeId lagging = OtherThan(leader);
  cluster.Isolate(lagging, true);
  for (int i = 1; i <= 60; ++i) cluster.ProposeAndCommit(Value(i));
  Driver& lead = cluster.driver(leader);
  EXPECT_GE(lead.stats().snapshots_taken, 1u);
  ASSERT_GT(lead.log().first_index(), cluster.driver(lagging).log().last_index() + 1)
      << "the leader must have compacted past the lagging node";

  cluster.Isolate(lagging, false);
  for (int tick = 0; tick < 20; ++tick) {
    cluster.TickAll();
    cluster.Stabilize();
  }
  EXPECT_GE(cluster.driver(lagging).stats().snapshots_installed, 1u);
  EXPECT_GE(cluster.sm(lagging).restores, 1);
  EXPECT_EQ(cluster.sm(lagging).values, Values(1, 60));

  cluster.Crash(lagging, 99);
  cluster.Start(lagging);
  EXPECT_EQ(cluster.sm(lagging).restores, 1);  // from its stored snapshot
  cluster.ProposeAndCommit(Value(61));
  EXPECT_EQ(cluster.sm(lagging).values, Values(1, 61));
  EXPECT_EQ(cluster.sm(leader).values, Values(1, 61));
}

TEST(DriverTest, TakeSnapshotCompactsOnDemand) {
  TestCluster cluster(1, [](NodeId id) {
    DriverOptions options = TestCluster::DefaultOptions(id);
    options.snapshot_entries_interval = 0;  // never on its own
    options.snapshot_keep_entries = 5;
    return options;
  });
  for (int i = 1; i <= 80; ++i) cluster.ProposeAndCommit(Value(i));
  Driver& driver = cluster.driver(1);
  EXPECT_EQ(driver.stats().snapshots_taken, 0u);
  const size_t segments = driver.log().segment_count();
  ASSERT_TRUE(driver.TakeSnapshot().ok());
  EXPECT_EQ(driver.log().snapshot_index(), driver.applied());
  EXPECT_LT(driver.log().segment_count(), segments);
  EXPECT_TRUE(driver.TakeSnapshot().ok());  // nothing new: a no-op
  EXPECT_EQ(driver.stats().snapshots_taken, 1u);
  cluster.Stop(1);
  cluster.Start(1);
  EXPECT_EQ(cluster.sm(1).values, Values(1, 80));
}

TEST(DriverTest, ANewNodeJoinsAsALearnerAndCatchesUp) {
  TestCluster cluster(3, TestCluster::DefaultOptions);
  for (int i = 1; i <= 5; ++i) cluster.ProposeAndCommit(Value(i));
  cluster.AddJoiningNode(4);
  const NodeId leader = cluster.Leader();
  ASSERT_TRUE(
      cluster.driver(leader).ProposeConfChange(ConfChange{ConfChangeType::kAddLearner, 4}).ok());
  for (int tick = 0; tick < 10; ++tick) {
    cluster.TickAll();
    cluster.Stabilize();
  }
  cluster.ProposeAndCommit(Value(6));
  EXPECT_EQ(cluster.sm(4).values, Values(1, 6));
  EXPECT_TRUE(IsLearner(cluster.driver(4).node().conf_state(), 4));
}

// ---- Deferred persistence ----

TEST(DriverDeferredTest, TheLeaderCountsItsOwnEntriesOnlyAfterCompletePersist) {
  TestCluster cluster(3, Deferred);
  const NodeId leader = cluster.WaitForLeader();
  ASSERT_NE(leader, kNoNode);
  cluster.ProposeAndCommit("warm-up");
  const NodeId slow = OtherThan(leader);
  const NodeId fast = OtherThan(leader, slow);
  cluster.Isolate(slow, true);

  auto index = cluster.driver(leader).Propose(Payload(std::string_view("x")));
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE(cluster.driver(leader).ProcessReady().ok());
  EXPECT_EQ(cluster.driver(leader).persists_pending(), 1u);
  cluster.DeliverAll();  // the append reaches `fast`
  ASSERT_TRUE(cluster.driver(fast).ProcessReady().ok());
  ASSERT_TRUE(cluster.driver(fast).CompletePersist().ok());
  ASSERT_TRUE(cluster.driver(fast).ProcessReady().ok());
  cluster.DeliverAll();  // its acknowledgement reaches the leader
  ASSERT_TRUE(cluster.driver(leader).ProcessReady().ok());
  // One durable copy of three: not committed until the leader's own fsync reports.
  EXPECT_LT(cluster.driver(leader).node().committed(), *index);

  ASSERT_TRUE(cluster.driver(leader).CompletePersist().ok());
  EXPECT_EQ(cluster.driver(leader).persists_pending(), 0u);
  ASSERT_TRUE(cluster.driver(leader).ProcessReady().ok());
  EXPECT_GE(cluster.driver(leader).node().committed(), *index);
  EXPECT_GE(cluster.driver(leader).applied(), *index);
  EXPECT_EQ(cluster.sm(leader).values.back(), "x");
}

TEST(DriverDeferredTest, TheLeaderCommitsWhileItsOwnFsyncIsPendingButAppliesAfter) {
  TestCluster cluster(3, [](NodeId id) {
    // Only the leader defers; the followers sync inline.
    return id == 1 ? Deferred(id) : TestCluster::DefaultOptions(id);
  });
  // Make node 1 the leader.
  for (int i = 0; i < 200 && cluster.Leader() != 1; ++i) {
    if (cluster.Leader() != kNoNode) {
      cluster.driver(cluster.Leader()).TransferLeader(1).IgnoreError();
    }
    cluster.TickAll();
    cluster.Stabilize();
  }
  ASSERT_EQ(cluster.Leader(), 1u);
  cluster.ProposeAndCommit("warm-up");

  auto index = cluster.driver(1).Propose(Payload(std::string_view("y")));
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE(cluster.driver(1).ProcessReady().ok());
  ASSERT_EQ(cluster.driver(1).persists_pending(), 1u);
  // Both followers persist and acknowledge; the leader's disk has not reported yet.
  for (int round = 0; round < 3; ++round) {
    cluster.DeliverAll();
    for (NodeId id : {2, 3}) ASSERT_TRUE(cluster.driver(id).ProcessReady().ok());
  }
  ASSERT_TRUE(cluster.driver(1).ProcessReady().ok());
  EXPECT_GE(cluster.driver(1).node().committed(), *index);  // a majority holds it durably
  EXPECT_LT(cluster.driver(1).applied(), *index);  // but not this node: not applied here yet
  EXPECT_NE(cluster.sm(1).values.back(), "y");

  ASSERT_TRUE(cluster.driver(1).CompletePersist().ok());
  ASSERT_TRUE(cluster.driver(1).ProcessReady().ok());
  EXPECT_GE(cluster.driver(1).applied(), *index);
  EXPECT_EQ(cluster.sm(1).values.back(), "y");
}

TEST(DriverDeferredTest, AFollowerAcknowledgesOnlyAfterCompletePersist) {
  TestCluster cluster(3, Deferred);
  const auto [leader, follower] = OneFollowerWritesAnEntry(cluster);
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_EQ(cluster.driver(follower).persists_pending(), 1u);
  EXPECT_FALSE(SentFrom(cluster.network(), follower, MessageType::kAppendResponse));
  ASSERT_TRUE(cluster.driver(follower).CompletePersist().ok());
  EXPECT_TRUE(SentFrom(cluster.network(), follower, MessageType::kAppendResponse));
}

TEST(DriverDeferredTest, OneFsyncCompletesManyJobs) {
  TestCluster cluster(1, Deferred);
  cluster.ProposeAndCommit("warm-up");
  Driver& driver = cluster.driver(1);
  const DriverStats before = driver.stats();
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(driver.Propose(Payload(Value(i))).ok());
    ASSERT_TRUE(driver.ProcessReady().ok());
  }
  EXPECT_EQ(driver.persists_pending(), 5u);
  EXPECT_TRUE(cluster.sm(1).values == std::vector<std::string>{"warm-up"});
  ASSERT_TRUE(driver.CompletePersist().ok());
  EXPECT_EQ(driver.stats().syncs, before.syncs + 1);
  EXPECT_EQ(driver.stats().persist_jobs, before.persist_jobs + 5);
  ASSERT_TRUE(driver.ProcessReady().ok());
  std::vector<std::string> want = {"warm-up"};
  for (const std::string& v : Values(1, 5)) want.push_back(v);
  EXPECT_EQ(cluster.sm(1).values, want);
  EXPECT_TRUE(driver.CompletePersist().ok());  // nothing pending: a no-op
  EXPECT_EQ(driver.stats().syncs, before.syncs + 1);
}

// An old leader with two jobs pending rejoins and has its suffix overwritten. `synced`: a disk
// thread's SyncLogOnly already covered the jobs, but their CompleteDurable has not run (the
// split); the cut completes them all the same.
void TruncateWithPendingJobs(bool synced) {
  TestCluster cluster(3, Deferred);
  cluster.split_completion = synced;
  const NodeId old_leader = cluster.WaitForLeader();
  cluster.ProposeAndCommit("common");
  // The old leader appends entries nobody else sees, and its disk has not reported them.
  cluster.Isolate(old_leader, true);
  ASSERT_TRUE(cluster.driver(old_leader).Propose(Payload(std::string_view("lost-1"))).ok());
  ASSERT_TRUE(cluster.driver(old_leader).ProcessReady().ok());
  ASSERT_TRUE(cluster.driver(old_leader).Propose(Payload(std::string_view("lost-2"))).ok());
  ASSERT_TRUE(cluster.driver(old_leader).ProcessReady().ok());
  ASSERT_EQ(cluster.driver(old_leader).persists_pending(), 2u);
  if (synced) {
    ASSERT_TRUE(cluster.driver(old_leader).SyncLogOnly().ok());
    ASSERT_EQ(cluster.driver(old_leader).log().durable_index(),
              cluster.driver(old_leader).log().last_index());
  }
  const uint64_t syncs = cluster.driver(old_leader).stats().syncs;
  const uint64_t jobs = cluster.driver(old_leader).stats().persist_jobs;
  cluster.network().queue.clear();

  // The others elect a new leader and commit over the same indexes.
  const NodeId a = OtherThan(old_leader);
  const NodeId b = OtherThan(old_leader, a);
  for (int tick = 0;
       tick < 100 && !cluster.driver(a).node().is_leader() && !cluster.driver(b).node().is_leader();
       ++tick) {
    cluster.driver(a).Tick();
    cluster.driver(b).Tick();
    for (NodeId id : {a, b}) ASSERT_TRUE(cluster.driver(id).ProcessReady().ok());
    for (NodeId id : {a, b}) cluster.Complete(id);
    cluster.DeliverAll();
  }
  const NodeId new_leader = cluster.driver(a).node().is_leader() ? a : b;
  ASSERT_TRUE(cluster.driver(new_leader).node().is_leader());
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(cluster.driver(new_leader).Propose(Payload(Value(i))).ok());
  }
  for (int round = 0; round < 10; ++round) {
    for (NodeId id : {a, b}) {
      ASSERT_TRUE(cluster.driver(id).ProcessReady().ok());
      cluster.Complete(id);
    }
    cluster.DeliverAll();
  }

  // The old leader rejoins with its jobs still pending; the new leader overwrites them.
  cluster.Isolate(old_leader, false);
  for (int tick = 0; tick < 5; ++tick) {
    cluster.driver(new_leader).Tick();
    for (int round = 0; round < 5; ++round) {
      cluster.DeliverAll();
      // Only ProcessReady for the old leader: any sync it does is the truncation's own.
      ASSERT_TRUE(cluster.driver(old_leader).ProcessReady().ok());
      for (NodeId id : {a, b}) {
        ASSERT_TRUE(cluster.driver(id).ProcessReady().ok());
        cluster.Complete(id);
      }
    }
  }
  EXPECT_GE(cluster.driver(old_leader).log().stats().truncations, 1u);
  // The jobs were completed before the cut (synced again: a no-op sync when already durable).
  EXPECT_GT(cluster.driver(old_leader).stats().syncs, syncs);
  EXPECT_GE(cluster.driver(old_leader).stats().persist_jobs, jobs + 2);
  EXPECT_TRUE(cluster.driver(old_leader).CompleteDurable().ok());  // nothing left: a no-op
  cluster.Stabilize();
  std::vector<std::string> want = {"common"};
  for (const std::string& v : Values(1, 3)) want.push_back(v);
  for (NodeId id : cluster.ids()) EXPECT_EQ(cluster.sm(id).values, want) << "node " << id;
}

TEST(DriverDeferredTest, ATruncationCompletesPendingJobsFirst) { TruncateWithPendingJobs(false); }

TEST(DriverSplitTest, ATruncationCompletesJobsASyncCoveredButDidNotDeliver) {
  TruncateWithPendingJobs(true);
}

TEST(DriverDeferredTest, CloseCompletesPendingPersistence) {
  TestCluster cluster(1, Deferred);
  cluster.ProposeAndCommit("a");
  ASSERT_TRUE(cluster.driver(1).Propose(Payload(std::string_view("b"))).ok());
  ASSERT_TRUE(cluster.driver(1).ProcessReady().ok());
  ASSERT_EQ(cluster.driver(1).persists_pending(), 1u);
  const uint64_t last = cluster.driver(1).log().last_index();
  cluster.Stop(1);
  Prng prng(5);
  cluster.fs(1).Crash(prng);  // nothing unsynced may remain after Close
  cluster.Start(1);
  EXPECT_EQ(cluster.driver(1).log().last_index(), last);
}

TEST(DriverDeferredTest, ACrashLosesOnlyWhatWasNotCompleted) {
  TestCluster cluster(1, Deferred);
  cluster.ProposeAndCommit("a");
  ASSERT_TRUE(cluster.driver(1).Propose(Payload(std::string_view("b"))).ok());
  ASSERT_TRUE(cluster.driver(1).ProcessReady().ok());
  const uint64_t durable = cluster.driver(1).log().durable_index();
  cluster.Crash(1, 3);
  cluster.Start(1);
  EXPECT_GE(cluster.driver(1).log().last_index(), durable);
  cluster.ProposeAndCommit("c");
  EXPECT_EQ(cluster.sm(1).values.front(), "a");
  EXPECT_EQ(cluster.sm(1).values.back(), "c");
}

// ---- Deferred persistence, split for a disk thread (SyncLogOnly + CompleteDurable) ----

TEST(DriverSplitTest, AClusterRunsOnSplitCompletionsAndRestarts) {
  TestCluster cluster(3, Deferred);
  cluster.split_completion = true;
  for (int i = 1; i <= 10; ++i) cluster.ProposeAndCommit(Value(i));
  const NodeId leader = cluster.Leader();
  const NodeId follower = OtherThan(leader);
  cluster.Crash(follower, 7);
  cluster.Start(follower);
  for (int i = 11; i <= 20; ++i) cluster.ProposeAndCommit(Value(i));
  cluster.Stabilize();
  for (NodeId id : cluster.ids()) {
    SCOPED_TRACE(::testing::Message() << "node " << id);
    EXPECT_EQ(cluster.sm(id).values, Values(1, 20));
    EXPECT_EQ(cluster.driver(id).persists_pending(), 0u);
    EXPECT_GT(cluster.driver(id).stats().durable_completions, 0u);
    EXPECT_GT(cluster.driver(id).log().stats().syncs, 0u);
  }
}

TEST(DriverSplitTest, JobsPastTheDurableIndexStayPendingUntilALaterRound) {
  TestCluster cluster(1, Deferred);
  cluster.ProposeAndCommit("warm-up");
  Driver& driver = cluster.driver(1);
  ASSERT_TRUE(driver.Propose(Payload(std::string_view("a"))).ok());
  ASSERT_TRUE(driver.ProcessReady().ok());
  ASSERT_EQ(driver.persists_pending(), 1u);
  // Nothing durable yet: a completion delivers nothing (and writes no hard state).
  const DriverStats before = driver.stats();
  const uint64_t hard_state_writes = driver.log().stats().hard_state_writes;
  ASSERT_TRUE(driver.CompleteDurable().ok());
  EXPECT_EQ(driver.persists_pending(), 1u);
  EXPECT_EQ(driver.stats().durable_completions, before.durable_completions);
  EXPECT_EQ(driver.log().stats().hard_state_writes, hard_state_writes);

  // The disk thread's sync covers "a"; "b" is appended while it runs.
  auto durable = driver.SyncLogOnly();
  ASSERT_TRUE(durable.ok());
  const uint64_t index_a = driver.log().last_index();
  EXPECT_EQ(*durable, index_a);
  ASSERT_TRUE(driver.Propose(Payload(std::string_view("b"))).ok());
  ASSERT_TRUE(driver.ProcessReady().ok());
  ASSERT_EQ(driver.persists_pending(), 2u);
  EXPECT_GT(driver.log().last_index(), driver.log().durable_index());

  ASSERT_TRUE(driver.CompleteDurable().ok());
  EXPECT_EQ(driver.persists_pending(), 1u);  // "b" waits for the next round
  EXPECT_EQ(driver.stats().durable_completions, before.durable_completions + 1);
  ASSERT_TRUE(driver.ProcessReady().ok());
  EXPECT_EQ(cluster.sm(1).values, (std::vector<std::string>{"warm-up", "a"}));
  EXPECT_EQ(driver.node().Status().persisted_index, index_a);

  ASSERT_TRUE(driver.SyncLogOnly().ok());
  ASSERT_TRUE(driver.CompleteDurable().ok());
  EXPECT_EQ(driver.persists_pending(), 0u);
  ASSERT_TRUE(driver.ProcessReady().ok());
  EXPECT_EQ(cluster.sm(1).values, (std::vector<std::string>{"warm-up", "a", "b"}));
  // SyncLogOnly syncs the log alone; the syncs of the driver count its own Sync calls.
  EXPECT_EQ(driver.stats().syncs, before.syncs);
}

TEST(DriverSplitTest, TheHardStateIsWrittenBeforeAVoteGoesOut) {
  TestCluster cluster(3, Deferred);
  cluster.split_completion = true;
  const NodeId old_leader = cluster.WaitForLeader();
  ASSERT_NE(old_leader, kNoNode);
  cluster.ProposeAndCommit("a");
  cluster.Isolate(old_leader, true);
  const NodeId a = OtherThan(old_leader);
  const NodeId b = OtherThan(old_leader, a);
  bool checked = false;
  for (int tick = 0;
       tick < 200 && !cluster.driver(a).node().is_leader() && !cluster.driver(b).node().is_leader();
       ++tick) {
    for (NodeId id : {a, b}) {
      cluster.driver(id).Tick();
      ASSERT_TRUE(cluster.driver(id).ProcessReady().ok());
    }
    for (NodeId id : {a, b}) {
      Driver& d = cluster.driver(id);
      const HardState& wanted = d.log().hard_state();
      const bool granting = wanted.vote != kNoNode && wanted.vote != id &&
                            d.log().stored_hard_state().vote != wanted.vote;
      if (granting) {
        // A vote for the other node is recorded, not yet on disk: the grant must wait.
        EXPECT_GT(d.persists_pending(), 0u);
        EXPECT_FALSE(SentFrom(cluster.network(), id, MessageType::kVoteResponse));
        ASSERT_TRUE(d.SyncLogOnly().ok());
        EXPECT_FALSE(SentFrom(cluster.network(), id, MessageType::kVoteResponse));
        ASSERT_TRUE(d.CompleteDurable().ok());
        EXPECT_EQ(d.log().stored_hard_state().vote, wanted.vote);
        EXPECT_EQ(d.log().stored_hard_state().term, wanted.term);
        EXPECT_TRUE(SentFrom(cluster.network(), id, MessageType::kVoteResponse));
        checked = true;
      }
      cluster.Complete(id);
    }
    cluster.DeliverAll();
  }
  EXPECT_TRUE(checked);
  EXPECT_TRUE(cluster.driver(a).node().is_leader() || cluster.driver(b).node().is_leader());
}

TEST(DriverSplitTest, ACrashBetweenTheSyncAndItsCompletionKeepsTheEntryButSentNoAck) {
  TestCluster cluster(3, Deferred);
  cluster.split_completion = true;
  const auto [leader, follower] = OneFollowerWritesAnEntry(cluster);
  ASSERT_FALSE(::testing::Test::HasFailure());
  ASSERT_EQ(cluster.driver(follower).persists_pending(), 1u);
  ASSERT_TRUE(cluster.driver(follower).SyncLogOnly().ok());
  const uint64_t durable = cluster.driver(follower).log().durable_index();
  EXPECT_FALSE(SentFrom(cluster.network(), follower, MessageType::kAppendResponse));
  cluster.Crash(follower, 11);  // power loss before CompleteDurable
  EXPECT_FALSE(SentFrom(cluster.network(), follower, MessageType::kAppendResponse));
  cluster.Start(follower);
  EXPECT_EQ(cluster.driver(follower).log().last_index(), durable);
}

// ---- Errors ----

TEST(DriverErrorTest, BootstrapAndOpenValidate) {
  storage::SimFilesystem fs;
  RecordingStateMachine sm;
  durable_test::Network network;
  durable_test::QueueTransport transport(&network);
  DriverOptions options = TestCluster::DefaultOptions(1);
  EXPECT_TRUE(absl::IsNotFound(Driver::Open(fs, "/x", options, &sm, &transport).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      Driver::Bootstrap(fs, "/x", ConfState{{1}, {}}, options, nullptr, &transport).status()));
  DriverOptions applied = options;
  applied.raft.applied_index = 3;
  EXPECT_TRUE(absl::IsInvalidArgument(Driver::Open(fs, "/x", applied, &sm, &transport).status()));
  DriverOptions bad_config = options;
  bad_config.raft.id = kNoNode;
  EXPECT_TRUE(absl::IsInvalidArgument(
      Driver::Bootstrap(fs, "/y", ConfState{{1}, {}}, bad_config, &sm, &transport).status()));
  ASSERT_TRUE(Driver::Bootstrap(fs, "/z", ConfState{{1}, {}}, options, &sm, &transport).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(
      Driver::Bootstrap(fs, "/z", ConfState{{1}, {}}, options, &sm, &transport).status()));
}

TEST(DriverErrorTest, AFailingStateMachineBreaksTheDriverUntilReopened) {
  TestCluster cluster(3, TestCluster::DefaultOptions);
  const NodeId leader = cluster.WaitForLeader();
  cluster.ProposeAndCommit("a");
  const NodeId victim = OtherThan(leader);
  cluster.sm(victim).fail_apply = true;
  ASSERT_TRUE(cluster.driver(leader).Propose(Payload(std::string_view("b"))).ok());
  cluster.Stabilize();
  Driver& broken = cluster.driver(victim);
  ASSERT_FALSE(broken.broken().ok());
  EXPECT_TRUE(absl::IsInternal(broken.broken()));
  EXPECT_TRUE(absl::IsFailedPrecondition(broken.Step(Message{})));
  EXPECT_TRUE(absl::IsFailedPrecondition(broken.ProcessReady()));
  EXPECT_TRUE(absl::IsFailedPrecondition(broken.CompletePersist()));
  EXPECT_TRUE(absl::IsFailedPrecondition(broken.CompleteDurable()));
  EXPECT_TRUE(absl::IsFailedPrecondition(broken.Propose(Payload()).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(broken.TakeSnapshot()));
  broken.Tick();  // harmless
  EXPECT_FALSE(broken.Close().ok());

  cluster.Crash(victim, 1);  // the way on: reopen from disk
  cluster.Start(victim);
  cluster.ProposeAndCommit("c");
  EXPECT_EQ(cluster.sm(victim).values, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(DriverErrorTest, AClosedDriverRefusesWork) {
  TestCluster cluster(1, TestCluster::DefaultOptions);
  cluster.ProposeAndCommit("a");
  Driver& driver = cluster.driver(1);
  ASSERT_TRUE(driver.Close().ok());
  EXPECT_TRUE(driver.Close().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(driver.ProcessReady()));
  EXPECT_TRUE(absl::IsFailedPrecondition(driver.Propose(Payload()).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(driver.ReadIndex("r")));
  EXPECT_TRUE(absl::IsFailedPrecondition(driver.TransferLeader(1)));
  EXPECT_TRUE(absl::IsFailedPrecondition(driver.CompleteDurable()));
  EXPECT_TRUE(absl::IsFailedPrecondition(driver.SyncLogOnly().status()));  // the log is closed
}

// A transport that feeds messages straight back into the driver: forbidden.
class ReentrantTransport final : public Transport {
 public:
  void Send(Message message) override { driver->Step(std::move(message)).IgnoreError(); }
  Driver* driver = nullptr;
};

TEST(DriverDeathTest, StepFromInsideACycleIsAProgrammerError) {
  EXPECT_DEATH(
      {
        storage::SimFilesystem fs;
        RecordingStateMachine sm;
        ReentrantTransport transport;
        auto driver = Driver::Bootstrap(fs, "/r", ConfState{{1, 2}, {}},
                                        TestCluster::DefaultOptions(1), &sm, &transport);
        transport.driver = driver->get();
        for (int i = 0; i < 100; ++i) {
          (*driver)->Tick();
          (*driver)->ProcessReady().IgnoreError();
        }
      },
      "inside a Ready cycle");
}

}  // namespace
}  // namespace mq::raft
