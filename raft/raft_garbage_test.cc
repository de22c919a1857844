// Bad input from the network never crashes a node and never changes its state: each kind of
// malformed message is refused with an error, and a seeded stream of random messages is
// survived in every role.

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "raft/conf_change.h"
#include "raft/raw_node.h"
#include "raft/testing/network.h"

namespace mq::raft {
namespace {

using testing::Network;

Message Msg(MessageType type, NodeId from, NodeId to, uint64_t term) {
  Message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

Entry E(uint64_t term, uint64_t index, EntryType type = EntryType::kNormal,
        std::string_view data = "") {
  Entry e;
  e.term = term;
  e.index = index;
  e.type = type;
  e.data = Payload(data);
  return e;
}

struct Snap {
  HardState hard_state;
  uint64_t last_index;
  Role role;
  ConfState conf;
  bool operator==(const Snap&) const = default;
};

Snap Capture(RawNode& n) {
  return Snap{n.raft().hard_state(), n.last_index(), n.role(), n.conf_state()};
}

// A cluster with leader 1 (term 2: the founding entries are term 1) and a committed entry
// "x" at index 5, so every role has state to lose.
class RaftGarbageTest : public ::testing::Test {
 protected:
  RaftGarbageTest() : net_({1, 2, 3}) {
    EXPECT_TRUE(net_.Elect(1));
    EXPECT_TRUE(net_.node(1).Propose(Payload(std::string_view("x"))).ok());
    net_.Stabilize();
  }

  // Steps `m` into its recipient (node 2, or 1 for messages meant for the leader) and expects
  // `code` and no state change.
  void ExpectRefused(const Message& m, absl::StatusCode code) {
    RawNode& n = net_.node(m.to == 1 ? 1 : 2);
    const Snap before = Capture(n);
    absl::Status s = n.Step(m);
    EXPECT_EQ(s.code(), code) << ToString(m) << ": " << s;
    EXPECT_TRUE(Capture(n) == before) << ToString(m);
  }

  static constexpr uint64_t kTerm = 2;
  static constexpr uint64_t kX = 5;  // the index of "x"
  Network net_;
};

TEST_F(RaftGarbageTest, MisaddressedAndAnonymousMessages) {
  ExpectRefused(Msg(MessageType::kHeartbeat, 1, 9, kTerm), absl::StatusCode::kInvalidArgument);
  Message wrong_to = Msg(MessageType::kHeartbeat, 1, 2, kTerm);
  wrong_to.to = 3;
  ExpectRefused(wrong_to, absl::StatusCode::kInvalidArgument);
  ExpectRefused(Msg(MessageType::kHeartbeat, 0, 2, kTerm), absl::StatusCode::kInvalidArgument);
  ExpectRefused(Msg(MessageType::kHeartbeat, 2, 2, kTerm), absl::StatusCode::kInvalidArgument);
  ExpectRefused(Msg(static_cast<MessageType>(99), 1, 2, kTerm), absl::StatusCode::kInvalidArgument);
  ExpectRefused(Msg(MessageType::kAppend, 1, 2, 0), absl::StatusCode::kInvalidArgument);
}

TEST_F(RaftGarbageTest, LocalMessagesFromOutside) {
  ExpectRefused(Msg(MessageType::kLocalPersisted, 3, 2, 0), absl::StatusCode::kInvalidArgument);
  ExpectRefused(Msg(MessageType::kLocalSnapshotStatus, 3, 1, 0),
                absl::StatusCode::kInvalidArgument);
  ExpectRefused(Msg(MessageType::kLocalUnreachable, 3, 1, 0), absl::StatusCode::kInvalidArgument);
}

TEST_F(RaftGarbageTest, FieldsInTheWrongMessage) {
  Message beat = Msg(MessageType::kHeartbeat, 1, 2, kTerm);
  beat.entries.push_back(E(1, 3));
  ExpectRefused(beat, absl::StatusCode::kInvalidArgument);
  Message app = Msg(MessageType::kAppend, 1, 2, kTerm);
  app.snapshot.metadata.index = 5;
  ExpectRefused(app, absl::StatusCode::kInvalidArgument);
  Message vote = Msg(MessageType::kVote, 3, 2, kTerm + 1);
  vote.log_term = kTerm + 2;  // a last term after the candidate's own term
  ExpectRefused(vote, absl::StatusCode::kInvalidArgument);
  Message resp = Msg(MessageType::kAppendResponse, 2, 1, kTerm);
  resp.reject = true;
  resp.index = 2;
  resp.reject_hint = 3;
  ExpectRefused(resp, absl::StatusCode::kInvalidArgument);
}

TEST_F(RaftGarbageTest, MalformedAppendEntries) {
  Message app = Msg(MessageType::kAppend, 1, 2, kTerm);
  app.index = 2;
  app.log_term = 1;
  app.entries = {E(1, 3), E(1, 5)};  // a gap
  ExpectRefused(app, absl::StatusCode::kInvalidArgument);
  app.entries = {E(1, 4)};  // not right after index
  ExpectRefused(app, absl::StatusCode::kInvalidArgument);
  app.entries = {E(kTerm + 1, 3)};  // a term after the message's
  ExpectRefused(app, absl::StatusCode::kInvalidArgument);
  app.log_term = 1;
  app.term = 3;
  app.entries = {E(2, 3), E(1, 4)};  // decreasing terms
  ExpectRefused(app, absl::StatusCode::kInvalidArgument);
  app.term = kTerm;
  app.entries = {E(1, 3, EntryType::kConfChange, "junk")};
  ExpectRefused(app, absl::StatusCode::kInvalidArgument);
  app.entries = {E(1, 3, static_cast<EntryType>(7))};
  ExpectRefused(app, absl::StatusCode::kInvalidArgument);
  app.index = UINT64_MAX;
  app.entries = {E(1, 0)};
  ExpectRefused(app, absl::StatusCode::kInvalidArgument);
}

TEST_F(RaftGarbageTest, AppendCannotRewriteCommittedEntries) {
  // "x" is committed on 2; a "leader" of a later term claims otherwise. Anything at or below
  // the commit index is acknowledged as matching and never touched.
  ASSERT_EQ(net_.node(2).committed(), kX);
  Message app = Msg(MessageType::kAppend, 3, 2, kTerm + 1);
  app.index = kX - 1;
  app.log_term = kTerm;
  app.entries = {E(kTerm + 1, kX)};
  RawNode& n = net_.node(2);
  EXPECT_TRUE(n.Step(app).ok());
  EXPECT_EQ(n.raft().log().TermOrZero(kX), kTerm);
  EXPECT_EQ(n.last_index(), kX);
}

TEST_F(RaftGarbageTest, ConfEntryThatCannotApply) {
  Message app = Msg(MessageType::kAppend, 1, 2, kTerm);
  app.index = kX;
  app.log_term = kTerm;
  app.commit = kX;
  app.entries = {E(kTerm, kX + 1, EntryType::kConfChange,
                   EncodeConfChange(ConfChange{ConfChangeType::kRemoveNode, 7}))};
  ExpectRefused(app, absl::StatusCode::kInvalidArgument);
}

TEST_F(RaftGarbageTest, IndexesPastTheLog) {
  // An acknowledgement of entries the leader never had.
  Message resp = Msg(MessageType::kAppendResponse, 2, 1, kTerm);
  resp.index = 100;
  ExpectRefused(resp, absl::StatusCode::kInvalidArgument);
  // A heartbeat committing past the follower's log.
  Message beat = Msg(MessageType::kHeartbeat, 1, 2, kTerm);
  beat.commit = 100;
  ExpectRefused(beat, absl::StatusCode::kInvalidArgument);
  // An append whose previous entry is past the log is only a mismatch: rejected normally.
  Message app = Msg(MessageType::kAppend, 1, 2, kTerm);
  app.index = 50;
  app.log_term = 1;
  EXPECT_TRUE(net_.node(2).Step(app).ok());
}

TEST_F(RaftGarbageTest, UnknownSenderAtTheLeader) {
  for (MessageType type : {MessageType::kAppendResponse, MessageType::kHeartbeatResponse,
                           MessageType::kReadIndex, MessageType::kTransferLeader}) {
    ExpectRefused(Msg(type, 7, 1, kTerm), absl::StatusCode::kNotFound);
  }
}

TEST_F(RaftGarbageTest, SecondLeaderInTheSameTerm) {
  ExpectRefused(Msg(MessageType::kAppend, 2, 1, kTerm), absl::StatusCode::kInvalidArgument);
  ExpectRefused(Msg(MessageType::kHeartbeat, 2, 1, kTerm), absl::StatusCode::kInvalidArgument);
}

TEST_F(RaftGarbageTest, BadSnapshots) {
  Message snap = Msg(MessageType::kSnapshot, 1, 2, kTerm);
  ExpectRefused(snap, absl::StatusCode::kInvalidArgument);  // empty
  snap.snapshot.metadata = {10, kTerm + 1, ConfState{{1, 2, 3}, {}}};
  ExpectRefused(snap, absl::StatusCode::kInvalidArgument);  // term after the message's
  snap.snapshot.metadata = {10, 1, ConfState{{3, 1}, {}}};
  ExpectRefused(snap, absl::StatusCode::kInvalidArgument);  // unsorted configuration
  snap.snapshot.metadata = {10, 1, ConfState{{}, {2}}};
  ExpectRefused(snap, absl::StatusCode::kInvalidArgument);  // no voters
}

// Random messages in every role: errors are fine, crashes are not.
TEST_F(RaftGarbageTest, RandomMessagesNeverCrash) {
  const char* env = std::getenv("MQ_RAFT_GARBAGE_ROUNDS");
  const int rounds = env != nullptr ? std::atoi(env) : 20000;
  Prng prng(20240501);
  auto pick = [&](uint64_t n) { return prng.Uniform(n); };
  auto small = [&]() -> uint64_t {
    switch (pick(4)) {
      case 0:
        return 0;
      case 1:
        return pick(4);
      case 2:
        return pick(40);
      default:
        return prng.Next();
    }
  };
  int errors = 0;
  for (int i = 0; i < rounds; ++i) {
    const NodeId to = 1 + pick(3);
    Message m;
    // Local report types are the shell's, not the network's: leave them out.
    do {
      m.type = static_cast<MessageType>(pick(kMessageTypeMax + 3));
    } while (m.type == MessageType::kLocalPersisted);
    m.to = pick(10) == 0 ? pick(5) : to;
    do {
      m.from = pick(6);
    } while (m.from == to);
    m.term = pick(8) == 0 ? small() : net_.node(to).term() + pick(3) - 1 + pick(2);
    m.log_term = pick(2) ? m.term - pick(std::max<uint64_t>(m.term, 1)) : small();
    m.index = small();
    m.commit = small();
    m.reject = pick(3) == 0;
    m.reject_hint = pick(2) ? m.index - pick(std::max<uint64_t>(m.index, 1)) : small();
    if (m.type == MessageType::kAppend || pick(30) == 0) {
      const size_t n = pick(4);
      uint64_t term = m.log_term;
      for (size_t k = 0; k < n; ++k) {
        term += pick(2);
        Entry e = E(pick(10) == 0 ? small() : std::min(term, m.term), m.index + 1 + k,
                    static_cast<EntryType>(pick(3)));
        if (e.type == EntryType::kConfChange && pick(2)) {
          e.data = Payload(
              EncodeConfChange(ConfChange{static_cast<ConfChangeType>(pick(3)), 1 + pick(5)}));
        }
        m.entries.push_back(std::move(e));
      }
    }
    if (m.type == MessageType::kSnapshot || pick(30) == 0) {
      m.snapshot.metadata.index = small();
      m.snapshot.metadata.term = pick(2) ? m.term : small();
      m.snapshot.metadata.conf_state.voters = {1, 2, 3};
      if (pick(4) == 0) m.snapshot.metadata.conf_state.learners = {pick(6)};
    }
    if (pick(4) == 0) m.context = std::string(pick(12), 'c');
    errors += !net_.node(to).Step(std::move(m)).ok();
    // Keep the cluster moving so garbage lands on leaders, candidates and followers.
    if (i % 7 == 0) net_.TickAll(1);
    if (i % 3 == 0) net_.StepOnce();
  }
  EXPECT_GT(errors, 0);  // the generator does produce garbage
}

}  // namespace
}  // namespace mq::raft
