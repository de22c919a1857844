// Tests of the simulator itself: that each invariant of the Checker fires on the violation it
// names (a checker that cannot fail proves nothing), and, end to end, that a cluster whose
// disks forget what they synced is caught by the invariants.

#include "tests/sim/checker.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/sim/sim_network.h"
#include "tests/sim/sim_state_machine.h"
#include "tests/sim/simulator.h"

namespace mq::sim {
namespace {

using raft::Entry;
using raft::EntryType;
using raft::Message;
using raft::MessageType;

Entry MakeEntry(uint64_t index, uint64_t term, std::string data) {
  Entry e;
  e.index = index;
  e.term = term;
  e.data = raft::Payload(std::move(data));
  return e;
}

Message Append(raft::NodeId from, uint64_t prev_index, uint64_t prev_term,
               std::vector<Entry> entries) {
  Message m;
  m.type = MessageType::kAppend;
  m.from = from;
  m.to = 9;
  m.term = entries.empty() ? prev_term : entries.back().term;
  m.index = prev_index;
  m.log_term = prev_term;
  m.entries = std::move(entries);
  return m;
}

// The checker reported `invariant`, with details (absl::StrFormat is checked at compile time
// only under clang: a mismatched format renders as an empty string under GCC).
bool StartsWith(const std::string& s, const std::string& invariant) {
  return s.compare(0, invariant.size(), invariant) == 0 && s.size() > invariant.size() + 20;
}

TEST(Checker, NodesApplyingTheSameSequencePass) {
  Checker c;
  for (raft::NodeId node : {1, 2}) {
    c.OnStart(node);
    c.OnApply(node, MakeEntry(1, 1, "a"), 1);
    c.OnApply(node, MakeEntry(2, 1, "b"), 1);
  }
  EXPECT_FALSE(c.failed()) << c.failure();
  EXPECT_EQ(c.committed_index(), 2u);
  EXPECT_EQ(c.CommittedTerm(2), 1u);
}

TEST(Checker, DifferentEntryAppliedAtTheSameIndexIsCaught) {
  Checker c;
  c.OnStart(1);
  c.OnStart(2);
  c.OnApply(1, MakeEntry(1, 1, "a"), 1);
  c.OnApply(2, MakeEntry(1, 1, "other"), 1);
  EXPECT_TRUE(StartsWith(c.failure(), "state-machine-safety")) << c.failure();
}

TEST(Checker, ApplyingOutOfOrderIsCaught) {
  Checker c;
  c.OnStart(1);
  c.OnApply(1, MakeEntry(2, 1, "b"), 1);
  EXPECT_TRUE(StartsWith(c.failure(), "state-machine-safety")) << c.failure();
}

TEST(Checker, SnapshotWithAnotherStateIsCaught) {
  Checker c;
  c.OnStart(1);
  const Entry a = MakeEntry(1, 1, "a");
  c.OnApply(1, a, 1);
  raft::SnapshotMetadata meta;
  meta.index = 1;
  meta.term = 1;
  SmState good{1, 1, FoldEntry(0, a)};
  c.OnStart(2);
  c.OnRestore(2, meta, good);
  EXPECT_FALSE(c.failed()) << c.failure();
  SmState bad = good;
  bad.digest ^= 1;
  c.OnStart(3);
  c.OnRestore(3, meta, bad);
  EXPECT_TRUE(StartsWith(c.failure(), "state-machine-safety")) << c.failure();
}

TEST(Checker, VotingTwiceInOneTermIsCaught) {
  Checker c;
  Message vote;
  vote.type = MessageType::kVoteResponse;
  vote.from = 1;
  vote.to = 2;
  vote.term = 5;
  c.OnSend(vote, 0);
  c.OnSend(vote, 0);  // the same vote again is fine
  EXPECT_FALSE(c.failed()) << c.failure();
  vote.to = 3;
  vote.reject = true;  // a refusal promises nothing
  c.OnSend(vote, 0);
  EXPECT_FALSE(c.failed()) << c.failure();
  vote.reject = false;
  c.OnSend(vote, 0);
  EXPECT_TRUE(StartsWith(c.failure(), "vote-once")) << c.failure();
}

TEST(Checker, LeaderVotingForItselfAfterGrantingItsVoteIsCaught) {
  Checker c;
  Message vote;
  vote.type = MessageType::kVoteResponse;
  vote.from = 1;
  vote.to = 2;
  vote.term = 5;
  c.OnSend(vote, 0);
  c.OnLeading(1, 5);
  EXPECT_TRUE(StartsWith(c.failure(), "vote-once")) << c.failure();
}

TEST(Checker, TwoEntriesWithTheSameIndexAndTermAreCaught) {
  Checker c;
  c.OnSend(Append(1, 0, 0, {MakeEntry(1, 1, "a"), MakeEntry(2, 1, "b")}), 0);
  c.OnSend(Append(1, 1, 1, {MakeEntry(2, 1, "b")}), 0);  // a resend agrees
  EXPECT_FALSE(c.failed()) << c.failure();
  c.OnSend(Append(1, 1, 1, {MakeEntry(2, 1, "c")}), 0);
  EXPECT_TRUE(StartsWith(c.failure(), "log-matching")) << c.failure();
}

TEST(Checker, SameEntryAfterADifferentPrefixIsCaught) {
  Checker c;
  c.OnSend(Append(1, 1, 1, {MakeEntry(2, 3, "b")}), 0);
  c.OnSend(Append(1, 1, 2, {MakeEntry(2, 3, "b")}), 0);
  EXPECT_TRUE(StartsWith(c.failure(), "log-matching")) << c.failure();
}

TEST(Checker, AcknowledgingWhatIsNotDurableIsCaught) {
  Checker c;
  Message ack;
  ack.type = MessageType::kAppendResponse;
  ack.from = 2;
  ack.to = 1;
  ack.term = 1;
  ack.index = 7;
  c.OnSend(ack, 7);
  EXPECT_FALSE(c.failed()) << c.failure();
  ack.reject = true;  // a rejection promises nothing
  c.OnSend(ack, 3);
  EXPECT_FALSE(c.failed()) << c.failure();
  ack.reject = false;
  c.OnSend(ack, 6);
  EXPECT_TRUE(StartsWith(c.failure(), "durable-ack")) << c.failure();
}

TEST(Checker, SnapshotSentThatIsNotTheCommittedStateIsCaught) {
  Checker c;
  c.OnStart(1);
  const Entry a = MakeEntry(1, 1, "a");
  c.OnApply(1, a, 1);
  Message m;
  m.type = MessageType::kSnapshot;
  m.from = 1;
  m.to = 2;
  m.term = 1;
  m.snapshot.metadata.index = 1;
  m.snapshot.metadata.term = 1;
  m.snapshot.data = raft::Payload(EncodeSmState(SmState{1, 1, FoldEntry(0, a)}));
  c.OnSend(m, 1);
  EXPECT_FALSE(c.failed()) << c.failure();
  m.snapshot.data = raft::Payload(EncodeSmState(SmState{1, 1, 42}));
  c.OnSend(m, 1);
  EXPECT_TRUE(StartsWith(c.failure(), "state-machine-safety")) << c.failure();
}

TEST(Checker, ProposalsAreAcknowledgedOrLostByWhatCommits) {
  Checker c;
  c.OnProposed(1, 2, raft::Payload(std::string("mine")));
  c.OnProposed(2, 2, raft::Payload(std::string("also mine")));
  c.OnStart(1);
  c.OnApply(1, MakeEntry(1, 2, "mine"), 2);
  c.OnApply(1, MakeEntry(2, 3, "someone else's"), 3);
  EXPECT_EQ(c.acknowledged(), 1u);
  EXPECT_EQ(c.lost(), 1u);
  EXPECT_EQ(c.max_acknowledged_index(), 1u);
  // Proposed at an index already committed (a stale leader): resolved at once.
  c.OnProposed(1, 1, raft::Payload(std::string("late")));
  EXPECT_EQ(c.lost(), 2u);
  EXPECT_FALSE(c.failed()) << c.failure();
}

TEST(Checker, StaleReadIsCaught) {
  Checker c;
  c.OnStart(1);
  c.OnReadIssued("early");
  c.OnApply(1, MakeEntry(1, 1, "a"), 1);
  c.OnApply(1, MakeEntry(2, 1, "b"), 1);
  c.OnReadIssued("late");
  c.OnReadServed(1, raft::ReadState{1, "early"}, 2);  // issued before 2 committed: fine
  c.OnReadServed(1, raft::ReadState{2, "late"}, 2);
  EXPECT_FALSE(c.failed()) << c.failure();
  EXPECT_EQ(c.reads_served(), 2u);
  c.OnReadServed(1, raft::ReadState{1, "late"}, 2);  // misses entry 2, committed before
  EXPECT_TRUE(StartsWith(c.failure(), "linearizable-read")) << c.failure();
}

TEST(Checker, ReadServedBeforeApplyingItsIndexIsCaught) {
  Checker c;
  c.OnReadIssued("r");
  c.OnReadServed(1, raft::ReadState{5, "r"}, 4);
  EXPECT_TRUE(StartsWith(c.failure(), "linearizable-read")) << c.failure();
}

TEST(Checker, OnlyTheFirstViolationIsKept) {
  Checker c;
  c.Fail("first", "one");
  c.Fail("second", "two");
  EXPECT_EQ(c.failure(), "first: one");
}

TEST(SimStateMachine, SnapshotRoundTripsAndBadBytesAreRefused) {
  const SmState s{12, 10, 0x0123456789abcdefULL};
  const absl::StatusOr<SmState> back = DecodeSmState(EncodeSmState(s));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, s);
  EXPECT_FALSE(DecodeSmState("SIM1").ok());
  std::string bad = EncodeSmState(s);
  bad[0] = 'X';
  EXPECT_FALSE(DecodeSmState(bad).ok());
}

TEST(SimNetwork, PartitionsAndFaultsFollowTheirOptions) {
  NetworkOptions o;
  o.latency_us_min = 10;
  o.latency_us_max = 20;
  o.drop_per_10k = 10'000;  // everything lost...
  SimNetwork net(o, Prng(1));
  Message m;
  m.from = 1;
  m.to = 2;
  EXPECT_STREQ(net.Plan(m).dropped, "lost");
  net.SetFaultsEnabled(false);  // ...unless faults are off
  SimNetwork::Route route = net.Plan(m);
  ASSERT_EQ(route.dropped, nullptr);
  ASSERT_EQ(route.delays_us.size(), 1u);
  EXPECT_GE(route.delays_us[0], 10u);
  EXPECT_LE(route.delays_us[0], 20u);
  net.Cut(1, 2);  // one way only
  EXPECT_STREQ(net.Plan(m).dropped, "partition");
  std::swap(m.from, m.to);
  EXPECT_EQ(net.Plan(m).dropped, nullptr);
  net.HealPartitions();
  net.Split({1}, {2, 3});
  EXPECT_TRUE(net.IsCut(2, 1));
  EXPECT_TRUE(net.IsCut(1, 3));
  EXPECT_FALSE(net.IsCut(2, 3));
}

TEST(SimReports, RenderEveryField) {
  EXPECT_NE(Describe(SwarmOptions(1)).find("reads="), std::string::npos);
  EXPECT_NE(SimStats{}.Summary().find("liveness"), std::string::npos);
  SimResult result;
  result.failure = "x: y";
  EXPECT_NE(result.Report("REPRO").find("REPRO"), std::string::npos);
}

TEST(SimOptions, TheSeedAloneDecidesTheOptions) {
  EXPECT_EQ(Describe(SwarmOptions(42)), Describe(SwarmOptions(42)));
  EXPECT_NE(Describe(SwarmOptions(42)), Describe(SwarmOptions(43)));
}

TEST(Simulator, SameSeedSameRun) {
  SimOptions options = SwarmOptions(3);
  options.safety_us = 2'000'000;
  Simulator a(options);
  Simulator b(options);
  const SimResult ra = a.Run();
  const SimResult rb = b.Run();
  EXPECT_TRUE(ra.ok) << ra.Report("");
  EXPECT_EQ(ra.step, rb.step);
  EXPECT_EQ(ra.time, rb.time);
  EXPECT_EQ(ra.trace_tail, rb.trace_tail);
  EXPECT_EQ(ra.stats.Summary(), rb.stats.Summary());
}

// End to end: disks that lose everything at some power losses (a node comes back empty, as if
// new) break Raft's assumptions. The safety invariants must notice within a few seeds -- and
// not only the restart check (skipped for such nodes) or the refusal of impossible messages.
TEST(Simulator, DisksThatForgetAreCaughtBySafetyInvariants) {
  const std::vector<std::string> safety = {"one-leader-per-term", "vote-once",
                                           "log-matching",        "state-machine-safety",
                                           "leader-completeness", "committed-in-log"};
  std::string caught;
  std::string others;
  int runs = 0;
  for (uint64_t seed = 1; seed <= 60 && caught.empty(); ++seed) {
    SimOptions options = SwarmOptions(seed);
    options.unsafe_disk_loss_percent = 100;
    options.nemesis.crash_weight = 30;
    options.nemesis.majority_down_percent = 0;
    Simulator sim(options);
    const SimResult result = sim.Run();
    ++runs;
    if (result.ok) continue;
    const std::string invariant = result.failure.substr(0, result.failure.find(':'));
    if (std::find(safety.begin(), safety.end(), invariant) != safety.end()) {
      caught = absl::StrFormat("seed %d: %s", seed, result.failure.substr(0, 300));
    } else {
      absl::StrAppendFormat(&others, " %s", invariant);
    }
  }
  ASSERT_FALSE(caught.empty()) << "no safety violation in " << runs
                               << " runs with forgetful disks; other failures:" << others;
  std::printf(
      "[simulator self-test] forgetful disks caught after %d runs (earlier runs "
      "failed on:%s): %s\n",
      runs, others.c_str(), caught.c_str());
}

}  // namespace
}  // namespace mq::sim
