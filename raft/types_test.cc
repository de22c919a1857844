#include "raft/types.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace mq::raft {
namespace {

Entry MakeEntry(uint64_t term, uint64_t index, size_t bytes) {
  Entry e;
  e.term = term;
  e.index = index;
  e.data = Payload(std::string(bytes, 'a'));
  return e;
}

TEST(TypesTest, CountWithinBytesTakesAtLeastOne) {
  std::vector<Entry> entries = {MakeEntry(1, 1, 100), MakeEntry(1, 2, 100), MakeEntry(1, 3, 100)};
  const uint64_t one = 100 + kEntryOverheadBytes;
  EXPECT_EQ(CountWithinBytes(entries.data(), 0, 0), 0u);
  EXPECT_EQ(CountWithinBytes(entries.data(), 3, 0), 1u);
  EXPECT_EQ(CountWithinBytes(entries.data(), 3, one), 1u);
  EXPECT_EQ(CountWithinBytes(entries.data(), 3, 2 * one - 1), 1u);
  EXPECT_EQ(CountWithinBytes(entries.data(), 3, 2 * one), 2u);
  EXPECT_EQ(CountWithinBytes(entries.data(), 3, UINT64_MAX), 3u);
  EXPECT_EQ(PayloadBytes(entries), 300u);
}

TEST(TypesTest, MessageClassification) {
  EXPECT_TRUE(IsLocalMessage(MessageType::kLocalPersisted));
  EXPECT_TRUE(IsLocalMessage(MessageType::kLocalSnapshotStatus));
  EXPECT_TRUE(IsLocalMessage(MessageType::kLocalUnreachable));
  EXPECT_FALSE(IsLocalMessage(MessageType::kAppend));
  EXPECT_TRUE(IsSentAfterPersist(MessageType::kAppendResponse));
  EXPECT_TRUE(IsSentAfterPersist(MessageType::kVoteResponse));
  EXPECT_TRUE(IsSentAfterPersist(MessageType::kPreVoteResponse));
  EXPECT_FALSE(IsSentAfterPersist(MessageType::kAppend));
  EXPECT_FALSE(IsSentAfterPersist(MessageType::kHeartbeatResponse));
  EXPECT_FALSE(IsSentAfterPersist(MessageType::kVote));
}

TEST(TypesTest, EveryMessageTypeHasADistinctName) {
  std::set<std::string_view> names;
  for (uint8_t t = 0; t <= kMessageTypeMax; ++t) {
    names.insert(MessageTypeName(static_cast<MessageType>(t)));
  }
  EXPECT_EQ(names.size(), kMessageTypeMax + 1u);
  EXPECT_FALSE(names.contains("kUnknownMessageType"));
  EXPECT_EQ(MessageTypeName(static_cast<MessageType>(200)), "kUnknownMessageType");
  EXPECT_EQ(RoleName(Role::kPreCandidate), "pre-candidate");
  EXPECT_EQ(EntryTypeName(EntryType::kConfChange), "conf");
}

TEST(TypesTest, ToStringNamesTheFields) {
  Message m;
  m.type = MessageType::kAppend;
  m.from = 1;
  m.to = 2;
  m.term = 3;
  m.log_term = 2;
  m.index = 7;
  m.commit = 6;
  m.entries = {MakeEntry(3, 8, 5)};
  EXPECT_EQ(ToString(m), "1->2 kAppend term=3 log_term=2 index=7 commit=6 entries=[3/8 normal 5B]");
  Message r;
  r.type = MessageType::kAppendResponse;
  r.from = 2;
  r.to = 1;
  r.term = 3;
  r.index = 7;
  r.reject = true;
  r.reject_hint = 4;
  EXPECT_EQ(ToString(r), "2->1 kAppendResponse term=3 index=7 reject hint=4");
  Message s;
  s.type = MessageType::kSnapshot;
  s.from = 1;
  s.to = 3;
  s.term = 4;
  s.snapshot.metadata = {10, 2, {{1, 2, 3}, {4}}};
  s.context = "ab";
  EXPECT_EQ(ToString(s),
            "1->3 kSnapshot term=4 snapshot=2/10 voters=(1 2 3) learners=(4) 0B context=2B");
  EXPECT_EQ(ToString(HardState{3, 1, 9}), "term=3 vote=1 commit=9");
  EXPECT_EQ(ToString(std::vector<Entry>{}), "[]");
}

}  // namespace
}  // namespace mq::raft
