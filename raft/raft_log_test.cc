#include "raft/raft_log.h"

#include "gtest/gtest.h"
#include "raft/memory_storage.h"

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

// Storage holds terms 1 1 2 at 1..3; the unstable tail is given per test.
class RaftLogTest : public ::testing::Test {
 protected:
  RaftLogTest() {
    EXPECT_TRUE(storage_.Append({E(1, 1), E(1, 2), E(2, 3)}).ok());
    log_ = std::make_unique<RaftLog>(*RaftLog::Create(&storage_, UINT64_MAX));
  }
  MemoryStorage storage_;
  std::unique_ptr<RaftLog> log_;
};

TEST_F(RaftLogTest, BoundsAndTerms) {
  EXPECT_EQ(log_->FirstIndex(), 1u);
  EXPECT_EQ(log_->LastIndex(), 3u);
  EXPECT_EQ(log_->LastEntryId(), (EntryId{2, 3}));
  EXPECT_EQ(*log_->Term(0), 0u);
  EXPECT_EQ(log_->Term(4).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(log_->TermOrZero(9), 0u);
  log_->AppendEntry(E(3, 4));
  EXPECT_EQ(log_->LastEntryId(), (EntryId{3, 4}));
  EXPECT_EQ(log_->PersistedIndex(), 3u);
  EXPECT_TRUE(log_->MatchTerm(EntryId{3, 4}));
  EXPECT_FALSE(log_->MatchTerm(EntryId{2, 4}));
}

TEST_F(RaftLogTest, IsUpToDate) {
  EXPECT_TRUE(log_->IsUpToDate(EntryId{3, 1}));   // later term wins however short
  EXPECT_TRUE(log_->IsUpToDate(EntryId{2, 3}));   // same term, same length
  EXPECT_FALSE(log_->IsUpToDate(EntryId{2, 2}));  // same term, shorter
  EXPECT_FALSE(log_->IsUpToDate(EntryId{1, 9}));  // earlier term loses however long
}

TEST_F(RaftLogTest, SliceSpansStorageAndUnstableWithinBytes) {
  log_->AppendEntry(E(3, 4, "dddd"));
  log_->AppendEntry(E(3, 5, "eeee"));
  EXPECT_EQ(Terms(*log_->Slice(2, 6, UINT64_MAX)), (std::vector<uint64_t>{1, 2, 3, 3}));
  EXPECT_EQ(Terms(*log_->Slice(4, 6, UINT64_MAX)), (std::vector<uint64_t>{3, 3}));
  EXPECT_EQ(log_->Slice(2, 6, 0)->size(), 1u);
  EXPECT_EQ(log_->Slice(2, 6, 3 * kEntryOverheadBytes + 3)->size(), 2u);
  EXPECT_EQ(log_->Slice(2, 6, 3 * kEntryOverheadBytes + 4)->size(), 3u);
  EXPECT_EQ(log_->Slice(3, 3, UINT64_MAX)->size(), 0u);
}

TEST_F(RaftLogTest, MaybeAppendKeepsAgreeingEntriesAndOverwritesConflicts) {
  // prev does not match: nothing happens.
  EXPECT_EQ(*log_->MaybeAppend(EntryId{3, 3}, 3, {E(3, 4)}), 0u);
  EXPECT_EQ(log_->LastIndex(), 3u);
  // Agreeing entries are kept (no unstable entries appear), commit moves to the last new one.
  EXPECT_EQ(*log_->MaybeAppend(EntryId{1, 1}, 10, {E(1, 2)}), 2u);
  EXPECT_EQ(log_->committed(), 2u);
  EXPECT_FALSE(log_->HasNextUnstableEntries());
  // A conflict at 3 (term 2 here, 4 from the leader) overwrites from 3.
  EXPECT_EQ(*log_->MaybeAppend(EntryId{1, 2}, 2, {E(4, 3), E(4, 4)}), 4u);
  EXPECT_EQ(Terms(*log_->Slice(1, 5, UINT64_MAX)), (std::vector<uint64_t>{1, 1, 4, 4}));
  EXPECT_EQ(Terms(log_->NextUnstableEntries()), (std::vector<uint64_t>{4, 4}));
  // Overwriting a committed entry is refused.
  EXPECT_EQ(log_->MaybeAppend(EntryId{1, 1}, 2, {E(5, 2)}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RaftLogTest, FindConflict) {
  EXPECT_EQ(log_->FindConflict({}), 0u);
  EXPECT_EQ(log_->FindConflict({E(1, 1), E(1, 2)}), 0u);
  EXPECT_EQ(log_->FindConflict({E(1, 2), E(3, 3)}), 3u);
  EXPECT_EQ(log_->FindConflict({E(2, 3), E(2, 4)}), 4u);
}

TEST_F(RaftLogTest, FindConflictByTerm) {
  log_->AppendEntry(E(4, 4));
  log_->AppendEntry(E(4, 5));
  // terms: 1 1 2 4 4
  EXPECT_EQ(log_->FindConflictByTerm(5, 5), (EntryId{4, 5}));
  EXPECT_EQ(log_->FindConflictByTerm(5, 3), (EntryId{2, 3}));
  EXPECT_EQ(log_->FindConflictByTerm(5, 1), (EntryId{1, 2}));
  EXPECT_EQ(log_->FindConflictByTerm(2, 4), (EntryId{1, 2}));
  EXPECT_EQ(log_->FindConflictByTerm(9, 2), (EntryId{2, 3}));  // clamped to the last index
  EXPECT_EQ(log_->FindConflictByTerm(5, 0), (EntryId{0, 0}));
}

TEST_F(RaftLogTest, CommittedEntriesWaitForPersistence) {
  log_->AppendEntry(E(3, 4));
  log_->CommitTo(4);
  // Index 4 is committed but not durable here yet.
  EXPECT_EQ(Terms(log_->NextCommittedEntries()), (std::vector<uint64_t>{1, 1, 2}));
  log_->AcceptApplying(3);
  EXPECT_FALSE(log_->HasNextCommittedEntries());
  log_->AcceptUnstable();
  ASSERT_TRUE(storage_.Append(log_->unstable().entries()).ok());
  log_->StableTo(EntryId{3, 4});
  EXPECT_TRUE(log_->HasNextCommittedEntries());
  EXPECT_EQ(Terms(log_->NextCommittedEntries()), (std::vector<uint64_t>{3}));
  log_->AcceptApplying(4);
  log_->AppliedTo(4);
  EXPECT_EQ(log_->applied(), 4u);
}

TEST_F(RaftLogTest, PendingSnapshotBlocksApplying) {
  log_->CommitTo(3);
  Snapshot snap;
  snap.metadata = {10, 5, ConfState{{1}, {}}};
  log_->Restore(snap);
  EXPECT_EQ(log_->committed(), 10u);
  EXPECT_EQ(log_->FirstIndex(), 11u);
  EXPECT_EQ(log_->LastIndex(), 10u);
  EXPECT_TRUE(IsCompacted(log_->Term(3).status()));
  EXPECT_FALSE(log_->HasNextCommittedEntries());
  EXPECT_TRUE(log_->HasNextUnstableSnapshot());
}

TEST_F(RaftLogTest, LoadCommitAndApplied) {
  EXPECT_EQ(log_->LoadCommitAndApplied(9, 0).code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(log_->LoadCommitAndApplied(2, 5).ok());
  EXPECT_EQ(log_->committed(), 2u);
  EXPECT_EQ(log_->applied(), 2u);  // clamped to the commit index
}

}  // namespace
}  // namespace mq::raft
