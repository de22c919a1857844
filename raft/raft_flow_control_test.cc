// Per-follower flow control: probe/replicate/snapshot states, the inflight message and byte
// limits, the append size limit, recovery of a lost pipeline, and fast back-off over a long
// divergent log.

#include <string>

#include "gtest/gtest.h"
#include "raft/memory_storage.h"
#include "raft/raw_node.h"
#include "raft/testing/network.h"

namespace mq::raft {
namespace {

using testing::Network;
using testing::TestConfig;

Payload Bytes(size_t n) { return Payload(std::string(n, 'b')); }

// Appends carrying entries that the leader put on the wire to `to` since the last call
// (empty appends only carry the commit index and take no room in the pipeline).
std::vector<Message> AppendsTo(Network& net, NodeId to) {
  std::vector<Message> out;
  for (Message& m : net.TakeSent()) {
    if (m.type == MessageType::kAppend && m.to == to && !m.entries.empty()) {
      out.push_back(std::move(m));
    }
  }
  return out;
}

TEST(RaftFlowControlTest, InflightMessagesAreCapped) {
  Config c = TestConfig();
  c.inflight_msgs_max = 3;
  Network net({1, 2, 3}, c);
  ASSERT_TRUE(net.Elect(1));
  ASSERT_EQ(net.node(1).Status().progress.at(2).state, ProgressState::kReplicate);
  net.HoldPersistence(2);  // 2 receives but does not acknowledge
  net.TakeSent();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(net.node(1).Propose(Bytes(10)).ok());
    net.StepOnce();
  }
  EXPECT_EQ(AppendsTo(net, 2).size(), 3u);
  EXPECT_EQ(net.node(1).Status().progress.at(2).inflights.count(), 3u);
  // Acknowledgements free the pipeline; the backlog goes out in one message.
  net.ReleasePersistence(2);
  net.Stabilize();
  std::vector<Message> more = AppendsTo(net, 2);
  ASSERT_GE(more.size(), 1u);
  EXPECT_EQ(more[0].entries.size(), 7u);
  EXPECT_EQ(net.node(2).last_index(), net.node(1).last_index());
}

TEST(RaftFlowControlTest, InflightBytesAreCapped) {
  Config c = TestConfig();
  c.append_entries_bytes_max = 1000;
  c.inflight_bytes_max = 2000;
  Network net({1, 2, 3}, c);
  ASSERT_TRUE(net.Elect(1));
  net.HoldPersistence(2);
  net.TakeSent();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(net.node(1).Propose(Bytes(900)).ok());
    net.StepOnce();
  }
  // 924 bytes per message: the third crosses 2000, then the flow pauses.
  EXPECT_EQ(AppendsTo(net, 2).size(), 3u);
  EXPECT_GE(net.node(1).Status().progress.at(2).inflights.bytes(), 2000u);
  net.ReleasePersistence(2);
  net.Stabilize();
  EXPECT_EQ(net.node(2).last_index(), net.node(1).last_index());
}

TEST(RaftFlowControlTest, AppendMessagesRespectTheByteLimit) {
  Config c = TestConfig();
  c.append_entries_bytes_max = 1000;
  Network net({1, 2, 3}, c);
  ASSERT_TRUE(net.Elect(1));
  net.TakeSent();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(net.node(1).Propose(Bytes(100)).ok());
  ASSERT_TRUE(net.node(1).Propose(Bytes(5000)).ok());  // alone in its message, not stuck
  net.StepOnce();
  std::vector<Message> appends = AppendsTo(net, 2);
  ASSERT_GE(appends.size(), 3u);
  size_t entries = 0;
  for (const Message& m : appends) {
    uint64_t bytes = 0;
    for (const Entry& e : m.entries) bytes += EntryBytes(e);
    EXPECT_TRUE(bytes <= 1000 || m.entries.size() == 1) << ToString(m);
    entries += m.entries.size();
  }
  EXPECT_EQ(entries, 21u);
  net.Stabilize();
  EXPECT_EQ(net.node(2).committed(), net.node(1).committed());
}

TEST(RaftFlowControlTest, ProbeSendsOneAppendUntilAnswered) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  net.node(1).ReportUnreachable(2);
  ASSERT_EQ(net.node(1).Status().progress.at(2).state, ProgressState::kProbe);
  net.Isolate(2);
  net.TakeSent();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(net.node(1).Propose(Bytes(10)).ok());
    net.StepOnce();
  }
  EXPECT_EQ(AppendsTo(net, 2).size(), 1u);
  net.Heal();
  net.Tick(1, 1);  // a heartbeat response unblocks the probe
  net.Stabilize();
  EXPECT_EQ(net.node(1).Status().progress.at(2).state, ProgressState::kReplicate);
  EXPECT_EQ(net.node(2).last_index(), net.node(1).last_index());
}

// Every append to 2 is lost while the pipeline fills; once the network heals, a heartbeat
// response lets one append through, its rejection sends the leader back to probing, and the
// follower catches up.
TEST(RaftFlowControlTest, ALostPipelineRecoversThroughHeartbeats) {
  Config c = TestConfig();
  c.inflight_msgs_max = 2;
  Network net({1, 2, 3}, c);
  ASSERT_TRUE(net.Elect(1));
  net.SetDropFilter([](const Message& m) { return m.type == MessageType::kAppend && m.to == 2; });
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(net.node(1).Propose(Bytes(10)).ok());
    net.StepOnce();
  }
  ASSERT_TRUE(net.node(1).Status().progress.at(2).IsPaused());
  net.SetDropFilter(nullptr);
  for (int i = 0; i < 3; ++i) {
    net.TickAll(1);
    net.Stabilize();
  }
  EXPECT_EQ(net.node(2).last_index(), net.node(1).last_index());
  EXPECT_EQ(net.node(2).committed(), net.node(1).committed());
}

// A follower with a long divergent tail of an old term is repaired in a few round trips, not
// one per entry: its hint skips every entry of a newer term than the leader's.
TEST(RaftFlowControlTest, RejectHintsSkipADivergentTail) {
  Config c = TestConfig();
  c.pre_vote = false;
  Network net({1, 2, 3}, c);
  // After the founding entries (1..3, term 1): leader-to-be 1 and voter 3 hold term 3 x 5;
  // follower 2 holds term 2 x 200.
  auto make = [](const std::vector<uint64_t>& terms, uint64_t term) {
    auto s = std::make_unique<MemoryStorage>();
    EXPECT_TRUE(s->Bootstrap(ConfState{{1, 2, 3}, {}}).ok());
    std::vector<Entry> entries;
    for (size_t i = 0; i < terms.size(); ++i) {
      Entry e;
      e.term = terms[i];
      e.index = 4 + i;
      entries.push_back(std::move(e));
    }
    EXPECT_TRUE(s->Append(entries).ok());
    s->SetHardState(HardState{term, kNoNode, 3});
    return s;
  };
  const std::vector<uint64_t> leader_terms(5, 3);
  const std::vector<uint64_t> follower_terms(200, 2);
  net.ResetStorage(1, make(leader_terms, 3));
  net.ResetStorage(2, make(follower_terms, 3));
  net.ResetStorage(3, make(leader_terms, 3));
  net.TakeSent();
  ASSERT_TRUE(net.Elect(1));
  int rejections = 0;
  for (const Message& m : net.TakeSent()) {
    rejections += m.type == MessageType::kAppendResponse && m.from == 2 && m.reject;
  }
  EXPECT_LE(rejections, 2);
  EXPECT_EQ(net.node(2).last_index(), net.node(1).last_index());
  EXPECT_EQ(net.node(2).raft().log().TermOrZero(4), 3u);
}

TEST(RaftFlowControlTest, UnreachableReportMovesToProbe) {
  Network net({1, 2, 3});
  ASSERT_TRUE(net.Elect(1));
  ASSERT_EQ(net.node(1).Status().progress.at(3).state, ProgressState::kReplicate);
  net.node(1).ReportUnreachable(3);
  EXPECT_EQ(net.node(1).Status().progress.at(3).state, ProgressState::kProbe);
  net.node(1).ReportUnreachable(9);  // unknown peers are ignored
}

// A lone proposal: with the commit announced at once the leader sends each follower a second,
// empty append to tell it the new commit index (and gets a second acknowledgement); without,
// that index rides on the next append carrying entries, or the next heartbeat.
TEST(RaftFlowControlTest, CommitIsAnnouncedAtOnceOnlyWhenConfigured) {
  for (const bool at_once : {true, false}) {
    Config c = TestConfig();
    c.announce_commit_at_once = at_once;
    Network net({1, 2, 3}, c);
    ASSERT_TRUE(net.Elect(1));
    net.TakeSent();
    ASSERT_TRUE(net.node(1).Propose(Payload(std::string_view("a"))).ok());
    const uint64_t a = net.node(1).last_index();
    net.Stabilize();
    ASSERT_EQ(net.node(1).committed(), a);
    size_t appends = 0;
    for (const Message& m : net.TakeSent()) appends += m.type == MessageType::kAppend ? 1 : 0;
    EXPECT_EQ(appends, at_once ? 4u : 2u) << "at_once=" << at_once;
    EXPECT_EQ(net.node(2).committed(), at_once ? a : a - 1) << "at_once=" << at_once;

    // The next proposal's append carries the commit of the first.
    ASSERT_TRUE(net.node(1).Propose(Payload(std::string_view("b"))).ok());
    net.ProcessReadies();
    for (const Message& m : net.TakeQueued()) {
      if (m.type == MessageType::kAppend) {
        EXPECT_EQ(m.commit, a);
        ASSERT_TRUE(net.Inject(m).ok());
      }
    }
    EXPECT_EQ(net.node(2).committed(), a);

    // A heartbeat brings idle followers up to date too.
    net.Stabilize();
    EXPECT_EQ(net.node(3).committed(), at_once ? a + 1 : a);
    net.Tick(1, c.heartbeat_timeout_ticks);
    net.Stabilize();
    EXPECT_EQ(net.node(3).committed(), a + 1);
    EXPECT_EQ(net.state(3), (std::vector<std::string>{"a", "b"}));
  }
}

}  // namespace
}  // namespace mq::raft
