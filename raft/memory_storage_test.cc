#include "raft/memory_storage.h"

#include "gtest/gtest.h"
#include "raft/conf_change.h"

namespace mq::raft {
namespace {

Entry E(uint64_t term, uint64_t index, std::string_view data = "") {
  Entry e;
  e.term = term;
  e.index = index;
  e.data = Payload(data);
  return e;
}

std::vector<uint64_t> Terms(const std::vector<Entry>& entries) {
  std::vector<uint64_t> out;
  for (const Entry& e : entries) out.push_back(e.term);
  return out;
}

TEST(MemoryStorageTest, FreshLogIsEmpty) {
  MemoryStorage s;
  EXPECT_EQ(*s.FirstIndex(), 1u);
  EXPECT_EQ(*s.LastIndex(), 0u);
  EXPECT_EQ(*s.Term(0), 0u);
  absl::StatusOr<StorageState> st = s.InitialState();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->conf_state, ConfState{});
  EXPECT_TRUE(st->hard_state.empty());
  EXPECT_TRUE(s.Snapshot()->empty());
  s.SetHardState(HardState{2, 1, 0});
  EXPECT_EQ(s.InitialState()->hard_state, (HardState{2, 1, 0}));
}

TEST(MemoryStorageTest, BootstrapWritesTheFoundingLog) {
  MemoryStorage s;
  ASSERT_TRUE(s.Bootstrap(ConfState{{1, 2}, {3}}).ok());
  EXPECT_EQ(*s.LastIndex(), 3u);
  EXPECT_EQ(s.hard_state(), (HardState{1, kNoNode, 3}));
  std::vector<Entry> entries = *s.Entries(1, 4, UINT64_MAX);
  ASSERT_EQ(entries.size(), 3u);
  for (const Entry& e : entries) {
    EXPECT_EQ(e.type, EntryType::kConfChange);
    EXPECT_EQ(e.term, 1u);
  }
  EXPECT_EQ(*DecodeConfChange(entries[0].data.view()), (ConfChange{ConfChangeType::kAddVoter, 1}));
  EXPECT_EQ(*DecodeConfChange(entries[2].data.view()),
            (ConfChange{ConfChangeType::kAddLearner, 3}));
  EXPECT_EQ(s.Bootstrap(ConfState{{1}, {}}).code(), absl::StatusCode::kFailedPrecondition);
  MemoryStorage t;
  EXPECT_EQ(t.Bootstrap(ConfState{}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Bootstrap(ConfState{{2, 1}, {}}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(MemoryStorageTest, AppendTruncatesConflictingSuffix) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1), E(1, 2), E(2, 3)}).ok());
  ASSERT_TRUE(s.Append({E(3, 3), E(3, 4)}).ok());
  EXPECT_EQ(*s.LastIndex(), 4u);
  EXPECT_EQ(Terms(*s.Entries(1, 5, UINT64_MAX)), (std::vector<uint64_t>{1, 1, 3, 3}));
  ASSERT_TRUE(s.Append({E(4, 2)}).ok());
  EXPECT_EQ(*s.LastIndex(), 2u);
  EXPECT_TRUE(s.Append({}).ok());
}

TEST(MemoryStorageTest, AppendRefusesGapsAndDisorder) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1)}).ok());
  EXPECT_EQ(s.Append({E(1, 3)}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.Append({E(1, 2), E(1, 4)}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(MemoryStorageTest, EntriesHonourTheByteLimit) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1, "aaaa"), E(1, 2, "bbbb"), E(1, 3, "cccc")}).ok());
  const uint64_t one = 4 + kEntryOverheadBytes;
  EXPECT_EQ(s.Entries(1, 4, 0)->size(), 1u);
  EXPECT_EQ(s.Entries(1, 4, 2 * one)->size(), 2u);
  EXPECT_EQ(s.Entries(2, 4, UINT64_MAX)->size(), 2u);
  EXPECT_EQ(s.Entries(2, 2, UINT64_MAX)->size(), 0u);
  EXPECT_EQ(s.Entries(2, 5, UINT64_MAX).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.Term(4).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MemoryStorageTest, SnapshotThenCompact) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1), E(1, 2), E(2, 3), E(2, 4)}).ok());
  EXPECT_EQ(s.Compact(2).code(), absl::StatusCode::kFailedPrecondition);  // no snapshot yet
  ASSERT_TRUE(s.CreateSnapshot(3, ConfState{{1, 2}, {}}, Payload(std::string_view("s"))).ok());
  EXPECT_EQ(s.CreateSnapshot(3, {}, Payload()).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.CreateSnapshot(9, {}, Payload()).code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(s.Snapshot()->metadata.term, 2u);
  EXPECT_EQ(s.InitialState()->conf_state, (ConfState{{1, 2}, {}}));
  EXPECT_EQ(*s.FirstIndex(), 1u);  // the log is kept until compacted
  ASSERT_TRUE(s.Compact(2).ok());
  EXPECT_EQ(*s.FirstIndex(), 3u);
  EXPECT_EQ(*s.Term(2), 1u);
  EXPECT_TRUE(IsCompacted(s.Term(1).status()));
  EXPECT_TRUE(IsCompacted(s.Entries(2, 4, UINT64_MAX).status()));
  ASSERT_TRUE(s.Compact(1).ok());  // below the first index: no-op
  EXPECT_EQ(s.Compact(4).code(), absl::StatusCode::kFailedPrecondition);
  // Appending entries that are partly compacted keeps the rest.
  ASSERT_TRUE(s.Append({E(2, 2), E(2, 3), E(3, 4), E(3, 5)}).ok());
  EXPECT_EQ(*s.LastIndex(), 5u);
  EXPECT_EQ(*s.Term(4), 3u);
  ASSERT_TRUE(s.Append({E(1, 1)}).ok());  // entirely compacted: ignored
  EXPECT_EQ(*s.LastIndex(), 5u);
}

TEST(MemoryStorageTest, ApplySnapshotReplacesTheLog) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1), E(1, 2)}).ok());
  Snapshot snap;
  snap.metadata = {10, 3, ConfState{{1, 2}, {}}};
  snap.data = Payload(std::string_view("state"));
  ASSERT_TRUE(s.ApplySnapshot(snap).ok());
  EXPECT_EQ(*s.FirstIndex(), 11u);
  EXPECT_EQ(*s.LastIndex(), 10u);
  EXPECT_EQ(*s.Term(10), 3u);
  EXPECT_EQ(s.Snapshot()->data, std::string_view("state"));
  EXPECT_EQ(s.ApplySnapshot(snap).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.Append({E(3, 12)}).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(s.Append({E(3, 11)}).ok());
}

}  // namespace
}  // namespace mq::raft
