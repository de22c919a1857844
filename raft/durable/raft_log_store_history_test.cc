// RaftLogStore in history mode (keep_snapshot_history): kept snapshots, CompactTo to a segment
// boundary, what LogStorage shows the core, and what Open repairs or refuses.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "raft/durable/durable_format.h"
#include "raft/durable/raft_log_store.h"
#include "raft/durable/snapshot_file.h"
#include "storage/base/log_capture.h"
#include "storage/base/logging.h"
#include "storage/file/atomic_file.h"
#include "storage/fs/sim_filesystem.h"

namespace mq::raft {
namespace {

bool Contains(const absl::Status& status, std::string_view text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

Entry MakeEntry(uint64_t index, uint64_t term) {
  Entry e;
  e.index = index;
  e.term = term;
  e.type = EntryType::kNormal;
  e.data = Payload("entry-" + std::to_string(index) + "-term-" + std::to_string(term));
  return e;
}

std::vector<Entry> Range(uint64_t lo, uint64_t hi, uint64_t term) {
  std::vector<Entry> out;
  for (uint64_t i = lo; i <= hi; ++i) out.push_back(MakeEntry(i, term));
  return out;
}

std::string StateAt(uint64_t index) { return "state@" + std::to_string(index); }

const ConfState kThree{{1, 2, 3}, {}};
const ConfState kFour{{1, 2, 3, 4}, {}};

class HistoryTest : public ::testing::Test {
 protected:
  HistoryTest() {
    options_.segments.segment_bytes_max = 512;
    options_.segments.index_interval_bytes = 128;
    options_.keep_snapshot_history = true;
  }

  void SetUp() override {
    auto store = RaftLogStore::Create(fs_, dir_, ConfState{}, options_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    // Entries 1..120 in term 1, durable: many 512-byte segments.
    ASSERT_TRUE(store_->Append(Range(1, 120, 1)).ok());
    ASSERT_TRUE(store_->Sync().ok());
    for (const storage::SegmentInfo& s : store_->Segments()) {
      if (s.first_index > 1) boundaries_.push_back(s.first_index - 1);
    }
    ASSERT_GE(boundaries_.size(), 5u);
  }

  absl::Status Snap(uint64_t index, const ConfState& conf = kThree) {
    return store_->CreateSnapshot(index, conf, Payload(StateAt(index)));
  }

  absl::Status ReopenStatus(bool close = true) {
    if (close && store_ != nullptr) {
      EXPECT_TRUE(store_->Close().ok());
    }
    store_.reset();
    auto store = RaftLogStore::Open(fs_, dir_, options_);
    if (!store.ok()) return store.status();
    store_ = *std::move(store);
    return absl::OkStatus();
  }
  void Reopen(bool close = true) {
    const absl::Status status = ReopenStatus(close);
    ASSERT_TRUE(status.ok()) << status;
  }

  std::vector<std::string> KeptFiles() {
    auto names = fs_.ListDir(storage::JoinPath(dir_, RaftLogStore::kSnapshotsDir));
    EXPECT_TRUE(names.ok());
    std::vector<std::string> out = names.ok() ? *names : std::vector<std::string>();
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::string Name(uint64_t index) {
    std::string digits = std::to_string(index);
    return std::string(20 - digits.size(), '0') + digits;
  }
  std::string KeptPath(uint64_t index) {
    return storage::JoinPath(storage::JoinPath(dir_, RaftLogStore::kSnapshotsDir), Name(index));
  }

  // The LogStorage view of the core: Snapshot() is the oldest kept one, at FirstIndex() - 1
  // once anything was compacted, and InitialState's configuration is its.
  void ExpectCoreView(uint64_t first, uint64_t oldest, uint64_t newest) {
    EXPECT_EQ(*store_->FirstIndex(), first);
    auto snapshot = store_->Snapshot();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    EXPECT_EQ(snapshot->metadata.index, oldest);
    EXPECT_EQ(snapshot->data, std::string_view(StateAt(oldest)));
    EXPECT_EQ(store_->newest_snapshot().metadata.index, newest);
    EXPECT_EQ(store_->newest_snapshot().data, std::string_view(StateAt(newest)));
    EXPECT_EQ(store_->snapshot_index(), newest);
    EXPECT_EQ(store_->InitialState()->conf_state, snapshot->metadata.conf_state);
    // The entry before the first has a known term; entries from the first read back.
    EXPECT_TRUE(store_->Term(first - 1).ok()) << store_->Term(first - 1).status();
    auto entries = store_->Entries(first, store_->last_index() + 1, UINT64_MAX);
    ASSERT_TRUE(entries.ok()) << entries.status();
    EXPECT_EQ(entries->front().index, first);
    if (first > 1) {
      EXPECT_TRUE(IsCompacted(store_->Entries(first - 1, first, UINT64_MAX).status()));
    }
  }

  storage::SimFilesystem fs_;
  const std::string dir_ = "/node";
  RaftLogStoreOptions options_;
  std::unique_ptr<RaftLogStore> store_;
  std::vector<uint64_t> boundaries_;  // last index of every sealed segment
};

TEST_F(HistoryTest, CreateSnapshotAddsToTheHistoryAndNeverCompacts) {
  const size_t segments = store_->segment_count();
  EXPECT_TRUE(store_->SnapshotIndexes().empty());
  EXPECT_TRUE(store_->Snapshot()->empty());
  ASSERT_TRUE(Snap(boundaries_[0]).ok());
  ASSERT_TRUE(Snap(boundaries_[1] + 3, kFour).ok());  // not at a boundary: kept as well
  ASSERT_TRUE(Snap(boundaries_[2]).ok());
  EXPECT_EQ(store_->SnapshotIndexes(),
            (std::vector<uint64_t>{boundaries_[0], boundaries_[1] + 3, boundaries_[2]}));
  EXPECT_EQ(KeptFiles(), (std::vector<std::string>{Name(boundaries_[0]), Name(boundaries_[1] + 3),
                                                   Name(boundaries_[2])}));
  EXPECT_FALSE(*fs_.Exists(storage::JoinPath(dir_, RaftLogStore::kSnapshotFile)));
  EXPECT_EQ(store_->segment_count(), segments);
  EXPECT_EQ(store_->stats().snapshots_written, 3u);
  // Nothing compacted: the log from 1, the entry before it is index 0.
  ExpectCoreView(1, boundaries_[0], boundaries_[2]);
  EXPECT_EQ(*store_->Term(0), 0u);
  EXPECT_EQ(*store_->Term(boundaries_[2]), 1u);

  Reopen();
  EXPECT_EQ(store_->SnapshotIndexes(),
            (std::vector<uint64_t>{boundaries_[0], boundaries_[1] + 3, boundaries_[2]}));
  ExpectCoreView(1, boundaries_[0], boundaries_[2]);
  EXPECT_EQ(store_->hard_state().commit, boundaries_[2]);  // a snapshot holds committed entries
}

TEST_F(HistoryTest, CompactToDropsTheSegmentsThenTheOlderSnapshots) {
  const uint64_t b = boundaries_[2];
  ASSERT_TRUE(Snap(boundaries_[0]).ok());
  ASSERT_TRUE(Snap(boundaries_[1]).ok());
  ASSERT_TRUE(Snap(b, kFour).ok());
  ASSERT_TRUE(Snap(boundaries_[3]).ok());
  const size_t segments = store_->segment_count();
  auto dropped = store_->CompactTo(b);
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_EQ(*dropped, 3u);
  EXPECT_EQ(store_->segment_count(), segments - 3);
  EXPECT_EQ(store_->Segments().front().first_index, b + 1);
  EXPECT_EQ(store_->SnapshotIndexes(), (std::vector<uint64_t>{b, boundaries_[3]}));
  EXPECT_EQ(KeptFiles(), (std::vector<std::string>{Name(b), Name(boundaries_[3])}));
  EXPECT_FALSE(*fs_.Exists(storage::JoinPath(dir_, RaftLogStore::kLogCutFile)));
  EXPECT_EQ(store_->stats().segments_dropped, 3u);
  EXPECT_EQ(store_->stats().snapshots_deleted, 2u);
  ExpectCoreView(b + 1, b, boundaries_[3]);
  EXPECT_EQ(*store_->Term(b), 1u);
  EXPECT_EQ(store_->InitialState()->conf_state, kFour);  // the oldest kept snapshot's

  Reopen();
  ExpectCoreView(b + 1, b, boundaries_[3]);
  EXPECT_EQ(store_->SnapshotIndexes(), (std::vector<uint64_t>{b, boundaries_[3]}));
  // Compacting again to the next boundary.
  ASSERT_TRUE(store_->CompactTo(boundaries_[3]).ok());
  ExpectCoreView(boundaries_[3] + 1, boundaries_[3], boundaries_[3]);
}

TEST_F(HistoryTest, CompactToRefusesWhatIsNotAKeptSnapshotAtASegmentEnd) {
  ASSERT_TRUE(Snap(boundaries_[1] + 2).ok());  // not at a boundary
  ASSERT_TRUE(Snap(boundaries_[2]).ok());
  const uint64_t last = store_->last_index();
  auto expect_refused = [&](uint64_t index, std::string_view why) {
    SCOPED_TRACE(index);
    const std::vector<std::string> files = KeptFiles();
    const uint64_t first = *store_->FirstIndex();
    auto status = store_->CompactTo(index).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_TRUE(Contains(status, why)) << status;
    EXPECT_EQ(store_->CheckCompactTo(index).code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(KeptFiles(), files);
    EXPECT_EQ(*store_->FirstIndex(), first);
  };
  expect_refused(boundaries_[1], "no kept snapshot at");         // a boundary, no snapshot
  expect_refused(boundaries_[1] + 2, "no sealed segment ends");  // a snapshot, no boundary
  expect_refused(0, "no kept snapshot at");
  // The active segment's last entry is no boundary until a segment starts after it.
  ASSERT_TRUE(Snap(last).ok());
  expect_refused(last, "no sealed segment ends");
  ASSERT_TRUE(store_->CompactTo(boundaries_[2]).ok());
  // Already compacted there: no segment ends at the first index - 1 any more.
  expect_refused(boundaries_[2], "no sealed segment ends");
  EXPECT_TRUE(store_->CheckCompactTo(boundaries_[2]).message().size() > 0);
}

TEST_F(HistoryTest, CompactIsRefusedAndCompactToNeedsHistoryMode) {
  ASSERT_TRUE(Snap(boundaries_[1]).ok());
  EXPECT_EQ(store_->Compact(boundaries_[1]).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->SnapshotIndexes().size(), 1u);

  storage::SimFilesystem fs;
  RaftLogStoreOptions plain = options_;
  plain.keep_snapshot_history = false;
  auto store = RaftLogStore::Create(fs, "/plain", ConfState{}, plain);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Append(Range(1, 120, 1)).ok());
  ASSERT_TRUE((*store)->Sync().ok());
  ASSERT_TRUE((*store)->CreateSnapshot(50, kThree, Payload(std::string("s"))).ok());
  const uint64_t boundary = (*store)->Segments()[1].first_index - 1;
  auto status = (*store)->CompactTo(boundary).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(status, "keep_snapshot_history")) << status;
  EXPECT_TRUE((*store)->SnapshotIndexes().empty());
  EXPECT_FALSE((*store)->keeps_snapshot_history());
}

TEST_F(HistoryTest, ApplySnapshotKeepsOnlyTheInstalledOne) {
  ASSERT_TRUE(Snap(boundaries_[0]).ok());
  ASSERT_TRUE(Snap(boundaries_[1]).ok());
  raft::Snapshot installed;
  installed.metadata.index = 500;
  installed.metadata.term = 4;
  installed.metadata.conf_state = kFour;
  installed.data = Payload(StateAt(500));
  ASSERT_TRUE(store_->ApplySnapshot(installed).ok());
  EXPECT_EQ(store_->SnapshotIndexes(), (std::vector<uint64_t>{500}));
  EXPECT_EQ(KeptFiles(), (std::vector<std::string>{Name(500)}));
  EXPECT_FALSE(*fs_.Exists(storage::JoinPath(dir_, RaftLogStore::kLogCutFile)));
  EXPECT_EQ(store_->last_index(), 500u);
  EXPECT_EQ(*store_->FirstIndex(), 501u);
  EXPECT_EQ(*store_->Term(500), 4u);
  EXPECT_EQ(store_->Snapshot()->metadata.index, 500u);
  EXPECT_EQ(store_->InitialState()->conf_state, kFour);
  // The log continues after it, across segments, and a new boundary can be compacted to.
  ASSERT_TRUE(store_->Append(Range(501, 600, 4)).ok());
  ASSERT_TRUE(store_->Sync().ok());
  const uint64_t b = store_->Segments()[1].first_index - 1;
  ASSERT_TRUE(Snap(b).ok());
  Reopen();
  EXPECT_EQ(store_->SnapshotIndexes(), (std::vector<uint64_t>{500, b}));
  ExpectCoreView(501, 500, b);
  ASSERT_TRUE(store_->CompactTo(b).ok());
  ExpectCoreView(b + 1, b, b);
}

TEST_F(HistoryTest, SnapshotsMustBeNewerThanTheNewestKeptOne) {
  ASSERT_TRUE(Snap(boundaries_[2]).ok());
  EXPECT_EQ(Snap(boundaries_[1]).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Snap(boundaries_[2]).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Snap(store_->last_index() + 1).code(), absl::StatusCode::kOutOfRange);
  raft::Snapshot old;
  old.metadata.index = boundaries_[2];
  old.metadata.term = 1;
  old.metadata.conf_state = kThree;
  EXPECT_EQ(store_->ApplySnapshot(old).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->SnapshotIndexes(), (std::vector<uint64_t>{boundaries_[2]}));
}

TEST_F(HistoryTest, AStoreKeepsItsSnapshotLayoutForLife) {
  ASSERT_TRUE(Snap(boundaries_[1]).ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  RaftLogStoreOptions plain = options_;
  plain.keep_snapshot_history = false;
  auto as_plain = RaftLogStore::Open(fs_, dir_, plain);
  EXPECT_EQ(as_plain.status().code(), absl::StatusCode::kFailedPrecondition) << as_plain.status();
  EXPECT_TRUE(Contains(as_plain.status(), "keep_snapshot_history")) << as_plain.status();

  // A store written in the default mode with a snapshot is refused in history mode.
  storage::SimFilesystem fs;
  auto store = RaftLogStore::Create(fs, "/plain", ConfState{}, plain);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Append(Range(1, 10, 1)).ok());
  ASSERT_TRUE((*store)->Sync().ok());
  ASSERT_TRUE((*store)->CreateSnapshot(5, kThree, Payload(std::string("s"))).ok());
  ASSERT_TRUE((*store)->Close().ok());
  auto as_history = RaftLogStore::Open(fs, "/plain", options_);
  EXPECT_EQ(as_history.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(as_history.status(), "/plain/snapshot")) << as_history.status();
}

TEST_F(HistoryTest, CreateRefusesADirectoryWithKeptSnapshotsButNoFoundingFile) {
  storage::SimFilesystem fs;
  ASSERT_TRUE(fs.CreateDirs("/x/snapshots").ok());
  raft::Snapshot s;
  s.metadata.index = 7;
  s.metadata.term = 1;
  s.metadata.conf_state = kThree;
  ASSERT_TRUE(WriteSnapshotFile(fs, "/x/snapshots/" + Name(7), s).ok());
  auto store = RaftLogStore::Create(fs, "/x", ConfState{}, options_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
}

TEST_F(HistoryTest, AFoundingMembersStoreWorksInHistoryMode) {
  storage::SimFilesystem fs;
  auto store = RaftLogStore::Create(fs, "/f", kThree, options_);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->last_index(), 3u);
  EXPECT_EQ(*(*store)->FirstIndex(), 1u);
  EXPECT_EQ((*store)->InitialState()->conf_state, ConfState{});
  ASSERT_TRUE((*store)->CreateSnapshot(3, kThree, Payload(std::string("s"))).ok());
  EXPECT_EQ((*store)->InitialState()->conf_state, kThree);
  EXPECT_EQ(*(*store)->FirstIndex(), 1u);  // nothing compacted
}

TEST_F(HistoryTest, OpenFinishesAnInterruptedCompaction) {
  ASSERT_TRUE(Snap(boundaries_[0]).ok());
  ASSERT_TRUE(Snap(boundaries_[3]).ok());
  // What a crash right after CompactTo(boundaries_[3]) wrote its intent leaves (the crash test
  // covers every later step).
  ASSERT_TRUE(
      storage::WriteFileAtomically(fs_, storage::JoinPath(dir_, RaftLogStore::kLogCutFile),
                                   EncodeLogCutFile(LogCut{LogCutKind::kCompact, boundaries_[3]}))
          .ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  LogCapture capture;
  Reopen(/*close=*/false);
  EXPECT_TRUE(capture.Contains("finishing an interrupted compaction"));
  EXPECT_EQ(store_->SnapshotIndexes(), (std::vector<uint64_t>{boundaries_[3]}));
  ExpectCoreView(boundaries_[3] + 1, boundaries_[3], boundaries_[3]);
  EXPECT_FALSE(*fs_.Exists(storage::JoinPath(dir_, RaftLogStore::kLogCutFile)));
}

TEST_F(HistoryTest, OpenFinishesAnInterruptedInstall) {
  ASSERT_TRUE(Snap(boundaries_[0]).ok());
  raft::Snapshot installed;
  installed.metadata.index = 300;
  installed.metadata.term = 2;
  installed.metadata.conf_state = kThree;
  installed.data = Payload(StateAt(300));
  // The kept file and the log cut file were written; the log was not reset yet.
  ASSERT_TRUE(WriteSnapshotFile(fs_, KeptPath(300), installed).ok());
  ASSERT_TRUE(storage::WriteFileAtomically(fs_, storage::JoinPath(dir_, RaftLogStore::kLogCutFile),
                                           EncodeLogCutFile(LogCut{LogCutKind::kInstall, 300}))
                  .ok());
  LogCapture capture;
  Reopen();
  EXPECT_TRUE(capture.Contains("finishing an interrupted snapshot install"));
  EXPECT_EQ(store_->SnapshotIndexes(), (std::vector<uint64_t>{300}));
  EXPECT_EQ(store_->last_index(), 300u);
  EXPECT_EQ(*store_->FirstIndex(), 301u);
  EXPECT_EQ(*store_->Term(300), 2u);
}

TEST_F(HistoryTest, OpenRemovesKeptSnapshotsBelowTheFirstIndex) {
  ASSERT_TRUE(Snap(boundaries_[0]).ok());
  ASSERT_TRUE(Snap(boundaries_[2]).ok());
  ASSERT_TRUE(store_->CompactTo(boundaries_[2]).ok());
  // A stray older snapshot file (as if its deletion had been lost).
  raft::Snapshot stale;
  stale.metadata.index = boundaries_[0];
  stale.metadata.term = 1;
  stale.metadata.conf_state = kThree;
  stale.data = Payload(StateAt(boundaries_[0]));
  ASSERT_TRUE(WriteSnapshotFile(fs_, KeptPath(boundaries_[0]), stale).ok());
  LogCapture capture;
  Reopen();
  EXPECT_TRUE(capture.Contains("removing kept snapshots below"));
  EXPECT_EQ(store_->SnapshotIndexes(), (std::vector<uint64_t>{boundaries_[2]}));
  EXPECT_EQ(KeptFiles(), (std::vector<std::string>{Name(boundaries_[2])}));
  ExpectCoreView(boundaries_[2] + 1, boundaries_[2], boundaries_[2]);
}

TEST_F(HistoryTest, AMissingSnapshotBeforeTheFirstIndexIsDataLossNamingIt) {
  ASSERT_TRUE(Snap(boundaries_[1]).ok());
  ASSERT_TRUE(Snap(boundaries_[3]).ok());
  ASSERT_TRUE(store_->CompactTo(boundaries_[1]).ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  ASSERT_TRUE(fs_.Remove(KeptPath(boundaries_[1])).ok());
  // A later snapshot exists, but entries (boundaries_[1], boundaries_[3]] would be lost if the
  // log were reset to it: refused.
  absl::Status status = ReopenStatus(false);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_TRUE(Contains(status, KeptPath(boundaries_[1]))) << status;
  // With no kept snapshot at all.
  ASSERT_TRUE(fs_.Remove(KeptPath(boundaries_[3])).ok());
  status = ReopenStatus(false);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
}

TEST_F(HistoryTest, ALogCutFileWithoutItsSnapshotIsDataLoss) {
  ASSERT_TRUE(storage::WriteFileAtomically(fs_, storage::JoinPath(dir_, RaftLogStore::kLogCutFile),
                                           EncodeLogCutFile(LogCut{LogCutKind::kCompact, 40}))
                  .ok());
  absl::Status status = ReopenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_TRUE(Contains(status, KeptPath(40))) << status;
  // A damaged log cut file.
  ASSERT_TRUE(
      storage::WriteFileAtomically(fs_, storage::JoinPath(dir_, RaftLogStore::kLogCutFile), "junk")
          .ok());
  status = ReopenStatus(false);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_TRUE(Contains(status, "logcut")) << status;
}

TEST_F(HistoryTest, OpenChecksTheSnapshotDirectory) {
  ASSERT_TRUE(Snap(boundaries_[1]).ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  // A stale temporary file is removed.
  ASSERT_TRUE(storage::WriteFileAtomically(fs_, KeptPath(999) + ".tmp", "partial").ok());
  ASSERT_TRUE(ReopenStatus(false).ok());
  EXPECT_EQ(KeptFiles(), (std::vector<std::string>{Name(boundaries_[1])}));
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  // A damaged kept snapshot is DataLoss naming it.
  auto file = fs_.Open(KeptPath(boundaries_[1]), storage::OpenMode::kReadWrite);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->WriteAt(10, "XX").ok());
  absl::Status status = ReopenStatus(false);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_TRUE(Contains(status, KeptPath(boundaries_[1]))) << status;
  // A snapshot under another index's name.
  raft::Snapshot s;
  s.metadata.index = 3;
  s.metadata.term = 1;
  s.metadata.conf_state = kThree;
  ASSERT_TRUE(WriteSnapshotFile(fs_, KeptPath(boundaries_[1]), s).ok());
  status = ReopenStatus(false);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  // A foreign file.
  ASSERT_TRUE(WriteSnapshotFile(fs_, KeptPath(3), s).ok());
  ASSERT_TRUE(fs_.Remove(KeptPath(boundaries_[1])).ok());
  ASSERT_TRUE(storage::WriteFileAtomically(
                  fs_, storage::JoinPath(storage::JoinPath(dir_, "snapshots"), "notes"), "x")
                  .ok());
  status = ReopenStatus(false);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_TRUE(Contains(status, "notes")) << status;
}

TEST_F(HistoryTest, SegmentStartsFollowTheLog) {
  const std::vector<storage::SegmentInfo> segments = store_->Segments();
  for (const storage::SegmentInfo& s : segments) {
    EXPECT_TRUE(store_->IsSegmentStart(s.first_index)) << s.first_index;
    EXPECT_FALSE(store_->IsSegmentStart(s.first_index + 1)) << s.first_index;
  }
  EXPECT_EQ(store_->NextSegmentStartAfter(1), segments[1].first_index);
  EXPECT_EQ(store_->NextSegmentStartAfter(segments[1].first_index), segments[2].first_index);
  EXPECT_EQ(store_->NextSegmentStartAfter(store_->last_index()), 0u);
  // A truncation into an older segment, then new entries of another term: the cache follows.
  ASSERT_TRUE(store_->Append(Range(segments[2].first_index + 1, 200, 2)).ok());
  ASSERT_TRUE(store_->Sync().ok());
  std::vector<uint64_t> want;
  for (const storage::SegmentInfo& s : store_->Segments()) want.push_back(s.first_index);
  for (uint64_t i = 1; i <= 200; ++i) {
    EXPECT_EQ(store_->IsSegmentStart(i), std::binary_search(want.begin(), want.end(), i)) << i;
  }
  Reopen();
  for (uint64_t i = 1; i <= 200; ++i) {
    EXPECT_EQ(store_->IsSegmentStart(i), std::binary_search(want.begin(), want.end(), i)) << i;
  }
}

}  // namespace
}  // namespace mq::raft
