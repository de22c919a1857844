// Cluster-level scenarios for the claims of the Raft paper (and the thesis's PreVote and
// CheckQuorum), each told step by step on the simulator: real nodes (core, driver, log store on
// a simulated disk) on a simulated network whose rules the test sets. The core's own unit
// tests prove the same claims message by message; these prove them for whole clusters, with
// every safety invariant of the Checker watching each step.
//
// The levers: `Rules` decides who may campaign and which messages the network loses;
// Crash/Restart; partitions; ticks of 10 ms, an election timeout of 10 ticks.

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "raft/conf_change.h"
#include "raft/durable/raft_log_store.h"
#include "tests/sim/simulator.h"

namespace mq::sim {
namespace {

using raft::MessageType;
using raft::NodeId;

constexpr uint64_t kMs = 1000;
constexpr uint64_t kSecond = 1000 * kMs;

// A quiet cluster: no nemesis, no background client, no message faults, no clock drift, 1 ms
// links, 1 ms fsyncs (deferred, so leaders write in parallel with replication), no automatic
// snapshots.
SimOptions Quiet(int voters) {
  SimOptions o;
  o.seed = 7;
  o.voters = voters;
  o.tick_us = 10 * kMs;
  o.tick_skew_per_mille = 0;
  o.tick_jitter_per_mille = 0;
  o.raft.election_timeout_ticks = 10;
  o.raft.heartbeat_timeout_ticks = 1;
  o.deferred_percent = 100;
  o.disk_latency_us_min = o.disk_latency_us_max = 1 * kMs;
  o.snapshot_entries_interval = 0;
  o.snapshot_keep_entries = 0;
  o.segment_bytes_max = 64 << 10;
  o.network.latency_us_min = o.network.latency_us_max = 1 * kMs;
  o.network.unreachable_report_per_10k = 0;
  o.nemesis.enabled = false;
  return o;
}

// Who may campaign, and which messages the network loses.
struct Rules {
  std::set<NodeId> campaigners;  // empty: anyone
  std::function<bool(const raft::Message&)> drop;

  void Install(Simulator& sim) {
    sim.network().SetFilter([this](const raft::Message& m) {
      const bool campaign = m.type == MessageType::kVote || m.type == MessageType::kPreVote;
      if (campaign && !campaigners.empty() && campaigners.count(m.from) == 0) return false;
      return !(drop && drop(m));
    });
  }
};

bool CarriesIndex(const raft::Message& m, uint64_t index) {
  for (const raft::Entry& e : m.entries) {
    if (e.index == index) return true;
  }
  return false;
}

const raft::RawNode& Raw(Simulator& sim, NodeId id) { return sim.node(id)->driver().node(); }

// The term of the entry at `index` in a node's log (0: none, or the node is down).
uint64_t TermAt(Simulator& sim, NodeId id, uint64_t index) {
  if (!sim.node(id)->up()) return 0;
  return Raw(sim, id).raft().log().TermOrZero(index);
}

NodeId WaitForLeader(Simulator& sim, uint64_t us_max = 5 * kSecond) {
  sim.RunUntil([&] { return sim.Leader() != raft::kNoNode; }, us_max);
  return sim.Leader();
}

// A leader that has committed the no-op of its term (it then accepts configuration changes).
NodeId WaitForReadyLeader(Simulator& sim, uint64_t us_max = 5 * kSecond) {
  sim.RunUntil(
      [&] {
        const NodeId leader = sim.Leader();
        if (leader == raft::kNoNode) return false;
        const raft::RawNode& r = sim.node(leader)->driver().node();
        return r.raft().log().TermOrZero(r.committed()) == r.term();
      },
      us_max);
  return sim.Leader();
}

// Runs until every running node in `ids` has applied `index`.
bool WaitApplied(Simulator& sim, const std::vector<NodeId>& ids, uint64_t index,
                 uint64_t us_max = 5 * kSecond) {
  return sim.RunUntil(
      [&] {
        for (NodeId id : ids) {
          if (!sim.node(id)->up() || sim.node(id)->driver().applied() < index) return false;
        }
        return true;
      },
      us_max);
}

// The simulation's verdict, with the evidence when it is not clean.
std::string Verdict(Simulator& sim) {
  if (!sim.failed()) return "ok";
  return absl::StrFormat("%s\ncluster:\n%s\ntrace:\n%s", sim.checker().failure(),
                         sim.ClusterStatus(), sim.trace().Tail(60));
}

#define EXPECT_SIM_OK(sim) EXPECT_FALSE((sim).failed()) << Verdict(sim)

// ---------------------------------------------------------------------------------------------
// Figure 7: whatever the followers' logs hold when a leader comes to power -- missing entries,
// extra uncommitted entries, entries of terms it never saw -- the leader makes them all equal
// to its own, overwriting what conflicts.

TEST(PaperFigure7, LeaderForcesEveryFollowerLogToMatchItsOwn) {
  // The logs of the figure (terms of indexes 1, 2, ...), leader first, then (a) to (f).
  const std::vector<std::vector<uint64_t>> figure = {
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6},        // S1: the leader-to-be
      {1, 1, 1, 4, 4, 5, 5, 6, 6},           // (a) misses one entry
      {1, 1, 1, 4},                          // (b) misses many
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},     // (c) one extra entry of term 6
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},  // (d) extra entries of term 7
      {1, 1, 1, 4, 4, 4, 4},                 // (e) extra entries of term 4
      {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},     // (f) a whole history of terms 2 and 3
  };
  // Every group's log starts with its founding configuration (raft/bootstrap.h: one entry per
  // member, term 1); the figure's entries follow it, terms shifted by one to stay after it.
  raft::ConfState founding;
  for (NodeId id = 1; id <= 7; ++id) founding.voters.push_back(id);
  uint64_t base = 0;

  Simulator sim(Quiet(7));
  Rules rules;
  rules.campaigners = {1};  // only S1 campaigns, as in the figure
  rules.Install(sim);
  sim.BootPrepared([&](NodeId id, storage::SimFilesystem& fs,
                       const raft::DriverOptions& driver_options) -> absl::Status {
    absl::StatusOr<std::unique_ptr<raft::RaftLogStore>> store =
        raft::RaftLogStore::Create(fs, SimNode::kDir, founding, driver_options.log);
    if (!store.ok()) return store.status();
    base = (*store)->last_index();
    std::vector<raft::Entry> entries;
    raft::HardState hs = (*store)->hard_state();
    for (uint64_t term : figure[id - 1]) {
      raft::Entry e;
      e.index = base + entries.size() + 1;
      e.term = term + 1;
      e.data = raft::Payload(absl::StrFormat("figure7 %d/t%d", e.index, e.term));
      hs.term = e.term;  // each node has seen the terms of its own log
      entries.push_back(std::move(e));
    }
    if (absl::Status s = (*store)->Append(entries); !s.ok()) return s;
    (*store)->SetHardState(hs);
    return (*store)->Close();
  });
  ASSERT_FALSE(sim.failed()) << Verdict(sim);
  ASSERT_EQ(base, 7u);

  // S1 wins: (a), (b), (e), (f) vote for it (its log is at least as up to date); (c) has a
  // longer log of the same last term and (d) a later last term, so they refuse. 5 of 7.
  ASSERT_EQ(WaitForLeader(sim), 1u) << Verdict(sim);
  const uint64_t leader_term = Raw(sim, 1).term();
  EXPECT_GT(leader_term, 8u);  // past every term in the logs (7 + 1 shift)
  const uint64_t last = Raw(sim, 1).last_index();
  EXPECT_EQ(last, base + 10 + 1);  // its log plus the no-op of its term
  ASSERT_TRUE(WaitApplied(sim, {1, 2, 3, 4, 5, 6, 7}, last)) << Verdict(sim);

  for (NodeId id = 2; id <= 7; ++id) {
    SCOPED_TRACE(absl::StrFormat("follower S%d", id));
    EXPECT_EQ(Raw(sim, id).last_index(), last);  // (c), (d) lost their extra entries
    for (uint64_t i = 1; i <= last; ++i) EXPECT_EQ(TermAt(sim, id, i), TermAt(sim, 1, i)) << i;
    EXPECT_EQ(sim.node(id)->state_machine().state(), sim.node(1)->state_machine().state());
  }
  EXPECT_SIM_OK(sim);
}

// ---------------------------------------------------------------------------------------------
// Figure 8: a leader must not decide that an entry of an earlier term is committed because it
// is stored on a majority; a later leader may still overwrite it. Only an entry of the
// leader's own term commits by counting replicas (and commits everything before it).
//
//   (a) S1 leads term T1 and replicates x (index X) to S2 only.
//   (b) S1 crashes; S5 wins term T2 with S3, S4 and appends its own entry at X.
//   (c) S5 crashes; S1 restarts, wins term T3 and copies x to S3 (and S4): x is on a
//       majority, but S1's entry of term T3 (index X+1) is not.
//   (d) S1 crashes; S5 can win again (its last term T2 beats T1) and overwrites x everywhere.
//   (e) (second test) had S1 replicated its own term's entry to a majority in (c), x would be
//       committed and S5 could never win.

struct Figure8 {
  Simulator sim{Figure8Options()};
  Rules rules;
  uint64_t x_index = 0;
  uint64_t t1 = 0;
  uint64_t t2 = 0;
  uint64_t t3 = 0;

  static SimOptions Figure8Options() {
    SimOptions o = Quiet(5);
    o.raft.append_entries_bytes_max = 1;  // one entry per append: single entries can be lost
    o.raft.inflight_bytes_max = 1;
    return o;
  }

  // Steps (a) to (c). `block_own_term_entry`: S1's entry of term T3 never leaves S1.
  void RunToC(bool block_own_term_entry) {
    rules.Install(sim);
    sim.Boot();
    // (a)
    rules.campaigners = {1};
    ASSERT_EQ(WaitForLeader(sim), 1u) << Verdict(sim);
    t1 = Raw(sim, 1).term();
    const uint64_t noop = Raw(sim, 1).last_index();
    ASSERT_TRUE(WaitApplied(sim, {1, 2, 3, 4, 5}, noop)) << Verdict(sim);
    x_index = noop + 1;
    rules.drop = [this](const raft::Message& m) {
      return m.type == MessageType::kAppend && m.from == 1 && m.to != 2 && CarriesIndex(m, x_index);
    };
    absl::StatusOr<uint64_t> x = sim.Propose(1, "x");
    ASSERT_TRUE(x.ok()) << x.status();
    ASSERT_EQ(*x, x_index);
    ASSERT_TRUE(sim.RunUntil([&] { return TermAt(sim, 2, x_index) == t1; }, kSecond));
    sim.RunFor(20 * kMs);  // S1's own write of x completes

    // (b)
    sim.Crash(1);
    rules.campaigners = {5};
    rules.drop = [](const raft::Message& m) {
      return m.type == MessageType::kAppend && m.from == 5;  // S5's entries stay on S5
    };
    ASSERT_EQ(WaitForLeader(sim), 5u) << Verdict(sim);
    t2 = Raw(sim, 5).term();
    ASSERT_EQ(TermAt(sim, 5, x_index), t2);  // its no-op, at x's index
    EXPECT_EQ(TermAt(sim, 2, x_index), t1);  // S2 refused to vote for S5: x is newer
    sim.RunFor(20 * kMs);                    // S5's write completes

    // (c)
    sim.Crash(5);
    sim.Restart(1);
    rules.campaigners = {1};
    // S1's entry of term T3 is lost on its way to any node that could store it (one that
    // holds x); the others must still see it, to reject it and be sent x first.
    rules.drop = [this, block_own_term_entry](const raft::Message& m) {
      return block_own_term_entry && m.type == MessageType::kAppend && m.from == 1 &&
             CarriesIndex(m, x_index + 1) && TermAt(sim, m.to, x_index) == t1;
    };
    ASSERT_EQ(WaitForLeader(sim), 1u) << Verdict(sim);
    t3 = Raw(sim, 1).term();
    ASSERT_GT(t3, t2);
    ASSERT_TRUE(sim.RunUntil(
        [&] { return TermAt(sim, 3, x_index) == t1 && TermAt(sim, 4, x_index) == t1; }, kSecond))
        << Verdict(sim);
  }
};

TEST(PaperFigure8, EntryOfOldTermOnMajorityIsNotCommittedAndCanBeOverwritten) {
  Figure8 f;
  f.RunToC(/*block_own_term_entry=*/true);
  if (HasFatalFailure()) return;
  Simulator& sim = f.sim;
  // x is on S1, S2, S3, S4: a majority of five. Its term is not S1's: not committed.
  sim.RunFor(kSecond);
  EXPECT_LT(Raw(sim, 1).committed(), f.x_index);
  EXPECT_FALSE(sim.checker().CommittedTerm(f.x_index).has_value());

  // (d)
  sim.Crash(1);
  sim.Restart(5);
  f.rules.campaigners = {5};
  f.rules.drop = nullptr;
  ASSERT_EQ(WaitForLeader(sim), 5u) << Verdict(sim);
  ASSERT_TRUE(WaitApplied(sim, {2, 3, 4, 5}, f.x_index + 1)) << Verdict(sim);
  EXPECT_EQ(sim.checker().CommittedTerm(f.x_index), f.t2);
  for (NodeId id : {2, 3, 4}) EXPECT_EQ(TermAt(sim, id, f.x_index), f.t2) << "S" << id;
  // x was never acknowledged, so losing it broke no promise.
  EXPECT_EQ(sim.checker().acknowledged(), 0u);
  EXPECT_EQ(sim.checker().lost(), 1u);

  sim.Restart(1);  // S1's x is overwritten too
  ASSERT_TRUE(WaitApplied(sim, {1}, f.x_index + 1)) << Verdict(sim);
  EXPECT_EQ(TermAt(sim, 1, f.x_index), f.t2);
  EXPECT_SIM_OK(sim);
}

TEST(PaperFigure8, EntryCommittedWithOneOfTheLeadersOwnTermCannotBeOverwritten) {
  Figure8 f;
  f.RunToC(/*block_own_term_entry=*/false);
  if (HasFatalFailure()) return;
  Simulator& sim = f.sim;
  // (e) S1's entry of term T3 reaches a majority: it commits, and x before it.
  ASSERT_TRUE(WaitApplied(sim, {1}, f.x_index + 1)) << Verdict(sim);
  EXPECT_EQ(sim.checker().CommittedTerm(f.x_index), f.t1);
  EXPECT_EQ(sim.checker().acknowledged(), 1u);

  // S5 comes back and campaigns alone: a majority holds a later entry than its own.
  sim.Crash(1);
  sim.Restart(5);
  f.rules.campaigners = {5};
  sim.RunFor(3 * kSecond);
  EXPECT_NE(sim.Leader(), 5u);
  for (uint64_t term = f.t3; term <= Raw(sim, 5).term(); ++term) {
    EXPECT_NE(sim.checker().LeaderOf(term), 5u) << "term " << term;
  }

  // Anyone may campaign again: the new leader keeps x and S5's entry at X is overwritten.
  f.rules.campaigners = {};
  const NodeId leader = WaitForLeader(sim);
  ASSERT_NE(leader, raft::kNoNode) << Verdict(sim);
  const uint64_t last = Raw(sim, leader).last_index();
  ASSERT_TRUE(WaitApplied(sim, {2, 3, 4, 5}, last)) << Verdict(sim);
  EXPECT_EQ(TermAt(sim, 5, f.x_index), f.t1);
  EXPECT_SIM_OK(sim);
}

// ---------------------------------------------------------------------------------------------
// PreVote: a node cut off from the group times out again and again, but without a majority's
// pre-votes it never raises its term, so when it comes back the healthy leader keeps leading.

TEST(PreVote, PartitionedNodeRejoiningDoesNotDisruptHealthyLeader) {
  Simulator sim(Quiet(3));
  sim.Boot();
  const NodeId leader = WaitForLeader(sim);
  ASSERT_NE(leader, raft::kNoNode) << Verdict(sim);
  const uint64_t term = Raw(sim, leader).term();
  const NodeId cut = leader == 3 ? 2 : 3;
  ASSERT_TRUE(sim.Propose(leader, "before").ok());
  ASSERT_TRUE(WaitApplied(sim, {1, 2, 3}, Raw(sim, leader).last_index())) << Verdict(sim);

  const uint64_t pre_campaigns = sim.stats().pre_campaigns;
  sim.network().Isolate(cut, sim.node_ids());
  sim.RunFor(2 * kSecond);                              // some ten election timeouts
  EXPECT_GT(sim.stats().pre_campaigns, pre_campaigns);  // it kept trying...
  EXPECT_EQ(Raw(sim, cut).term(), term);                // ...without raising its term

  sim.network().HealPartitions();
  ASSERT_TRUE(sim.Propose(leader, "after").ok());
  sim.RunFor(kSecond);
  EXPECT_EQ(sim.Leader(), leader);
  EXPECT_EQ(Raw(sim, leader).term(), term);
  EXPECT_EQ(Raw(sim, cut).term(), term);
  EXPECT_EQ(Raw(sim, cut).leader(), leader);
  EXPECT_EQ(sim.checker().leaders_seen(), 1u);
  EXPECT_EQ(sim.node(cut)->driver().applied(), Raw(sim, leader).last_index());
  EXPECT_SIM_OK(sim);
}

TEST(PreVote, WithoutItTheRejoiningNodeDeposesTheLeader) {
  SimOptions options = Quiet(3);
  options.raft.pre_vote = false;  // the control experiment
  Simulator sim(options);
  sim.Boot();
  const NodeId leader = WaitForLeader(sim);
  ASSERT_NE(leader, raft::kNoNode) << Verdict(sim);
  const uint64_t term = Raw(sim, leader).term();
  const NodeId cut = leader == 3 ? 2 : 3;

  sim.network().Isolate(cut, sim.node_ids());
  sim.RunFor(2 * kSecond);
  EXPECT_GT(Raw(sim, cut).term(), term + 3);  // a real election each timeout

  sim.network().HealPartitions();
  sim.RunFor(kSecond);
  EXPECT_GT(Raw(sim, leader).term(), term);  // its higher term forced the leader down
  EXPECT_GT(sim.checker().leaders_seen(), 1u);
  EXPECT_SIM_OK(sim);
}

// ---------------------------------------------------------------------------------------------
// CheckQuorum: a leader that stops hearing from a majority steps down within two election
// timeouts, so it neither serves stale reads nor accepts proposals it could never commit.

TEST(CheckQuorum, LeaderCutOffFromTheQuorumStepsDown) {
  Simulator sim(Quiet(3));
  sim.Boot();
  const NodeId leader = WaitForLeader(sim);
  ASSERT_NE(leader, raft::kNoNode) << Verdict(sim);
  const uint64_t term = Raw(sim, leader).term();

  sim.network().Isolate(leader, sim.node_ids());
  sim.RunFor(2 * 10 * 10 * kMs + 50 * kMs);  // two election timeouts and a little more
  EXPECT_FALSE(Raw(sim, leader).is_leader());
  EXPECT_FALSE(sim.Propose(leader, "refused").ok());

  // Meanwhile the majority elected someone else.
  ASSERT_TRUE(sim.RunUntil([&] { return sim.Leader() != raft::kNoNode; }, kSecond));
  EXPECT_NE(sim.Leader(), leader);
  EXPECT_GT(Raw(sim, sim.Leader()).term(), term);

  sim.network().HealPartitions();
  sim.RunFor(kSecond);
  EXPECT_EQ(Raw(sim, leader).leader(), sim.Leader());
  EXPECT_SIM_OK(sim);
}

TEST(CheckQuorum, WithoutItAnIsolatedLeaderKeepsLeading) {
  SimOptions options = Quiet(3);
  options.raft.check_quorum = false;  // the control experiment
  Simulator sim(options);
  sim.Boot();
  const NodeId leader = WaitForLeader(sim);
  ASSERT_NE(leader, raft::kNoNode) << Verdict(sim);
  const uint64_t term = Raw(sim, leader).term();

  sim.network().Isolate(leader, sim.node_ids());
  sim.RunFor(kSecond);
  // Two leaders at once, of different terms: the old one is stale but does not know it.
  EXPECT_TRUE(Raw(sim, leader).is_leader());
  EXPECT_EQ(Raw(sim, leader).term(), term);
  EXPECT_NE(sim.Leader(), leader);  // Leader() is the one of the highest term
  EXPECT_SIM_OK(sim);
}

// ---------------------------------------------------------------------------------------------
// Snapshots: a follower that was down while the leader compacted its log past everything the
// follower holds is brought up to date by InstallSnapshot, then by entries.

TEST(Snapshot, FarBehindFollowerCatchesUpFromTheLeadersSnapshot) {
  SimOptions options = Quiet(3);
  options.snapshot_entries_interval = 20;
  options.snapshot_keep_entries = 0;
  options.segment_bytes_max = 1024;  // small segments, so compaction drops some
  Simulator sim(options);
  sim.Boot();
  const NodeId leader = WaitForLeader(sim);
  ASSERT_NE(leader, raft::kNoNode) << Verdict(sim);
  const NodeId behind = leader == 3 ? 2 : 3;
  const uint64_t behind_last = Raw(sim, behind).last_index();
  sim.Crash(behind);

  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(sim.Propose(leader, absl::StrFormat("value %d", i)).ok());
    sim.RunFor(2 * kMs);
  }
  const uint64_t last = Raw(sim, leader).last_index();
  const NodeId other = 6 - leader - behind;
  ASSERT_TRUE(WaitApplied(sim, {leader, other}, last)) << Verdict(sim);
  // The leader no longer holds the entries the follower needs.
  ASSERT_GT(sim.node(leader)->driver().log().first_index(), behind_last + 1);

  const uint64_t sent = sim.stats().snapshots_sent;
  sim.Restart(behind);
  ASSERT_TRUE(WaitApplied(sim, {behind}, last)) << Verdict(sim);
  EXPECT_GT(sim.stats().snapshots_sent, sent);
  EXPECT_GE(sim.node(behind)->TotalDriverStats().snapshots_installed, 1u);
  EXPECT_EQ(sim.node(behind)->state_machine().state(), sim.node(leader)->state_machine().state());
  EXPECT_EQ(sim.checker().acknowledged(), 300u);
  EXPECT_SIM_OK(sim);
}

// ---------------------------------------------------------------------------------------------
// Membership: a learner catches up, is promoted, and then the leader removes itself; the
// group goes on with a new leader among the remaining voters.

TEST(Membership, LearnerPromotedThenLeaderRemovesItself) {
  Simulator sim(Quiet(3));
  sim.Boot();
  const NodeId leader = WaitForReadyLeader(sim);
  ASSERT_NE(leader, raft::kNoNode) << Verdict(sim);
  const NodeId joiner = sim.AddNode();
  ASSERT_TRUE(sim.ProposeConfChange(leader, {raft::ConfChangeType::kAddLearner, joiner}).ok());
  ASSERT_TRUE(WaitApplied(sim, {1, 2, 3, joiner}, Raw(sim, leader).last_index())) << Verdict(sim);
  EXPECT_EQ(Raw(sim, joiner).conf_state().learners, std::vector<NodeId>{joiner});

  ASSERT_TRUE(sim.ProposeConfChange(leader, {raft::ConfChangeType::kAddVoter, joiner}).ok());
  ASSERT_TRUE(WaitApplied(sim, {1, 2, 3, joiner}, Raw(sim, leader).last_index())) << Verdict(sim);
  EXPECT_EQ(Raw(sim, leader).conf_state().voters.size(), 4u);

  ASSERT_TRUE(sim.ProposeConfChange(leader, {raft::ConfChangeType::kRemoveNode, leader}).ok());
  ASSERT_TRUE(sim.RunUntil([&] { return sim.Leader() != raft::kNoNode && sim.Leader() != leader; },
                           2 * kSecond))
      << Verdict(sim);
  const NodeId next = sim.Leader();
  EXPECT_FALSE(raft::IsMember(Raw(sim, next).conf_state(), leader));
  EXPECT_EQ(Raw(sim, next).conf_state().voters.size(), 3u);

  ASSERT_TRUE(sim.Propose(next, "after the leader left").ok());
  std::vector<NodeId> remaining;
  for (NodeId id : std::vector<NodeId>{1, 2, 3, joiner}) {
    if (id != leader) remaining.push_back(id);
  }
  ASSERT_TRUE(WaitApplied(sim, remaining, Raw(sim, next).last_index())) << Verdict(sim);
  EXPECT_EQ(sim.checker().acknowledged(), 1u);
  EXPECT_SIM_OK(sim);
}

}  // namespace
}  // namespace mq::sim
