#include "raft/durable/raft_log_store.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "raft/bootstrap.h"
#include "raft/conf_change.h"
#include "raft/durable/durable_format.h"
#include "raft/durable/snapshot_file.h"
#include "storage/base/log_capture.h"
#include "storage/base/logging.h"
#include "storage/base/prng.h"
#include "storage/file/atomic_file.h"
#include "storage/file/meta_file.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/sim_filesystem.h"
#include "storage/fs/temp_dir.h"

namespace mq::raft {
namespace {

bool Contains(const absl::Status& status, std::string_view text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

Entry MakeEntry(uint64_t index, uint64_t term, std::string data = "",
                EntryType type = EntryType::kNormal) {
  Entry e;
  e.index = index;
  e.term = term;
  e.type = type;
  e.data = Payload(data.empty() ? "e" + std::to_string(index) + "t" + std::to_string(term) : data);
  return e;
}

std::vector<Entry> Range(uint64_t lo, uint64_t hi, uint64_t term) {
  std::vector<Entry> out;
  for (uint64_t i = lo; i <= hi; ++i) out.push_back(MakeEntry(i, term));
  return out;
}

const ConfState kThree{{1, 2, 3}, {}};
// Most tests use the store of a node that joins an existing group: its log starts empty.
const ConfState kJoining{};

class RaftLogStoreTest : public ::testing::Test {
 protected:
  RaftLogStoreTest() {
    // Small segments so compaction has whole segments to drop.
    options_.segments.segment_bytes_max = 512;
    options_.segments.index_interval_bytes = 128;
  }

  void SetUp() override {
    auto store = RaftLogStore::Create(fs_, dir_, kJoining, options_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  void Reopen(bool close = true) {
    if (close) {
      ASSERT_TRUE(store_->Close().ok());
    }
    store_.reset();
    auto store = RaftLogStore::Open(fs_, dir_, options_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  void CrashAndReopen(uint64_t seed) {
    Prng prng(seed);
    fs_.Crash(prng);
    Reopen(/*close=*/false);
  }

  void ExpectEntries(uint64_t lo, uint64_t hi, const std::vector<Entry>& want) {
    auto got = store_->Entries(lo, hi, UINT64_MAX);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ((*got)[i].index, want[i].index);
      EXPECT_EQ((*got)[i].term, want[i].term);
      EXPECT_EQ((*got)[i].type, want[i].type);
      EXPECT_EQ((*got)[i].data, want[i].data) << "entry " << want[i].index;
    }
  }

  uint64_t TermOf(uint64_t index) {
    auto term = store_->Term(index);
    EXPECT_TRUE(term.ok()) << term.status();
    return term.ok() ? *term : ~0ull;
  }

  storage::SimFilesystem fs_;
  const std::string dir_ = "/node";
  RaftLogStoreOptions options_;
  std::unique_ptr<RaftLogStore> store_;
};

// ---- Create and Open ----

TEST_F(RaftLogStoreTest, AJoiningNodesStoreStartsEmpty) {
  for (int round = 0; round < 2; ++round) {
    auto state = store_->InitialState();
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->conf_state, ConfState{});
    EXPECT_TRUE(state->hard_state.empty());
    EXPECT_EQ(*store_->FirstIndex(), 1u);
    EXPECT_EQ(*store_->LastIndex(), 0u);
    EXPECT_EQ(TermOf(0), 0u);
    auto snapshot = store_->Snapshot();
    ASSERT_TRUE(snapshot.ok());
    EXPECT_TRUE(snapshot->empty());
    EXPECT_EQ(store_->founding(), ConfState{});
    Reopen();
  }
  EXPECT_TRUE(*RaftLogStore::Exists(fs_, dir_));
}

TEST_F(RaftLogStoreTest, AFoundingMembersStoreStartsWithTheFoundingLog) {
  const ConfState founding{{1, 2, 3}, {7}};
  auto created = RaftLogStore::Create(fs_, "/founder", founding, options_);
  ASSERT_TRUE(created.ok()) << created.status();
  store_ = *std::move(created);
  auto want = MakeBootstrapLog(founding);
  ASSERT_TRUE(want.ok());
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    EXPECT_EQ(store_->founding(), founding);
    auto state = store_->InitialState();
    EXPECT_EQ(state->hard_state, want->hard_state);  // term 1, commit 4
    EXPECT_EQ(state->conf_state, ConfState{});       // the configuration is in the log
    ExpectEntries(1, 5, want->entries);
    auto change = DecodeConfChange((*store_->Entries(4, 5, UINT64_MAX))[0].data.view());
    EXPECT_EQ(*change, (ConfChange{ConfChangeType::kAddLearner, 7}));
    // Durable when Create returned.
    Prng prng(round);
    fs_.Crash(prng);
    store_.reset();
    auto reopened = RaftLogStore::Open(fs_, "/founder", options_);
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    store_ = *std::move(reopened);
  }
}

TEST_F(RaftLogStoreTest, OpenFinishesAnInterruptedBootstrap) {
  const ConfState founding{{1, 2}, {}};
  auto want = MakeBootstrapLog(founding);
  ASSERT_TRUE(want.ok());
  // Only the founding file reached the disk.
  ASSERT_TRUE(fs_.CreateDirs("/a").ok());
  ASSERT_TRUE(storage::WriteFileAtomically(fs_, "/a/founding", EncodeFoundingFile(founding)).ok());
  // The founding file and the first founding entry reached the disk.
  ASSERT_TRUE(fs_.CreateDirs("/b/log").ok());
  ASSERT_TRUE(storage::WriteFileAtomically(fs_, "/b/founding", EncodeFoundingFile(founding)).ok());
  {
    auto log = storage::SegmentedLog::Open(fs_, "/b/log", options_.segments);
    const Entry& e = want->entries[0];
    ASSERT_TRUE((*log)->Append(1, e.term, static_cast<uint16_t>(e.type), 0, e.data.view()).ok());
    ASSERT_TRUE((*log)->Close().ok());
  }
  for (const char* dir : {"/a", "/b"}) {
    SCOPED_TRACE(dir);
    auto store = RaftLogStore::Open(fs_, dir, options_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    EXPECT_EQ(store_->InitialState()->hard_state, want->hard_state);
    ExpectEntries(1, 3, want->entries);
  }
}

TEST_F(RaftLogStoreTest, AFoundingMemberWithoutHardStateButAnotherLogIsDataLoss) {
  ASSERT_TRUE(fs_.CreateDirs("/c/log").ok());
  ASSERT_TRUE(
      storage::WriteFileAtomically(fs_, "/c/founding", EncodeFoundingFile(ConfState{{1, 2}, {}}))
          .ok());
  {
    auto log = storage::SegmentedLog::Open(fs_, "/c/log", options_.segments);
    ASSERT_TRUE((*log)->Append(1, 1, 0, 0, "not a founding entry").ok());
    ASSERT_TRUE((*log)->Close().ok());
  }
  auto open = RaftLogStore::Open(fs_, "/c", options_);
  EXPECT_TRUE(absl::IsDataLoss(open.status()));
  EXPECT_TRUE(Contains(open.status(), "hard state file was lost"));
}

TEST_F(RaftLogStoreTest, CreateTwiceIsAlreadyExists) {
  auto again = RaftLogStore::Create(fs_, dir_, kJoining, options_);
  EXPECT_TRUE(absl::IsAlreadyExists(again.status()));
  EXPECT_TRUE(Contains(again.status(), dir_));
}

TEST_F(RaftLogStoreTest, OpenOfAnUnbootstrappedDirectoryIsNotFound) {
  auto missing = RaftLogStore::Open(fs_, "/elsewhere", options_);
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_TRUE(Contains(missing.status(), "never bootstrapped"));
  EXPECT_FALSE(*RaftLogStore::Exists(fs_, "/elsewhere"));
}

TEST_F(RaftLogStoreTest, CreateRefusesADirectoryWithForeignRaftFiles) {
  ASSERT_TRUE(fs_.CreateDirs("/other").ok());
  ASSERT_TRUE(fs_.Open("/other/hardstate", storage::OpenMode::kCreateOrOpen).ok());
  auto refused = RaftLogStore::Create(fs_, "/other", kThree, options_);
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status()));
  EXPECT_TRUE(Contains(refused.status(), "hardstate"));

  ASSERT_TRUE(fs_.CreateDirs("/third/log").ok());
  ASSERT_TRUE(fs_.Open("/third/log/x.seg", storage::OpenMode::kCreateOrOpen).ok());
  EXPECT_TRUE(
      absl::IsFailedPrecondition(RaftLogStore::Create(fs_, "/third", kThree, options_).status()));
}

TEST_F(RaftLogStoreTest, CreateRecoversFromACrashedCreate) {
  // A crashed Create leaves at most the directories and a temporary founding file.
  ASSERT_TRUE(fs_.CreateDirs("/half/log").ok());
  ASSERT_TRUE(fs_.Open("/half/founding.tmp", storage::OpenMode::kCreateOrOpen).ok());
  auto store = RaftLogStore::Create(fs_, "/half", kThree, options_);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_FALSE(*fs_.Exists("/half/founding.tmp"));
}

TEST_F(RaftLogStoreTest, CreateRefusesAMalformedConfiguration) {
  auto bad = RaftLogStore::Create(fs_, "/bad", ConfState{{3, 1}, {}}, options_);
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status()));
  auto learners_only = RaftLogStore::Create(fs_, "/lo", ConfState{{}, {4}}, options_);
  EXPECT_TRUE(absl::IsInvalidArgument(learners_only.status()));
  RaftLogStoreOptions broken = options_;
  broken.segments.segment_bytes_max = 0;
  EXPECT_TRUE(absl::IsInvalidArgument(RaftLogStore::Create(fs_, "/b", kThree, broken).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(RaftLogStore::Open(fs_, dir_, broken).status()));
}

TEST_F(RaftLogStoreTest, DamagedFoundingFileIsDataLoss) {
  store_.reset();
  auto file = fs_.Open("/node/founding", storage::OpenMode::kReadWrite);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->WriteAt(9, "\x7f").ok());
  auto open = RaftLogStore::Open(fs_, dir_, options_);
  EXPECT_TRUE(absl::IsDataLoss(open.status()));
  EXPECT_TRUE(Contains(open.status(), "founding"));
}

// ---- Entries and terms ----

TEST_F(RaftLogStoreTest, AppendedEntriesReadBackBeforeAndAfterReopen) {
  std::vector<Entry> entries = Range(1, 30, 1);
  entries[4] = MakeEntry(5, 1, "conf", EntryType::kConfChange);
  entries[9] = MakeEntry(10, 1, std::string(300, 'b'));  // larger than a segment's share
  for (uint64_t i = 21; i <= 30; ++i) entries[i - 1].term = 2;
  entries[29].data = Payload();  // an empty no-op
  ASSERT_TRUE(store_->Append(entries).ok());
  for (int round = 0; round < 2; ++round) {
    ExpectEntries(1, 31, entries);
    ExpectEntries(7, 12, std::vector<Entry>(entries.begin() + 6, entries.begin() + 11));
    EXPECT_EQ(TermOf(0), 0u);
    EXPECT_EQ(TermOf(20), 1u);
    EXPECT_EQ(TermOf(21), 2u);
    EXPECT_EQ(TermOf(30), 2u);
    EXPECT_EQ(*store_->LastIndex(), 30u);
    ASSERT_TRUE(store_->Sync().ok());
    Reopen();
  }
  EXPECT_GT(store_->segment_count(), 1u);
}

TEST_F(RaftLogStoreTest, EntriesStopAtTheByteLimitButReturnAtLeastOne) {
  ASSERT_TRUE(store_->Append(Range(1, 10, 1)).ok());  // payloads of 4-5 bytes
  const uint64_t one = EntryBytes(MakeEntry(1, 1));
  auto first_only = store_->Entries(1, 11, 1);
  ASSERT_TRUE(first_only.ok());
  EXPECT_EQ(first_only->size(), 1u);
  auto three = store_->Entries(1, 11, 3 * one);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->size(), 3u);
  auto all = store_->Entries(1, 11, UINT64_MAX);
  EXPECT_EQ(all->size(), 10u);
  auto none = store_->Entries(4, 4, UINT64_MAX);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(RaftLogStoreTest, ReadsOutsideTheLogAreRefused) {
  ASSERT_TRUE(store_->Append(Range(1, 5, 1)).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(store_->Entries(1, 7, UINT64_MAX).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->Entries(4, 3, UINT64_MAX).status()));
  EXPECT_TRUE(IsCompacted(store_->Entries(0, 3, UINT64_MAX).status()));
  auto past = store_->Term(6);
  EXPECT_TRUE(absl::IsInvalidArgument(past.status()));
  EXPECT_FALSE(IsCompacted(past.status()));  // the core must not take this for compaction
}

TEST_F(RaftLogStoreTest, AppendValidatesItsInput) {
  ASSERT_TRUE(store_->Append(Range(1, 5, 1)).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(store_->Append({MakeEntry(7, 1)})));  // gap
  EXPECT_TRUE(absl::IsInvalidArgument(store_->Append({MakeEntry(6, 1), MakeEntry(8, 1)})));
  Entry bad = MakeEntry(6, 1);
  bad.type = static_cast<EntryType>(9);
  EXPECT_TRUE(absl::IsInvalidArgument(store_->Append({bad})));
  EXPECT_TRUE(store_->Append({}).ok());
  EXPECT_EQ(*store_->LastIndex(), 5u);
}

TEST_F(RaftLogStoreTest, AConflictingSuffixIsTruncatedFirst) {
  ASSERT_TRUE(store_->Append(Range(1, 20, 1)).ok());
  ASSERT_TRUE(store_->Sync().ok());
  std::vector<Entry> replacement = Range(12, 14, 2);
  ASSERT_TRUE(store_->Append(replacement).ok());
  EXPECT_EQ(store_->stats().truncations, 1u);
  EXPECT_EQ(*store_->LastIndex(), 14u);
  EXPECT_EQ(TermOf(11), 1u);
  EXPECT_EQ(TermOf(12), 2u);
  std::vector<Entry> want = Range(1, 11, 1);
  want.insert(want.end(), replacement.begin(), replacement.end());
  ExpectEntries(1, 15, want);
  ASSERT_TRUE(store_->Sync().ok());
  Reopen();
  ExpectEntries(1, 15, want);
  // Overwriting the very first entry works too.
  ASSERT_TRUE(store_->Append(Range(1, 2, 3)).ok());
  ExpectEntries(1, 3, Range(1, 2, 3));
}

TEST_F(RaftLogStoreTest, TruncationIsDurableBeforeTheNextSync) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    ASSERT_TRUE(store_->Append(Range(1, 10, seed)).ok());
    ASSERT_TRUE(store_->Sync().ok());
    ASSERT_TRUE(store_->Append(Range(6, 8, seed + 1)).ok());  // no Sync
    CrashAndReopen(seed);
    // The old entries 6..10 never come back, whatever of the new ones survived.
    const uint64_t last = *store_->LastIndex();
    EXPECT_GE(last, 5u);
    EXPECT_LE(last, 8u);
    for (uint64_t i = 6; i <= last; ++i) EXPECT_EQ(TermOf(i), seed + 1);
    ASSERT_TRUE(store_->Append(Range(1, 1, seed + 1)).ok());  // start over for the next seed
  }
}

TEST_F(RaftLogStoreTest, EntriesBelowTheFirstIndexAreSkipped) {
  raft::Snapshot snapshot;
  snapshot.metadata = SnapshotMetadata{10, 2, kThree};
  ASSERT_TRUE(store_->ApplySnapshot(snapshot).ok());
  ASSERT_TRUE(store_->Append(Range(5, 12, 2)).ok());
  EXPECT_EQ(*store_->FirstIndex(), 11u);
  EXPECT_EQ(*store_->LastIndex(), 12u);
  ExpectEntries(11, 13, Range(11, 12, 2));
  ASSERT_TRUE(store_->Append(Range(3, 8, 2)).ok());  // all compacted: nothing happens
  EXPECT_EQ(*store_->LastIndex(), 12u);
}

TEST_F(RaftLogStoreTest, OverwritingSnapshotEntriesIsRefused) {
  ASSERT_TRUE(store_->Append(Range(1, 10, 1)).ok());
  ASSERT_TRUE(store_->Sync().ok());
  ASSERT_TRUE(store_->CreateSnapshot(8, kThree, Payload(std::string_view("s"))).ok());
  // The log still holds 1..10, FirstIndex() is 2: an append at 5 would rewrite covered entries.
  const absl::Status refused = store_->Append(Range(5, 6, 2));
  EXPECT_TRUE(absl::IsInvalidArgument(refused));
  EXPECT_TRUE(Contains(refused, "snapshot"));
}

// ---- Hard state ----

TEST_F(RaftLogStoreTest, HardStateIsDurableAfterSync) {
  ASSERT_TRUE(store_->Append(Range(1, 3, 2)).ok());
  store_->SetHardState(HardState{2, 3, 3});
  EXPECT_EQ(store_->hard_state(), (HardState{2, 3, 3}));
  EXPECT_TRUE(store_->stored_hard_state().empty());
  ASSERT_TRUE(store_->Sync().ok());
  EXPECT_EQ(store_->stored_hard_state(), (HardState{2, 3, 3}));
  CrashAndReopen(7);
  EXPECT_EQ(store_->InitialState()->hard_state, (HardState{2, 3, 3}));
}

TEST_F(RaftLogStoreTest, UnsyncedHardStateIsLostInACrash) {
  store_->SetHardState(HardState{4, 1, 0});
  CrashAndReopen(3);
  EXPECT_TRUE(store_->InitialState()->hard_state.empty());
}

TEST_F(RaftLogStoreTest, ACommitOnlyChangeIsWrittenLazily) {
  options_.commit_lag_entries_max = 10;
  Reopen();
  ASSERT_TRUE(store_->Append(Range(1, 30, 1)).ok());
  store_->SetHardState(HardState{1, 1, 0});
  ASSERT_TRUE(store_->Sync().ok());
  const uint64_t writes = store_->stats().hard_state_writes;
  store_->SetHardState(HardState{1, 1, 9});  // moved 9 < 10: not yet
  ASSERT_TRUE(store_->Sync().ok());
  EXPECT_EQ(store_->stats().hard_state_writes, writes);
  EXPECT_EQ(store_->stored_hard_state().commit, 0u);
  store_->SetHardState(HardState{1, 1, 10});  // moved 10: written
  ASSERT_TRUE(store_->Sync().ok());
  EXPECT_EQ(store_->stored_hard_state().commit, 10u);
  store_->SetHardState(HardState{2, 0, 11});  // a term change is always written
  ASSERT_TRUE(store_->Sync().ok());
  EXPECT_EQ(store_->stored_hard_state(), (HardState{2, 0, 11}));
  store_->SetHardState(HardState{2, 0, 12});
  Reopen();  // Close writes whatever is newer
  EXPECT_EQ(store_->InitialState()->hard_state, (HardState{2, 0, 12}));
}

TEST_F(RaftLogStoreTest, StoredCommitNeverPassesTheDurableLog) {
  options_.commit_lag_entries_max = 0;
  Reopen();
  ASSERT_TRUE(store_->Append(Range(1, 5, 1)).ok());
  ASSERT_TRUE(store_->Sync().ok());
  // A (hypothetical) commit beyond what is on disk is clamped when written.
  store_->SetHardState(HardState{1, 0, 9});
  ASSERT_TRUE(store_->Sync().ok());
  EXPECT_EQ(store_->stored_hard_state().commit, 5u);
}

TEST_F(RaftLogStoreTest, ACommitPastTheLogOnDiskIsDataLoss) {
  ASSERT_TRUE(store_->Append(Range(1, 5, 1)).ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  {
    auto meta = storage::MetaFile::Open(fs_, "/node/hardstate");
    ASSERT_TRUE(meta.ok());
    ASSERT_TRUE((*meta)->Write(EncodeHardState(HardState{1, 0, 8})).ok());
  }
  auto open = RaftLogStore::Open(fs_, dir_, options_);
  EXPECT_TRUE(absl::IsDataLoss(open.status()));
  EXPECT_TRUE(Contains(open.status(), "commit index 8"));
  EXPECT_TRUE(Contains(open.status(), "lost"));
}

TEST_F(RaftLogStoreTest, AHardStateTermBehindTheLogIsRaisedWithoutAVote) {
  store_->SetHardState(HardState{1, 2, 0});
  ASSERT_TRUE(store_->Append(Range(1, 4, 3)).ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  {
    auto meta = storage::MetaFile::Open(fs_, "/node/hardstate");
    ASSERT_TRUE((*meta)->Write(EncodeHardState(HardState{1, 2, 0})).ok());
  }
  LogCapture log;
  Reopen(/*close=*/false);
  EXPECT_EQ(store_->InitialState()->hard_state, (HardState{3, kNoNode, 0}));
  EXPECT_TRUE(log.Contains("behind the last entry's term"));
}

TEST_F(RaftLogStoreTest, DamagedHardStateIsDataLoss) {
  store_->SetHardState(HardState{1, 1, 0});
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  {
    auto file = fs_.Open("/node/hardstate", storage::OpenMode::kReadWrite);
    ASSERT_TRUE((*file)->WriteAt(10, "\x01").ok());  // the sequence of both slots
    ASSERT_TRUE((*file)->WriteAt(4096 + 10, "\x01").ok());
  }
  EXPECT_TRUE(absl::IsDataLoss(RaftLogStore::Open(fs_, dir_, options_).status()));
}

// ---- Snapshots and compaction ----

TEST_F(RaftLogStoreTest, ApplySnapshotReplacesTheLog) {
  ASSERT_TRUE(store_->Append(Range(1, 10, 1)).ok());
  raft::Snapshot snapshot;
  snapshot.metadata = SnapshotMetadata{20, 3, ConfState{{1, 2}, {4}}};
  snapshot.data = Payload(std::string_view("leader state"));
  ASSERT_TRUE(store_->ApplySnapshot(snapshot).ok());
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(*store_->FirstIndex(), 21u);
    EXPECT_EQ(*store_->LastIndex(), 20u);
    EXPECT_EQ(TermOf(20), 3u);
    EXPECT_TRUE(IsCompacted(store_->Term(19).status()));
    EXPECT_TRUE(IsCompacted(store_->Entries(10, 11, UINT64_MAX).status()));
    auto stored = store_->Snapshot();
    EXPECT_EQ(stored->metadata, snapshot.metadata);
    EXPECT_EQ(stored->data, "leader state");
    EXPECT_EQ(store_->InitialState()->conf_state, snapshot.metadata.conf_state);
    CrashAndReopen(11);  // durable when ApplySnapshot returned
  }
  ASSERT_TRUE(store_->Append(Range(21, 22, 3)).ok());
  ExpectEntries(21, 23, Range(21, 22, 3));
}

TEST_F(RaftLogStoreTest, ApplySnapshotValidates) {
  raft::Snapshot snapshot;
  snapshot.metadata = SnapshotMetadata{20, 3, kThree};
  ASSERT_TRUE(store_->ApplySnapshot(snapshot).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->ApplySnapshot(snapshot)));
  snapshot.metadata = SnapshotMetadata{30, 3, ConfState{{2, 2}, {}}};
  EXPECT_TRUE(absl::IsInvalidArgument(store_->ApplySnapshot(snapshot)));
}

TEST_F(RaftLogStoreTest, CreateSnapshotThenCompactDropsWholeSegments) {
  ASSERT_TRUE(store_->Append(Range(1, 100, 1)).ok());
  ASSERT_TRUE(store_->Append(Range(101, 120, 2)).ok());
  ASSERT_TRUE(store_->Sync().ok());
  const size_t segments = store_->segment_count();
  ASSERT_GT(segments, 4u);
  ASSERT_TRUE(store_->CreateSnapshot(110, kThree, Payload(std::string_view("app"))).ok());
  EXPECT_EQ(store_->snapshot_index(), 110u);
  EXPECT_EQ(store_->snapshot_metadata().term, 2u);
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Compact(111).status()));
  auto dropped = store_->Compact(105);
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_GT(*dropped, 0u);
  EXPECT_EQ(store_->segment_count(), segments - *dropped);
  for (int round = 0; round < 2; ++round) {
    const uint64_t first = *store_->FirstIndex();
    EXPECT_GT(first, 2u);
    EXPECT_LE(first, 106u);
    EXPECT_EQ(TermOf(first - 1), first - 1 <= 100 ? 1u : 2u);
    EXPECT_TRUE(IsCompacted(store_->Term(first - 2).status()));
    EXPECT_EQ(TermOf(110), 2u);
    std::vector<Entry> want = Range(first, 100, 1);
    for (const Entry& e : Range(std::max<uint64_t>(first, 101), 120, 2)) want.push_back(e);
    ExpectEntries(first, 121, want);
    Reopen();
  }
}

TEST_F(RaftLogStoreTest, CreateSnapshotValidates) {
  ASSERT_TRUE(store_->Append(Range(1, 10, 1)).ok());
  // Not durable yet.
  EXPECT_TRUE(absl::IsOutOfRange(store_->CreateSnapshot(5, kThree, Payload())));
  ASSERT_TRUE(store_->Sync().ok());
  EXPECT_TRUE(absl::IsOutOfRange(store_->CreateSnapshot(11, kThree, Payload())));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->CreateSnapshot(5, ConfState{{0}, {}}, Payload())));
  ASSERT_TRUE(store_->CreateSnapshot(5, kThree, Payload()).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->CreateSnapshot(5, kThree, Payload())));
}

TEST_F(RaftLogStoreTest, OpenFinishesAnInterruptedSnapshotInstall) {
  ASSERT_TRUE(store_->Append(Range(1, 10, 1)).ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  // The snapshot file was replaced, the crash came before the log was reset.
  raft::Snapshot snapshot;
  snapshot.metadata = SnapshotMetadata{50, 4, kThree};
  snapshot.data = Payload(std::string_view("x"));
  ASSERT_TRUE(WriteSnapshotFile(fs_, "/node/snapshot", snapshot).ok());
  LogCapture log;
  Reopen(/*close=*/false);
  EXPECT_TRUE(log.Contains("interrupted snapshot install"));
  EXPECT_EQ(*store_->FirstIndex(), 51u);
  EXPECT_EQ(*store_->LastIndex(), 50u);
  EXPECT_EQ(store_->InitialState()->hard_state.commit, 50u);  // raised to the snapshot
  EXPECT_EQ(store_->InitialState()->hard_state.term, 4u);     // and to its term
}

TEST_F(RaftLogStoreTest, OpenKeepsALogThatContinuesTheSnapshot) {
  ASSERT_TRUE(store_->Append(Range(1, 10, 1)).ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  raft::Snapshot snapshot;
  snapshot.metadata = SnapshotMetadata{6, 1, kThree};  // matches entry 6
  ASSERT_TRUE(WriteSnapshotFile(fs_, "/node/snapshot", snapshot).ok());
  Reopen(/*close=*/false);
  EXPECT_EQ(*store_->LastIndex(), 10u);
  EXPECT_EQ(*store_->FirstIndex(), 2u);
  ExpectEntries(2, 11, Range(2, 10, 1));
  // A mismatching term at the snapshot index: reset.
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  snapshot.metadata = SnapshotMetadata{8, 2, kThree};
  ASSERT_TRUE(WriteSnapshotFile(fs_, "/node/snapshot", snapshot).ok());
  Reopen(/*close=*/false);
  EXPECT_EQ(*store_->FirstIndex(), 9u);
  EXPECT_EQ(*store_->LastIndex(), 8u);
}

TEST_F(RaftLogStoreTest, ALogWithAGapBeforeItAndNoSnapshotIsDataLoss) {
  store_.reset();
  ASSERT_TRUE(fs_.CreateDirs("/gap").ok());
  ASSERT_TRUE(
      RaftLogStore::Create(fs_, "/gap", kJoining, options_).status().ok());  // closed by dtor
  {
    auto log = storage::SegmentedLog::Open(fs_, "/gap/log", options_.segments);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(5, 1, 0, 0, "x").ok());  // a fresh log takes any first index
    ASSERT_TRUE((*log)->Close().ok());
  }
  auto open = RaftLogStore::Open(fs_, "/gap", options_);
  EXPECT_TRUE(absl::IsDataLoss(open.status()));
  EXPECT_TRUE(Contains(open.status(), "missing"));
}

TEST_F(RaftLogStoreTest, ADecreasingTermInTheLogIsDataLoss) {
  store_.reset();
  {
    auto log = storage::SegmentedLog::Open(fs_, "/node/log", options_.segments);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(1, 3, 0, 0, "x").ok());
    ASSERT_TRUE((*log)->Append(2, 2, 0, 0, "y").ok());
    ASSERT_TRUE((*log)->Close().ok());
  }
  auto open = RaftLogStore::Open(fs_, dir_, options_);
  EXPECT_TRUE(absl::IsDataLoss(open.status()));
  EXPECT_TRUE(Contains(open.status(), "entry 2 has term 2 after term 3"));
}

TEST_F(RaftLogStoreTest, AnUnknownEntryTypeInTheLogIsDataLoss) {
  store_.reset();
  {
    auto log = storage::SegmentedLog::Open(fs_, "/node/log", options_.segments);
    ASSERT_TRUE((*log)->Append(1, 1, 7, 0, "x").ok());
    ASSERT_TRUE((*log)->Close().ok());
  }
  auto open = RaftLogStore::Open(fs_, dir_, options_);
  EXPECT_TRUE(absl::IsDataLoss(open.status()));
  EXPECT_TRUE(Contains(open.status(), "unknown type 7"));
}

TEST_F(RaftLogStoreTest, AClosedStoreRefusesEverything) {
  ASSERT_TRUE(store_->Append(Range(1, 3, 1)).ok());
  ASSERT_TRUE(store_->Close().ok());
  EXPECT_TRUE(store_->Close().ok());  // idempotent
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Append(Range(4, 4, 1))));
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Sync()));
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Entries(1, 2, 100).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Term(1).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->FirstIndex().status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Snapshot().status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->InitialState().status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Compact(0).status()));
}

TEST_F(RaftLogStoreTest, AFailedWriteIsReturned) {
  ASSERT_TRUE(store_->Append(Range(1, 3, 1)).ok());
  fs_.FailNextWrites("/node/log", 1);
  EXPECT_FALSE(store_->Sync().ok());
  // The buffered entries stay buffered; a retry makes them durable.
  ASSERT_TRUE(store_->Sync().ok());
  EXPECT_EQ(store_->durable_index(), 3u);
  store_->SetHardState(HardState{1, 0, 0});
  fs_.FailNextWrites("/node/hardstate", 1);
  EXPECT_FALSE(store_->Sync().ok());
  EXPECT_TRUE(store_->stored_hard_state().empty());
}

// The same store on the real disk, once.
TEST(RaftLogStorePosixTest, RoundTripOnDisk) {
  storage::TempDir temp;
  const std::string dir = storage::JoinPath(temp.path(), "raft");
  storage::Filesystem& fs = storage::PosixFilesystem::Get();
  {
    auto store = RaftLogStore::Create(fs, dir, kJoining);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Append(Range(1, 50, 1)).ok());
    (*store)->SetHardState(HardState{1, 1, 50});
    ASSERT_TRUE((*store)->Sync().ok());
    ASSERT_TRUE((*store)->CreateSnapshot(40, kThree, Payload(std::string_view("disk"))).ok());
    ASSERT_TRUE((*store)->Close().ok());
  }
  auto store = RaftLogStore::Open(fs, dir);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->InitialState()->hard_state, (HardState{1, 1, 50}));
  EXPECT_EQ((*store)->Snapshot()->data, "disk");
  auto entries = (*store)->Entries(41, 51, UINT64_MAX);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 10u);
}

}  // namespace
}  // namespace mq::raft
