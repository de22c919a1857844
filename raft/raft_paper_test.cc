// The claims of the Raft paper ("In Search of an Understandable Consensus Algorithm", extended
// version), one test each, in the paper's order. Plain Raft (no pre-vote, no CheckQuorum)
// unless a test says otherwise. Every log starts with the group's founding configuration
// entries (term 1, one per voter, committed); the paper's indexes follow them.

#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "raft/memory_storage.h"
#include "raft/raw_node.h"
#include "raft/testing/network.h"

namespace mq::raft {
namespace {

using testing::Network;

Config Plain() {
  Config c = testing::TestConfig();
  c.pre_vote = false;
  c.check_quorum = false;
  return c;
}

Entry E(uint64_t term, uint64_t index, std::string_view data = "") {
  Entry e;
  e.term = term;
  e.index = index;
  e.data = Payload(data);
  return e;
}

// The founding entries of a 3-voter group occupy indexes 1..3.
constexpr uint64_t kBase = 3;

// A bootstrapped 3-voter storage whose log continues with entries of `terms` at kBase + 1..,
// with the given term and vote.
std::unique_ptr<MemoryStorage> LogWithTerms(const std::vector<uint64_t>& terms, uint64_t term = 1,
                                            NodeId vote = kNoNode) {
  auto storage = std::make_unique<MemoryStorage>();
  EXPECT_TRUE(storage->Bootstrap(ConfState{{1, 2, 3}, {}}).ok());
  std::vector<Entry> entries;
  for (size_t i = 0; i < terms.size(); ++i) entries.push_back(E(terms[i], kBase + i + 1));
  EXPECT_TRUE(storage->Append(entries).ok());
  const uint64_t last_term = terms.empty() ? 1 : terms.back();
  storage->SetHardState(HardState{std::max(term, last_term), vote, kBase});
  return storage;
}

// The terms of the node's log after the founding entries.
std::vector<uint64_t> Terms(const RawNode& node) {
  const RaftLog& log = node.raft().log();
  std::vector<uint64_t> out;
  absl::StatusOr<std::vector<Entry>> entries =
      log.Slice(kBase + 1, log.LastIndex() + 1, UINT64_MAX);
  EXPECT_TRUE(entries.ok());
  for (const Entry& e : *entries) out.push_back(e.term);
  return out;
}

std::vector<Message> OfType(const std::vector<Message>& msgs, MessageType type) {
  std::vector<Message> out;
  for (const Message& m : msgs) {
    if (m.type == type) out.push_back(m);
  }
  return out;
}

// Ticks `id` (alone) until it leaves the follower role.
void TimeOut(Network& net, NodeId id) {
  for (int i = 0; i < 40 && net.node(id).role() == Role::kFollower; ++i) net.node(id).Tick();
  ASSERT_NE(net.node(id).role(), Role::kFollower);
}

Message Msg(MessageType type, NodeId from, NodeId to, uint64_t term) {
  Message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

// ---- §5.1: terms ----

// "If one server's current term is smaller than the other's, then it updates its current term
// to the larger value. If a candidate or leader discovers that its term is out of date, it
// immediately reverts to follower state."
TEST(RaftPaperTest, UpdateTermFromMessage) {
  for (Role start : {Role::kFollower, Role::kCandidate, Role::kLeader}) {
    Network net({1, 2, 3}, Plain());
    if (start == Role::kCandidate) TimeOut(net, 1);
    if (start == Role::kLeader) {
      ASSERT_TRUE(net.Elect(1));
    }
    ASSERT_EQ(net.node(1).role(), start);
    ASSERT_TRUE(net.Inject(Msg(MessageType::kHeartbeat, 2, 1, 5)).ok());
    EXPECT_EQ(net.node(1).term(), 5u);
    EXPECT_EQ(net.node(1).role(), Role::kFollower);
    EXPECT_EQ(net.node(1).leader(), 2u);
  }
}

// "If a server receives a request with a stale term number, it rejects the request." Plain
// Raft ignores it; with CheckQuorum or pre-vote the stale leader is told the newer term.
TEST(RaftPaperTest, RejectStaleTermMessage) {
  Network net({1, 2, 3}, Plain());
  ASSERT_TRUE(net.Inject(Msg(MessageType::kHeartbeat, 2, 1, 3)).ok());
  net.ProcessReadies();
  net.TakeQueued();
  Message stale = Msg(MessageType::kAppend, 3, 1, 2);
  ASSERT_TRUE(net.Inject(stale).ok());
  EXPECT_EQ(net.node(1).term(), 3u);
  EXPECT_EQ(net.node(1).leader(), 2u);
  net.ProcessReadies();
  EXPECT_TRUE(net.TakeQueued().empty());

  Network guarded({1, 2, 3});  // pre-vote and CheckQuorum on
  ASSERT_TRUE(guarded.Inject(Msg(MessageType::kHeartbeat, 2, 1, 3)).ok());
  guarded.ProcessReadies();
  guarded.TakeQueued();
  ASSERT_TRUE(guarded.Inject(stale).ok());
  guarded.ProcessReadies();
  std::vector<Message> out = guarded.TakeQueued();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::kAppendResponse);
  EXPECT_EQ(out[0].to, 3u);
  EXPECT_EQ(out[0].term, 3u);
}

// A stale vote request is refused with the current term, so the candidate catches up.
TEST(RaftPaperTest, StaleVoteRequestIsRefusedWithTheCurrentTerm) {
  Network net({1, 2, 3}, Plain());
  ASSERT_TRUE(net.Inject(Msg(MessageType::kHeartbeat, 2, 1, 5)).ok());
  net.ProcessReadies();
  net.TakeQueued();
  Message vote = Msg(MessageType::kVote, 3, 1, 4);
  vote.index = 100;
  vote.log_term = 4;
  ASSERT_TRUE(net.Inject(vote).ok());
  EXPECT_EQ(net.node(1).raft().vote(), kNoNode);
  net.ProcessReadies();
  std::vector<Message> out = OfType(net.TakeQueued(), MessageType::kVoteResponse);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].reject);
  EXPECT_EQ(out[0].term, 5u);
}

// ---- §5.2: leader election ----

// "When servers start up, they begin as followers."
TEST(RaftPaperTest, StartAsFollower) {
  Network net({1, 2, 3}, Plain());
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(net.node(id).role(), Role::kFollower);
    EXPECT_EQ(net.node(id).term(), 1u);  // the founding term
  }
}

// "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries) to all
// followers in order to maintain their authority."
TEST(RaftPaperTest, LeaderBroadcastsHeartbeats) {
  Network net({1, 2, 3}, Plain());
  ASSERT_TRUE(net.Elect(1));
  net.TakeQueued();
  net.Tick(1, Plain().heartbeat_timeout_ticks);
  net.ProcessReadies();
  std::vector<Message> beats = OfType(net.TakeQueued(), MessageType::kHeartbeat);
  ASSERT_EQ(beats.size(), 2u);
  std::set<NodeId> to;
  for (const Message& m : beats) {
    to.insert(m.to);
    EXPECT_EQ(m.term, net.node(1).term());
    EXPECT_TRUE(m.entries.empty());
  }
  EXPECT_EQ(to, (std::set<NodeId>{2, 3}));
}

// "If a follower receives no communication over a period of time called the election
// timeout, then it ... begins an election ... increments its current term and transitions to
// candidate state. It then votes for itself and issues RequestVote RPCs in parallel to each of
// the other servers." A candidate that times out starts a new election the same way.
TEST(RaftPaperTest, FollowerAndCandidateStartElections) {
  Network net({1, 2, 3}, Plain());
  for (uint64_t term = 2; term <= 3; ++term) {
    TimeOut(net, 1);
    net.ProcessReadies();
    EXPECT_EQ(net.node(1).role(), Role::kCandidate);
    EXPECT_EQ(net.node(1).term(), term);
    EXPECT_EQ(net.node(1).raft().vote(), 1u);
    EXPECT_EQ(net.storage(1).hard_state().vote, 1u);  // the vote is durable before it counts
    std::vector<Message> votes = OfType(net.TakeQueued(), MessageType::kVote);
    ASSERT_EQ(votes.size(), 2u);
    for (const Message& m : votes) {
      EXPECT_EQ(m.term, term);
      EXPECT_EQ(m.index, kBase);  // the candidate's last entry
      EXPECT_EQ(m.log_term, 1u);
    }
    // The candidate heard nothing: it times out again (candidate -> candidate).
    for (int i = 0; i < 40 && net.node(1).term() == term; ++i) net.node(1).Tick();
  }
}

// "A candidate wins an election if it receives votes from a majority of the servers in the
// full cluster for the same term."
TEST(RaftPaperTest, LeaderElectionInOneRoundRpc) {
  struct Case {
    size_t size;
    std::map<NodeId, bool> votes;  // from the other voters
    Role want;
  };
  const Case cases[] = {
      {1, {}, Role::kLeader},
      {3, {{2, true}, {3, true}}, Role::kLeader},
      {3, {{2, true}}, Role::kLeader},
      {5, {{2, true}, {3, true}, {4, true}, {5, true}}, Role::kLeader},
      {5, {{2, true}, {3, true}}, Role::kLeader},
      {3, {{2, false}, {3, false}}, Role::kFollower},
      {5, {{2, false}, {3, false}, {4, false}}, Role::kFollower},
      {5, {{2, true}, {3, false}, {4, false}, {5, false}}, Role::kFollower},
      {5, {{2, true}, {3, false}, {4, false}}, Role::kCandidate},
      {3, {}, Role::kCandidate},
      {5, {{2, true}}, Role::kCandidate},
      {5, {{2, false}, {3, false}}, Role::kCandidate},
  };
  for (const Case& tc : cases) {
    std::vector<NodeId> voters;
    for (NodeId id = 1; id <= tc.size; ++id) voters.push_back(id);
    Network net(voters, Plain());
    TimeOut(net, 1);
    net.ProcessReadies();  // persists the vote and counts it
    for (const auto& [from, granted] : tc.votes) {
      Message m = Msg(MessageType::kVoteResponse, from, 1, net.node(1).term());
      m.reject = !granted;
      ASSERT_TRUE(net.Inject(m).ok());
    }
    EXPECT_EQ(net.node(1).role(), tc.want) << "size " << tc.size << " votes " << tc.votes.size();
  }
}

// "Each server will vote for at most one candidate in a given term, on a first-come-first-
// served basis."
TEST(RaftPaperTest, FollowerVotesOncePerTerm) {
  struct Case {
    NodeId voted;
    NodeId candidate;
    bool granted;
  };
  const Case cases[] = {{kNoNode, 2, true}, {kNoNode, 3, true}, {2, 2, true},
                        {3, 3, true},       {2, 3, false},      {3, 2, false}};
  for (const Case& tc : cases) {
    Network net({1, 2, 3}, Plain());
    net.ResetStorage(1, LogWithTerms({}, 2, tc.voted));
    Message vote = Msg(MessageType::kVote, tc.candidate, 1, 2);
    vote.index = kBase;
    vote.log_term = 1;
    ASSERT_TRUE(net.Inject(vote).ok());
    net.ProcessReadies();
    std::vector<Message> out = OfType(net.TakeQueued(), MessageType::kVoteResponse);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].reject, !tc.granted);
    EXPECT_EQ(out[0].to, tc.candidate);
  }
}

// "While waiting for votes, a candidate may receive an AppendEntries RPC from another server
// claiming to be leader. If the leader's term ... is at least as large as the candidate's
// current term, then the candidate recognizes the leader as legitimate and returns to
// follower state."
TEST(RaftPaperTest, CandidateFallsBackToLeaderOfItsTerm) {
  for (uint64_t term_delta : {0, 1}) {
    Network net({1, 2, 3}, Plain());
    TimeOut(net, 1);
    const uint64_t term = net.node(1).term() + term_delta;
    ASSERT_TRUE(net.Inject(Msg(MessageType::kAppend, 2, 1, term)).ok());
    EXPECT_EQ(net.node(1).role(), Role::kFollower);
    EXPECT_EQ(net.node(1).leader(), 2u);
    EXPECT_EQ(net.node(1).term(), term);
  }
}

// "Raft uses randomized election timeouts ... chosen randomly from a fixed interval."
TEST(RaftPaperTest, ElectionTimeoutIsRandomizedInRange) {
  Network net({1, 2, 3}, Plain());
  net.Isolate(1);
  const int et = Plain().election_timeout_ticks;
  std::set<int> seen;
  for (int round = 0; round < 200; ++round) {
    const uint64_t term = net.node(1).term();
    int ticks = 0;
    while (net.node(1).term() == term) {
      net.node(1).Tick();
      ++ticks;
      ASSERT_LE(ticks, 2 * et);
    }
    EXPECT_GE(ticks, et);
    EXPECT_LT(ticks, 2 * et);
    seen.insert(ticks);
    net.Stabilize();
  }
  EXPECT_GE(seen.size(), static_cast<size_t>(et) - 1);  // nearly every value occurs
}

// "... so that in most cases only a single server will time out."
TEST(RaftPaperTest, ElectionTimeoutsRarelyConflict) {
  int conflicts = 0;
  constexpr int kTrials = 100;
  for (int trial = 0; trial < kTrials; ++trial) {
    Network net({1, 2, 3, 4, 5}, Plain(), /*seed=*/trial + 1);
    int campaigning = 0;
    for (int tick = 0; tick < 40 && campaigning == 0; ++tick) {
      net.TickAll(1);
      for (NodeId id : net.ids()) campaigning += net.node(id).role() != Role::kFollower;
    }
    conflicts += campaigning > 1;
  }
  EXPECT_LT(conflicts, kTrials * 3 / 10);
}

// ---- §5.3: log replication ----

// "The leader appends the command to its log as a new entry, then issues AppendEntries RPCs
// in parallel to each of the other servers to replicate the entry."
TEST(RaftPaperTest, LeaderStartsReplication) {
  Network net({1, 2, 3}, Plain());
  ASSERT_TRUE(net.Elect(1));
  net.TakeQueued();
  const uint64_t li = net.node(1).last_index();
  ASSERT_TRUE(net.node(1).Propose(Payload(std::string_view("some data"))).ok());
  EXPECT_EQ(net.node(1).last_index(), li + 1);
  net.ProcessReadies();
  std::vector<Message> appends = OfType(net.TakeQueued(), MessageType::kAppend);
  ASSERT_EQ(appends.size(), 2u);
  for (const Message& m : appends) {
    EXPECT_EQ(m.index, li);
    EXPECT_EQ(m.log_term, net.node(1).term());
    EXPECT_EQ(m.commit, li);
    ASSERT_EQ(m.entries.size(), 1u);
    EXPECT_EQ(m.entries[0].index, li + 1);
    EXPECT_EQ(m.entries[0].data.view(), "some data");
  }
}

// "When the entry has been safely replicated, the leader applies the entry to its state
// machine ... [followers learn the commit index] in future AppendEntries RPCs."
TEST(RaftPaperTest, LeaderCommitsAndFollowersLearn) {
  Network net({1, 2, 3}, Plain());
  ASSERT_TRUE(net.Elect(1));
  ASSERT_TRUE(net.node(1).Propose(Payload(std::string_view("v"))).ok());
  const uint64_t index = net.node(1).last_index();
  net.Stabilize();
  EXPECT_EQ(net.node(1).committed(), index);
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(net.node(id).committed(), index) << id;
    EXPECT_EQ(net.state(id), std::vector<std::string>{"v"}) << id;
  }
}

// "A log entry is committed once the leader that created the entry has replicated it on a
// majority of the servers."
TEST(RaftPaperTest, LeaderAcknowledgesCommitOnMajority) {
  struct Case {
    size_t size;
    std::set<NodeId> acks;  // followers acknowledging the new entry
    bool committed;
  };
  const Case cases[] = {
      {1, {}, true},  {3, {}, false},  {3, {2}, true},    {3, {2, 3}, true},
      {5, {}, false}, {5, {2}, false}, {5, {2, 3}, true}, {5, {2, 3, 4, 5}, true},
  };
  for (const Case& tc : cases) {
    std::vector<NodeId> voters;
    for (NodeId id = 1; id <= tc.size; ++id) voters.push_back(id);
    Network net(voters, Plain());
    for (NodeId id = 2; id <= tc.size; ++id) net.Isolate(id);
    TimeOut(net, 1);
    net.ProcessReadies();
    const uint64_t term = net.node(1).term();
    for (NodeId id = 2; id <= tc.size; ++id) {
      ASSERT_TRUE(net.Inject(Msg(MessageType::kVoteResponse, id, 1, term)).ok());
    }
    ASSERT_TRUE(net.node(1).is_leader());
    net.ProcessReadies();  // the no-op is written and acknowledged locally
    ASSERT_TRUE(net.node(1).Propose(Payload(std::string_view("x"))).ok());
    const uint64_t index = net.node(1).last_index();
    net.ProcessReadies();
    for (NodeId id : tc.acks) {
      Message ack = Msg(MessageType::kAppendResponse, id, 1, term);
      ack.index = index;
      ASSERT_TRUE(net.Inject(ack).ok());
    }
    EXPECT_EQ(net.node(1).committed() == index, tc.committed) << tc.size << " " << tc.acks.size();
  }
}

// "This also commits all preceding entries in the leader's log, including entries created by
// previous leaders."
TEST(RaftPaperTest, LeaderCommitsPrecedingEntries) {
  Network net({1, 2, 3}, Plain());
  for (NodeId id : {1, 2, 3}) net.ResetStorage(id, LogWithTerms({1, 2}, 2));
  ASSERT_TRUE(net.Elect(1));
  const uint64_t noop = kBase + 3;
  EXPECT_EQ(net.node(1).committed(), noop);
  EXPECT_EQ(net.node(1).applied(), noop);
  EXPECT_EQ(net.node(1).raft().log().TermOrZero(noop), net.node(1).term());
}

// "Once a follower learns that a log entry is committed, it applies the entry to its local
// state machine" — up to the leader's commit, but never past what the append carried.
TEST(RaftPaperTest, FollowerCommitsUpToTheLeadersCommit) {
  struct Case {
    uint64_t entries;
    uint64_t commit;
    uint64_t want;
  };
  for (const Case& tc : {Case{1, 1, 1}, Case{2, 2, 2}, Case{2, 1, 1}, Case{1, 5, 1}}) {
    Network net({1, 2, 3}, Plain());
    Message app = Msg(MessageType::kAppend, 2, 1, 1);
    app.index = kBase;
    app.log_term = 1;
    for (uint64_t i = 1; i <= tc.entries; ++i) app.entries.push_back(E(1, kBase + i, "d"));
    app.commit = kBase + tc.commit;
    ASSERT_TRUE(net.Inject(app).ok());
    EXPECT_EQ(net.node(1).committed(), kBase + tc.want);
  }
}

// "If the follower does not find an entry in its log with the same index and term, then it
// refuses the new entries."
TEST(RaftPaperTest, FollowerChecksTheEntryBeforeAppend) {
  struct Case {
    uint64_t log_term;
    uint64_t index;
    bool reject;
    uint64_t hint;
  };
  // Follower log: terms 1 2 at indexes 4 5 (after the founding entries, term 1).
  const Case cases[] = {
      {1, 3, false, 0}, {2, 5, false, 0}, {1, 5, true, 4}, {3, 6, true, 5}, {2, 6, true, 5}};
  for (const Case& tc : cases) {
    Network net({1, 2, 3}, Plain());
    net.ResetStorage(1, LogWithTerms({1, 2}, 3));
    Message app = Msg(MessageType::kAppend, 2, 1, 3);
    app.log_term = tc.log_term;
    app.index = tc.index;
    ASSERT_TRUE(net.Inject(app).ok());
    net.ProcessReadies();
    std::vector<Message> out = OfType(net.TakeQueued(), MessageType::kAppendResponse);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].reject, tc.reject) << tc.index;
    if (tc.reject) {
      EXPECT_EQ(out[0].index, tc.index);
      EXPECT_EQ(out[0].reject_hint, tc.hint) << tc.index;
    } else {
      EXPECT_EQ(out[0].index, tc.index);
    }
  }
}

// "If an existing entry conflicts with a new one (same index but different terms), delete the
// existing entry and all that follow it; append any new entries not already in the log."
TEST(RaftPaperTest, FollowerAppendsAndOverwritesConflicts) {
  struct Case {
    uint64_t index;
    uint64_t log_term;
    std::vector<uint64_t> new_terms;
    std::vector<uint64_t> want;
  };
  // Follower log: terms 1 2 at 4 5 (uncommitted).
  const Case cases[] = {
      {5, 2, {3}, {1, 2, 3}},
      {4, 1, {3, 4}, {1, 3, 4}},
      {3, 1, {1}, {1, 2}},
      {3, 1, {3}, {3}},
  };
  for (const Case& tc : cases) {
    Network net({1, 2, 3}, Plain());
    net.ResetStorage(1, LogWithTerms({1, 2}, 4));
    Message app = Msg(MessageType::kAppend, 2, 1, 4);
    app.index = tc.index;
    app.log_term = tc.log_term;
    for (size_t i = 0; i < tc.new_terms.size(); ++i) {
      app.entries.push_back(E(tc.new_terms[i], tc.index + 1 + i));
    }
    ASSERT_TRUE(net.Inject(app).ok());
    net.ProcessReadies();
    EXPECT_EQ(Terms(net.node(1)), tc.want);
    EXPECT_EQ(kBase + Terms(net.node(1)).size(), *net.storage(1).LastIndex());
  }
}

// Figure 7: "When the leader at the top comes to power, it is possible that any of scenarios
// (a–f) could occur in follower logs." The leader brings each of them to its own log.
TEST(RaftPaperTest, Figure7LeaderSyncsEveryFollowerLog) {
  const std::vector<uint64_t> leader_log = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
  const std::vector<std::vector<uint64_t>> followers = {
      {1, 1, 1, 4, 4, 5, 5, 6, 6},           // (a) missing entries
      {1, 1, 1, 4},                          // (b) missing many
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},     // (c) an extra uncommitted entry
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},  // (d) extra entries of a later term
      {1, 1, 1, 4, 4, 4, 4},                 // (e) missing and extra
      {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},     // (f) a divergent history
  };
  for (const std::vector<uint64_t>& follower : followers) {
    for (bool pre_vote : {false, true}) {
      Config c = Plain();
      c.pre_vote = pre_vote;
      Network net({1, 2, 3}, c);
      net.ResetStorage(1, LogWithTerms(leader_log, 7));
      net.ResetStorage(2, LogWithTerms(follower, 7));
      net.ResetStorage(3, LogWithTerms(leader_log, 7));
      ASSERT_TRUE(net.Elect(1));
      net.Stabilize();
      std::vector<uint64_t> want = leader_log;
      want.push_back(net.node(1).term());  // the leader's no-op
      EXPECT_EQ(Terms(net.node(2)), want) << follower.size();
      EXPECT_EQ(net.node(2).committed(), kBase + want.size());
      EXPECT_TRUE(net.step_errors().empty());
    }
  }
}

// ---- §5.4: safety ----

// "The RequestVote RPC ... includes information about the candidate's log, and the voter
// denies its vote if its own log is more up-to-date than that of the candidate."
TEST(RaftPaperTest, VoterRejectsOutOfDateCandidates) {
  struct Case {
    uint64_t log_term;
    uint64_t index;
    bool granted;
  };
  // Voter log: terms 2 2 at 4..5.
  const Case cases[] = {{2, 5, true},  {2, 6, true},  {3, 1, true},
                        {2, 4, false}, {1, 9, false}, {3, 3, true}};
  for (const Case& tc : cases) {
    Network net({1, 2, 3}, Plain());
    net.ResetStorage(1, LogWithTerms({2, 2}, 2));
    Message vote = Msg(MessageType::kVote, 2, 1, 3);
    vote.log_term = tc.log_term;
    vote.index = tc.index;
    ASSERT_TRUE(net.Inject(vote).ok());
    net.ProcessReadies();
    std::vector<Message> out = OfType(net.TakeQueued(), MessageType::kVoteResponse);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].reject, !tc.granted) << tc.log_term << "/" << tc.index;
  }
}

// Figure 8 / §5.4.2: "Raft never commits log entries from previous terms by counting
// replicas. Only log entries from the leader's current term are committed by counting
// replicas."
TEST(RaftPaperTest, Figure8OnlyEntriesOfTheCurrentTermCommitByCounting) {
  Network net({1, 2, 3}, Plain());
  net.ResetStorage(1, LogWithTerms({1, 2}, 2));  // index 5 of term 2: uncommitted
  net.ResetStorage(2, LogWithTerms({1}, 2));
  net.ResetStorage(3, LogWithTerms({1}, 2));
  net.Isolate(2);
  net.Isolate(3);
  TimeOut(net, 1);
  net.ProcessReadies();
  ASSERT_TRUE(net.Inject(Msg(MessageType::kVoteResponse, 2, 1, 3)).ok());
  ASSERT_TRUE(net.node(1).is_leader());
  net.ProcessReadies();  // the no-op (index 6, term 3) is durable on the leader
  // Follower 2 acknowledges index 5: a term-2 entry on a majority (1 and 2), yet not committed.
  Message ack = Msg(MessageType::kAppendResponse, 2, 1, 3);
  ack.index = kBase + 2;
  ASSERT_TRUE(net.Inject(ack).ok());
  EXPECT_EQ(net.node(1).committed(), kBase);
  // Once the current term's no-op is on a majority, everything up to it is committed.
  ack.index = kBase + 3;
  ASSERT_TRUE(net.Inject(ack).ok());
  EXPECT_EQ(net.node(1).committed(), kBase + 3);
}

// Leader completeness (§5.4.3): a node missing a committed entry cannot be elected; the new
// leader holds every committed entry.
TEST(RaftPaperTest, LeaderCompleteness) {
  Network net({1, 2, 3, 4, 5}, Plain());
  ASSERT_TRUE(net.Elect(1));
  net.Isolate(4);
  net.Isolate(5);
  ASSERT_TRUE(net.node(1).Propose(Payload(std::string_view("committed"))).ok());
  net.Stabilize();
  ASSERT_EQ(net.node(1).committed(), net.node(1).last_index());
  net.Heal();
  net.Isolate(1);
  net.Isolate(2);
  // 4 and 5 lack the entry: 3 refuses them, so neither can gather three votes.
  net.Cut(4, 5);  // force them to campaign separately too
  EXPECT_FALSE(net.Elect(4));
  EXPECT_FALSE(net.Elect(5));
  net.Heal();
  net.Isolate(1);
  ASSERT_TRUE(net.Elect(3));
  net.Stabilize();
  for (NodeId id : {2, 3, 4, 5}) {
    EXPECT_EQ(net.state(id), std::vector<std::string>{"committed"}) << id;
  }
}

// Log matching (§5.3): "If two entries in different logs have the same index and term, then
// the logs are identical in all entries up through the given index" — checked across a run
// with message loss and leader changes.
TEST(RaftPaperTest, LogMatchingUnderLossAndLeaderChanges) {
  Network net({1, 2, 3, 4, 5}, testing::TestConfig(), /*seed=*/42);
  net.SetLossPercent(20);
  int proposed = 0;
  for (int step = 0; step < 600; ++step) {
    net.TickAll(1);
    const NodeId leader = net.Leader();
    if (leader != kNoNode && step % 3 == 0) {
      if (net.node(leader).Propose(Payload("p" + std::to_string(proposed))).ok()) ++proposed;
    }
    if (step % 97 == 0 && leader != kNoNode) net.Isolate(leader);
    if (step % 97 == 40) net.Heal();
    net.StepOnce();
    net.StepOnce();
    // Any two logs agreeing on (index, term) agree on everything up to it.
    for (NodeId a : net.ids()) {
      for (NodeId b : net.ids()) {
        if (a >= b) continue;
        const RaftLog& la = net.node(a).raft().log();
        const RaftLog& lb = net.node(b).raft().log();
        const uint64_t hi = std::min(la.LastIndex(), lb.LastIndex());
        uint64_t i = hi;
        while (i > 0 && la.TermOrZero(i) != lb.TermOrZero(i)) --i;
        for (uint64_t j = 1; j <= i; ++j) {
          ASSERT_EQ(la.TermOrZero(j), lb.TermOrZero(j)) << a << " " << b << " at " << j;
        }
      }
    }
  }
  net.SetLossPercent(0);
  net.Heal();
  for (int i = 0; i < 100; ++i) {
    net.TickAll(1);
    net.Stabilize();
  }
  ASSERT_NE(net.Leader(), kNoNode);
  EXPECT_GT(proposed, 50);
  for (NodeId id : net.ids()) EXPECT_EQ(net.state(id), net.state(1)) << id;
  EXPECT_TRUE(net.step_errors().empty()) << net.step_errors().front();
}

}  // namespace
}  // namespace mq::raft
