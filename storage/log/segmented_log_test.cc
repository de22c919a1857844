#include "storage/log/segmented_log.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/file/atomic_file.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/temp_dir.h"
#include "storage/log/log_test_util.h"
#include "storage/log/segment_file.h"
#include "storage/log/segment_scanner.h"

namespace mq::storage {
namespace {

using ::mq::LogCapture;
using testing::AppendTestRange;
using testing::AppendTestRecord;
using testing::IsTestRecord;
using testing::ReadAll;
using testing::TestPayload;

bool Contains(absl::string_view haystack, std::string_view needle) {
  return haystack.find(absl::string_view(needle.data(), needle.size())) != absl::string_view::npos;
}

// Small sizes so that a few hundred records make many segments, flushes and index points.
SegmentedLogOptions SmallOptions() {
  SegmentedLogOptions options;
  options.segment_bytes_max = 2048;
  options.write_buffer_bytes = 512;
  options.index_interval_bytes = 256;
  options.record_payload_bytes_max = 64 << 10;
  return options;
}

class SegmentedLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<SegmentedLog> OpenLog(SegmentedLogOptions options = SmallOptions()) {
    auto log = SegmentedLog::Open(fs_, dir_, options);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }
  absl::Status OpenStatus(SegmentedLogOptions options = SmallOptions()) {
    return SegmentedLog::Open(fs_, dir_, options).status();
  }

  std::vector<std::string> Files() { return *fs_.ListDir(dir_); }
  std::vector<uint64_t> SegmentFirsts() {
    std::vector<uint64_t> firsts;
    for (const auto& name : Files()) {
      if (auto first = ParseLogFileName(name, kSegmentSuffix)) firsts.push_back(*first);
    }
    return firsts;
  }
  bool HasFile(const std::string& name) { return *fs_.Exists(JoinPath(dir_, name)); }
  std::string SegmentPath(uint64_t first) { return JoinPath(dir_, SegmentFileName(first)); }
  std::string IndexPath(uint64_t first) { return JoinPath(dir_, SparseIndexFileName(first)); }

  // Offset of record `index` in segment `first` (by scanning the file).
  uint64_t RecordOffset(uint64_t first, uint64_t index) {
    auto file = fs_.Open(SegmentPath(first), OpenMode::kReadOnly);
    EXPECT_TRUE(file.ok());
    const uint64_t size = *(*file)->Size();
    SegmentScanner scanner(**file, size, kSegmentHeaderBytes, first, 1 << 20);
    for (;;) {
      auto item = scanner.Next();
      EXPECT_TRUE(item.ok());
      if (item->outcome != SegmentScanner::Outcome::kRecord) break;
      if (item->header.index == index) return item->offset;
    }
    ADD_FAILURE() << "record " << index << " not in segment " << first;
    return 0;
  }

  // All records [first, last] of generation 0 must read back, whole and in pieces.
  void ExpectRecords(SegmentedLog& log, uint64_t first, uint64_t last, uint64_t generation = 0) {
    EXPECT_EQ(log.first_index(), first);
    EXPECT_EQ(log.last_index(), last);
    auto all = ReadAll(log);
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_EQ(all->size(), last + 1 - first);
    for (uint64_t i = first; i <= last; ++i) {
      ASSERT_TRUE(IsTestRecord((*all)[i - first], i, generation));
    }
  }

  PosixFilesystem& fs_ = PosixFilesystem::Get();
  TempDir temp_;
  std::string dir_ = JoinPath(temp_.path(), "log");
};

TEST(SegmentedLogOptionsTest, DefaultsAreValidAndNonsenseIsRefused) {
  EXPECT_TRUE(SegmentedLogOptions().Validate().ok());
  EXPECT_EQ(SegmentedLogOptions().segment_bytes_max, 64u << 20);
  EXPECT_EQ(SegmentedLogOptions().index_interval_bytes, 32u << 10);
  EXPECT_EQ(SegmentedLogOptions().write_buffer_bytes, 1u << 20);
  EXPECT_EQ(SegmentedLogOptions().record_payload_bytes_max, 64u << 20);
  EXPECT_EQ(SegmentedLogOptions().preallocate_bytes, 1u << 20);
  SegmentedLogOptions no_runway;
  no_runway.preallocate_bytes = 0;
  EXPECT_TRUE(no_runway.Validate().ok());
  struct Case {
    const char* field;
    void (*mutate)(SegmentedLogOptions&);
  } cases[] = {
      {"segment_bytes_max", [](SegmentedLogOptions& o) { o.segment_bytes_max = 10; }},
      {"segment_bytes_max",
       [](SegmentedLogOptions& o) { o.segment_bytes_max = uint64_t{1} << 50; }},
      {"index_interval_bytes", [](SegmentedLogOptions& o) { o.index_interval_bytes = 0; }},
      {"index_interval_bytes",
       [](SegmentedLogOptions& o) { o.index_interval_bytes = uint64_t{1} << 41; }},
      {"write_buffer_bytes", [](SegmentedLogOptions& o) { o.write_buffer_bytes = 0; }},
      {"write_buffer_bytes",
       [](SegmentedLogOptions& o) { o.write_buffer_bytes = uint64_t{1} << 40; }},
      {"record_payload_bytes_max", [](SegmentedLogOptions& o) { o.record_payload_bytes_max = 0; }},
      {"record_payload_bytes_max",
       [](SegmentedLogOptions& o) { o.record_payload_bytes_max = uint64_t{1} << 32; }},
      {"preallocate_bytes",
       [](SegmentedLogOptions& o) { o.preallocate_bytes = (uint64_t{64} << 20) + 1; }},
  };
  for (const Case& c : cases) {
    SegmentedLogOptions options;
    c.mutate(options);
    const absl::Status status = options.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_TRUE(Contains(status.message(), c.field)) << status;
  }
}

TEST_F(SegmentedLogTest, OpenRefusesInvalidOptions) {
  SegmentedLogOptions options;
  options.write_buffer_bytes = 0;
  EXPECT_EQ(OpenStatus(options).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SegmentedLog::Open(fs_, "", SegmentedLogOptions()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SegmentedLogTest, FreshLogIsEmpty) {
  auto log = OpenLog();
  EXPECT_EQ(log->first_index(), 1u);
  EXPECT_EQ(log->last_index(), 0u);
  EXPECT_EQ(log->durable_index(), 0u);
  EXPECT_EQ(log->segment_count(), 0u);
  auto empty = log->Read(1, 100, 100);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(log->Read(0, 100, 100).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(log->Read(2, 100, 100).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(*log->Sync(), 0u);
  EXPECT_TRUE(Files().empty());
}

TEST_F(SegmentedLogTest, AppendReadSync) {
  auto log = OpenLog(SegmentedLogOptions());
  AppendTestRange(*log, 1, 100);
  EXPECT_EQ(log->last_index(), 100u);
  EXPECT_EQ(log->durable_index(), 0u);
  ExpectRecords(*log, 1, 100);  // from the write buffer
  auto durable = log->Sync();
  ASSERT_TRUE(durable.ok()) << durable.status();
  EXPECT_EQ(*durable, 100u);
  EXPECT_EQ(log->durable_index(), 100u);
  ExpectRecords(*log, 1, 100);    // from the file
  EXPECT_EQ(*log->Sync(), 100u);  // nothing new: no-op
  EXPECT_EQ(Files(), std::vector<std::string>{SegmentFileName(1)});
}

TEST_F(SegmentedLogTest, FreshLogMayStartAtAnyIndexThenIndexesAreDense) {
  auto log = OpenLog();
  EXPECT_EQ(AppendTestRecord(*log, 0).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(AppendTestRecord(*log, 1000).ok());
  EXPECT_EQ(log->first_index(), 1000u);
  const absl::Status gap = AppendTestRecord(*log, 1002);
  EXPECT_EQ(gap.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(gap.message(), "expected index 1001")) << gap;
  EXPECT_EQ(AppendTestRecord(*log, 1000).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(AppendTestRecord(*log, 999).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(AppendTestRecord(*log, 1001).ok());
  ExpectRecords(*log, 1000, 1001);
  EXPECT_EQ(Files(), std::vector<std::string>{SegmentFileName(1000)});
}

TEST_F(SegmentedLogTest, PayloadAboveTheLimitIsRefused) {
  auto log = OpenLog();
  const absl::Status status = log->Append(1, 0, 0, 0, std::string((64 << 10) + 1, 'x'));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(status.message(), "record_payload_bytes_max")) << status;
  EXPECT_TRUE(log->Append(1, 0, 0, 0, std::string(64 << 10, 'x')).ok());
}

TEST_F(SegmentedLogTest, ReadHonoursCountAndByteLimits) {
  auto log = OpenLog();
  AppendTestRange(*log, 1, 50);
  auto one = log->Read(10, UINT64_MAX, 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_TRUE(IsTestRecord((*one)[0], 10));
  // The first record is returned even when it alone exceeds bytes_max.
  auto over = log->Read(10, 0, 100);
  ASSERT_TRUE(over.ok());
  ASSERT_EQ(over->size(), 1u);
  // Exactly two payloads fit.
  const uint64_t two = TestPayload(10).size() + TestPayload(11).size();
  auto pair = log->Read(10, two, 100);
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->size(), 2u);
  auto less = log->Read(10, two - 1, 100);
  ASSERT_TRUE(less.ok());
  EXPECT_EQ(less->size(), 1u);
  EXPECT_TRUE(log->Read(10, 100, 0)->empty());
  auto tail = log->Read(45, UINT64_MAX, 100);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->size(), 6u);
  EXPECT_TRUE(log->Read(51, UINT64_MAX, 100)->empty());
  EXPECT_EQ(log->Read(52, UINT64_MAX, 100).status().code(), absl::StatusCode::kOutOfRange);
}

TEST_F(SegmentedLogTest, ReadsFromEveryStartAcrossSegmentsFilesAndBuffers) {
  auto log = OpenLog();
  AppendTestRange(*log, 1, 150);
  ASSERT_TRUE(log->Sync().ok());
  AppendTestRange(*log, 151, 160);  // some written by buffer flushes, some only buffered
  ASSERT_GT(log->segment_count(), 5u);
  for (uint64_t first = 1; first <= 160; ++first) {
    for (uint64_t count : {uint64_t{1}, uint64_t{7}, uint64_t{1000}}) {
      auto records = log->Read(first, UINT64_MAX, count);
      ASSERT_TRUE(records.ok()) << records.status();
      ASSERT_EQ(records->size(), std::min<uint64_t>(count, 161 - first));
      for (size_t i = 0; i < records->size(); ++i) {
        ASSERT_TRUE(IsTestRecord((*records)[i], first + i)) << first << "+" << i;
      }
    }
    // A byte limit that stops in the middle.
    auto limited = log->Read(first, 300, 1000);
    ASSERT_TRUE(limited.ok());
    uint64_t bytes = 0;
    for (const Record& r : *limited) bytes += r.payload.size();
    EXPECT_TRUE(limited->size() == 1 || bytes <= 300);
    if (first + limited->size() <= 160) {
      EXPECT_GT(bytes + TestPayload(first + limited->size()).size(), 300u);
    }
  }
}

TEST_F(SegmentedLogTest, RecordsOutliveLaterReadsAndAppends) {
  auto log = OpenLog();
  AppendTestRange(*log, 1, 20);
  auto early = log->Read(1, UINT64_MAX, 100);
  ASSERT_TRUE(early.ok());
  AppendTestRange(*log, 21, 200);  // flushes and rolls reuse the buffers
  ASSERT_TRUE(log->Sync().ok());
  for (uint64_t i = 1; i <= 20; ++i) EXPECT_TRUE(IsTestRecord((*early)[i - 1], i));
}

TEST_F(SegmentedLogTest, RollsSegmentsAndSealsThemWithSparseIndexes) {
  auto log = OpenLog();
  AppendTestRange(*log, 1, 200);
  ASSERT_TRUE(log->Sync().ok());
  const std::vector<uint64_t> firsts = SegmentFirsts();
  ASSERT_GT(firsts.size(), 5u);
  EXPECT_EQ(firsts.front(), 1u);
  EXPECT_EQ(log->segment_count(), firsts.size());
  for (size_t i = 0; i < firsts.size(); ++i) {
    EXPECT_LE(testing::FileSize(fs_, SegmentPath(firsts[i])), 2048u);
    // Every sealed segment has its .sidx; the active one does not.
    EXPECT_EQ(HasFile(SparseIndexFileName(firsts[i])), i + 1 < firsts.size()) << i;
  }
  // A roll makes the old segment durable.
  AppendTestRange(*log, 201, 260);
  EXPECT_GE(log->durable_index(), SegmentFirsts().back() - 1);
}

TEST_F(SegmentedLogTest, RecordLargerThanASegmentGetsOneOfItsOwn) {
  auto log = OpenLog();
  AppendTestRange(*log, 1, 3);
  ASSERT_TRUE(AppendTestRecord(*log, 4, 0, /*extra=*/5000).ok());
  AppendTestRange(*log, 5, 6);
  ASSERT_TRUE(log->Sync().ok());
  EXPECT_EQ(SegmentFirsts(), (std::vector<uint64_t>{1, 4, 5}));
  auto big = log->Read(4, 0, 1);
  ASSERT_TRUE(big.ok());
  EXPECT_TRUE(IsTestRecord((*big)[0], 4, 0, 5000));
  log.reset();
  log = OpenLog();
  auto again = log->Read(3, UINT64_MAX, 3);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(IsTestRecord((*again)[1], 4, 0, 5000));
  EXPECT_TRUE(IsTestRecord((*again)[2], 5));
}

TEST_F(SegmentedLogTest, ReopenRecoversEverythingSynced) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 150);
    ASSERT_TRUE(log->Close().ok());
  }
  auto log = OpenLog();
  EXPECT_EQ(log->durable_index(), 150u);
  ExpectRecords(*log, 1, 150);
  AppendTestRange(*log, 151, 170);
  ASSERT_TRUE(log->Sync().ok());
  log.reset();
  log = OpenLog();
  ExpectRecords(*log, 1, 170);
}

TEST_F(SegmentedLogTest, DestroyingWithoutCloseDropsTheUnwrittenBuffer) {
  {
    auto log = OpenLog(SegmentedLogOptions());
    AppendTestRange(*log, 1, 10);
    ASSERT_TRUE(log->Sync().ok());
    AppendTestRange(*log, 11, 12);  // buffered only
  }
  auto log = OpenLog(SegmentedLogOptions());
  ExpectRecords(*log, 1, 10);
}

TEST_F(SegmentedLogTest, CloseSyncsAndLaterCallsFail) {
  auto log = OpenLog();
  AppendTestRange(*log, 1, 5);
  ASSERT_TRUE(log->Close().ok());
  EXPECT_TRUE(log->Close().ok());  // idempotent
  EXPECT_EQ(AppendTestRecord(*log, 6).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log->Sync().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log->Read(1, 1, 1).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log->TruncateSuffix(2).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log->DropPrefix(2).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(log->Reset(2).code(), absl::StatusCode::kFailedPrecondition);
  log.reset();
  log = OpenLog();
  ExpectRecords(*log, 1, 5);
}

TEST_F(SegmentedLogTest, TruncateSuffixOfUnwrittenRecords) {
  auto log = OpenLog(SegmentedLogOptions());
  AppendTestRange(*log, 1, 10);
  ASSERT_TRUE(log->Sync().ok());
  AppendTestRange(*log, 11, 20);
  ASSERT_TRUE(log->TruncateSuffix(15).ok());
  EXPECT_EQ(log->last_index(), 14u);
  EXPECT_EQ(log->durable_index(), 10u);
  AppendTestRange(*log, 15, 18, /*generation=*/1);
  ASSERT_EQ(*log->Sync(), 18u);
  log.reset();
  log = OpenLog(SegmentedLogOptions());
  auto records = ReadAll(*log);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 18u);
  EXPECT_TRUE(IsTestRecord((*records)[13], 14, 0));
  EXPECT_TRUE(IsTestRecord((*records)[14], 15, 1));
}

TEST_F(SegmentedLogTest, TruncateSuffixInsideTheActiveFile) {
  auto log = OpenLog(SegmentedLogOptions());
  AppendTestRange(*log, 1, 30);
  ASSERT_TRUE(log->Sync().ok());
  ASSERT_TRUE(log->TruncateSuffix(12).ok());
  EXPECT_EQ(log->last_index(), 11u);
  EXPECT_EQ(log->durable_index(), 11u);
  ExpectRecords(*log, 1, 11);
  // The truncation is durable without a Sync: destroy and reopen.
  log.reset();
  log = OpenLog(SegmentedLogOptions());
  ExpectRecords(*log, 1, 11);
  AppendTestRange(*log, 12, 40, /*generation=*/2);
  ASSERT_TRUE(log->Sync().ok());
  auto records = log->Read(11, UINT64_MAX, 100);
  ASSERT_TRUE(records.ok());
  EXPECT_TRUE(IsTestRecord((*records)[0], 11, 0));
  EXPECT_TRUE(IsTestRecord((*records)[1], 12, 2));
}

TEST_F(SegmentedLogTest, TruncateSuffixReachingIntoASealedSegment) {
  auto log = OpenLog();
  AppendTestRange(*log, 1, 200);
  ASSERT_TRUE(log->Sync().ok());
  const std::vector<uint64_t> before = SegmentFirsts();
  ASSERT_GT(before.size(), 4u);
  // A cut in the middle of the second segment.
  const uint64_t cut = before[1] + (before[2] - before[1]) / 2;
  ASSERT_TRUE(log->TruncateSuffix(cut).ok());
  EXPECT_EQ(SegmentFirsts(), (std::vector<uint64_t>{before[0], before[1]}));
  EXPECT_TRUE(HasFile(SparseIndexFileName(before[0])));
  EXPECT_FALSE(HasFile(SparseIndexFileName(before[1])));  // active again
  ExpectRecords(*log, 1, cut - 1);
  AppendTestRange(*log, cut, 250, /*generation=*/3);
  ASSERT_TRUE(log->Sync().ok());
  log.reset();
  log = OpenLog();
  auto records = ReadAll(*log);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 250u);
  for (uint64_t i = 1; i <= 250; ++i) {
    ASSERT_TRUE(IsTestRecord((*records)[i - 1], i, i < cut ? 0 : 3)) << i;
  }
}

TEST_F(SegmentedLogTest, TruncateSuffixAtASegmentsFirstIndexLeavesAnEmptyActiveSegment) {
  auto log = OpenLog();
  AppendTestRange(*log, 1, 100);
  const std::vector<uint64_t> before = SegmentFirsts();
  ASSERT_GT(before.size(), 2u);
  ASSERT_TRUE(log->TruncateSuffix(before[1]).ok());
  EXPECT_EQ(log->last_index(), before[1] - 1);
  EXPECT_EQ(SegmentFirsts(), (std::vector<uint64_t>{before[0], before[1]}));
  log.reset();
  log = OpenLog();  // an empty trailing segment is fine
  ExpectRecords(*log, 1, before[1] - 1);
  EXPECT_EQ(AppendTestRecord(*log, before[1] + 1).code(), absl::StatusCode::kFailedPrecondition);
  AppendTestRange(*log, before[1], before[1] + 5);
  ExpectRecords(*log, 1, before[1] + 5);
}

TEST_F(SegmentedLogTest, TruncateSuffixEdges) {
  auto log = OpenLog();
  EXPECT_TRUE(log->TruncateSuffix(1).ok());  // fresh: nothing to do
  AppendTestRange(*log, 5, 20);
  EXPECT_TRUE(log->TruncateSuffix(21).ok());  // past the end: nothing to do
  EXPECT_EQ(log->last_index(), 20u);
  const absl::Status below = log->TruncateSuffix(4);
  EXPECT_EQ(below.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(below.message(), "first index 5")) << below;
  // Everything: the log is empty and continues at the same index.
  ASSERT_TRUE(log->TruncateSuffix(5).ok());
  EXPECT_EQ(log->first_index(), 5u);
  EXPECT_EQ(log->last_index(), 4u);
  EXPECT_EQ(AppendTestRecord(*log, 6).code(), absl::StatusCode::kFailedPrecondition);
  AppendTestRange(*log, 5, 6, /*generation=*/1);
  ASSERT_TRUE(log->Sync().ok());
  ExpectRecords(*log, 5, 6, 1);
}

TEST_F(SegmentedLogTest, DropPrefixRemovesWholeSealedSegmentsOnly) {
  auto log = OpenLog();
  AppendTestRange(*log, 1, 200);
  const std::vector<uint64_t> firsts = SegmentFirsts();
  ASSERT_GT(firsts.size(), 4u);
  // up_to in the middle of the third segment: the first two go.
  auto dropped = log->DropPrefix(firsts[2] + 1);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(*dropped, 2u);
  EXPECT_EQ(log->first_index(), firsts[2]);
  EXPECT_FALSE(HasFile(SegmentFileName(firsts[0])));
  EXPECT_FALSE(HasFile(SparseIndexFileName(firsts[0])));
  EXPECT_EQ(log->Read(firsts[2] - 1, 1, 1).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(*log->DropPrefix(firsts[2] + 1), 0u);
  // Never the active segment, even when everything is covered.
  auto all = log->DropPrefix(UINT64_MAX);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, firsts.size() - 3);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(log->first_index(), firsts.back());
  EXPECT_EQ(log->last_index(), 200u);
  ASSERT_TRUE(log->Sync().ok());
  log.reset();
  log = OpenLog();
  ExpectRecords(*log, firsts.back(), 200);
}

// Checks Segments() against the files on disk: contiguous, oldest first, active last, sizes
// equal to the files' (the active one's counts its buffered records too, and its file may hold
// the runway's zeros after the data).
void ExpectSegmentsMatchFiles(const SegmentedLog& log, const std::vector<uint64_t>& firsts,
                              Filesystem& fs, const std::string& dir, bool synced) {
  const std::vector<SegmentInfo> segments = log.Segments();
  ASSERT_EQ(segments.size(), firsts.size());
  EXPECT_EQ(log.SegmentFirstIndexes(), firsts);
  for (size_t i = 0; i < segments.size(); ++i) {
    const SegmentInfo& s = segments[i];
    EXPECT_EQ(s.first_index, firsts[i]) << i;
    EXPECT_EQ(s.active, i + 1 == segments.size()) << i;
    const uint64_t want_last =
        i + 1 < segments.size() ? segments[i + 1].first_index - 1 : log.last_index();
    EXPECT_EQ(s.last_index, want_last) << i;
    const uint64_t file_bytes = testing::FileSize(fs, JoinPath(dir, SegmentFileName(firsts[i])));
    if (!s.active) {
      EXPECT_EQ(s.bytes, file_bytes) << i;
    } else if (synced) {
      EXPECT_LE(s.bytes, file_bytes) << i;
    }
  }
}

TEST_F(SegmentedLogTest, SegmentsListsEveryFileOldestFirstWithItsSize) {
  auto log = OpenLog();
  EXPECT_TRUE(log->Segments().empty());  // fresh: no segment yet
  EXPECT_TRUE(log->SegmentFirstIndexes().empty());
  AppendTestRange(*log, 1, 200);
  // Unsynced records of the active segment count.
  const std::vector<SegmentInfo> before_sync = log->Segments();
  ASSERT_GT(before_sync.size(), 4u);
  EXPECT_GT(before_sync.back().bytes, kSegmentHeaderBytes);
  ASSERT_TRUE(log->Sync().ok());
  ExpectSegmentsMatchFiles(*log, SegmentFirsts(), fs_, dir_, /*synced=*/true);
  EXPECT_EQ(log->Segments().back().bytes, before_sync.back().bytes);

  // After a restart the sealed segments' sizes are found from their files.
  log.reset();
  log = OpenLog();
  ExpectSegmentsMatchFiles(*log, SegmentFirsts(), fs_, dir_, /*synced=*/true);

  // Drops, truncations into a sealed segment (which becomes active again) and new rolls.
  const std::vector<uint64_t> firsts = SegmentFirsts();
  ASSERT_TRUE(log->DropPrefix(firsts[1] - 1).ok());
  ASSERT_TRUE(log->TruncateSuffix(firsts[3] + 1).ok());
  ExpectSegmentsMatchFiles(*log, SegmentFirsts(), fs_, dir_, /*synced=*/true);
  EXPECT_EQ(log->Segments().front().first_index, firsts[1]);
  EXPECT_TRUE(log->Segments().back().active);
  EXPECT_EQ(log->Segments().back().last_index, firsts[3]);
  AppendTestRange(*log, firsts[3] + 1, 300, /*generation=*/1);
  ASSERT_TRUE(log->Sync().ok());
  ExpectSegmentsMatchFiles(*log, SegmentFirsts(), fs_, dir_, /*synced=*/true);
}

TEST_F(SegmentedLogTest, SegmentsReportsAnEmptyActiveSegment) {
  auto log = OpenLog();
  AppendTestRange(*log, 1, 100);
  const std::vector<uint64_t> firsts = SegmentFirsts();
  ASSERT_GT(firsts.size(), 2u);
  // A cut at a segment's first index leaves that segment empty and active.
  ASSERT_TRUE(log->TruncateSuffix(firsts[2]).ok());
  const std::vector<SegmentInfo> segments = log->Segments();
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_TRUE(segments[2].active);
  EXPECT_EQ(segments[2].first_index, firsts[2]);
  EXPECT_EQ(segments[2].last_index, firsts[2] - 1);
  EXPECT_EQ(segments[2].bytes, kSegmentHeaderBytes);
  EXPECT_FALSE(segments[1].active);
  EXPECT_EQ(segments[1].last_index, firsts[2] - 1);
  // Reset: one empty segment.
  ASSERT_TRUE(log->Reset(500).ok());
  const std::vector<SegmentInfo> reset = log->Segments();
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_EQ(reset[0].first_index, 500u);
  EXPECT_EQ(reset[0].last_index, 499u);
  EXPECT_TRUE(reset[0].active);
}

TEST_F(SegmentedLogTest, ResetStartsOverAtTheGivenIndex) {
  auto log = OpenLog();
  AppendTestRange(*log, 1, 100);
  EXPECT_EQ(log->Reset(0).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(log->Reset(500).ok());
  EXPECT_EQ(log->first_index(), 500u);
  EXPECT_EQ(log->last_index(), 499u);
  EXPECT_EQ(log->durable_index(), 499u);
  EXPECT_EQ(Files(), std::vector<std::string>{SegmentFileName(500)});
  EXPECT_TRUE(log->Read(500, 1, 1)->empty());
  // Durable at once: the next append must be 500 even after a reopen.
  log.reset();
  log = OpenLog();
  EXPECT_EQ(log->first_index(), 500u);
  EXPECT_EQ(AppendTestRecord(*log, 1).code(), absl::StatusCode::kFailedPrecondition);
  AppendTestRange(*log, 500, 510);
  ExpectRecords(*log, 500, 510);
  // Reset to an index the log already holds.
  ASSERT_TRUE(log->Reset(505).ok());
  AppendTestRange(*log, 505, 506, 1);
  ExpectRecords(*log, 505, 506, 1);
}

TEST_F(SegmentedLogTest, MissingSparseIndexIsRebuiltAtOpen) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 200);
    ASSERT_TRUE(log->Close().ok());
  }
  const uint64_t second = SegmentFirsts()[1];
  const std::string image = *ReadWholeFile(fs_, IndexPath(second), 1 << 20);
  ASSERT_TRUE(fs_.Remove(IndexPath(second)).ok());
  LogCapture capture;
  auto log = OpenLog();
  EXPECT_TRUE(capture.Contains("sparse index was missing")) << capture.lines().size();
  EXPECT_TRUE(HasFile(SparseIndexFileName(second)));
  EXPECT_EQ(*ReadWholeFile(fs_, IndexPath(second), 1 << 20), image);
  ExpectRecords(*log, 1, 200);
}

TEST_F(SegmentedLogTest, CorruptSparseIndexIsRebuiltOnRead) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 200);
    ASSERT_TRUE(log->Close().ok());
  }
  const uint64_t second = SegmentFirsts()[1];
  const std::string image = *ReadWholeFile(fs_, IndexPath(second), 1 << 20);
  testing::FlipByte(fs_, IndexPath(second), 50);
  {
    LogCapture capture;
    auto log = OpenLog();
    ExpectRecords(*log, 1, 200);
    EXPECT_TRUE(capture.Contains("rebuilt in memory")) << capture.lines().size();
    // Removed, so that the next open writes a good one.
    EXPECT_FALSE(HasFile(SparseIndexFileName(second)));
  }
  auto log = OpenLog();
  EXPECT_EQ(*ReadWholeFile(fs_, IndexPath(second), 1 << 20), image);
  ExpectRecords(*log, 1, 200);
}

TEST_F(SegmentedLogTest, BitFlipInASealedSegmentIsDataLossOnReadNamingFileAndOffset) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 200);
    ASSERT_TRUE(log->Close().ok());
  }
  const uint64_t second = SegmentFirsts()[1];
  const uint64_t victim = second + 3;
  const uint64_t offset = RecordOffset(second, victim);
  testing::FlipByte(fs_, SegmentPath(second), offset + kRecordHeaderBytes + 2);
  // Sealed segments are not scanned at open: it succeeds.
  auto log = OpenLog();
  auto before = log->Read(1, UINT64_MAX, victim - 1);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->size(), victim - 1);
  for (const auto& status :
       {log->Read(victim, UINT64_MAX, 1).status(), log->Read(1, UINT64_MAX, UINT64_MAX).status()}) {
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(Contains(status.message(), SegmentFileName(second))) << status;
    EXPECT_TRUE(Contains(status.message(), "offset " + std::to_string(offset))) << status;
  }
  // The rest of the log still reads.
  const uint64_t third = SegmentFirsts()[2];
  auto after = log->Read(third, UINT64_MAX, UINT64_MAX);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->size(), 200 - third + 1);
}

TEST_F(SegmentedLogTest, BitFlipInASealedSegmentWithoutItsIndexFailsOpen) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 200);
    ASSERT_TRUE(log->Close().ok());
  }
  const uint64_t second = SegmentFirsts()[1];
  const uint64_t offset = RecordOffset(second, second + 1);
  testing::FlipByte(fs_, SegmentPath(second), offset + 9);  // in the index field
  ASSERT_TRUE(fs_.Remove(IndexPath(second)).ok());
  // Rebuilding the missing index scans the segment and finds the damage.
  const absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status.message(), SegmentFileName(second))) << status;
  EXPECT_TRUE(Contains(status.message(), "offset " + std::to_string(offset))) << status;
}

TEST_F(SegmentedLogTest, BadHeaderOfASealedSegmentIsDataLossOnRead) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 200);
    ASSERT_TRUE(log->Close().ok());
  }
  const uint64_t second = SegmentFirsts()[1];
  testing::FlipByte(fs_, SegmentPath(second), 14);  // first_index field
  auto log = OpenLog();
  const absl::Status status = log->Read(second, 1, 1).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status.message(), SegmentFileName(second))) << status;
  EXPECT_TRUE(log->Read(1, 1, 1).ok());
}

TEST_F(SegmentedLogTest, GapBetweenSegmentsIsDataLoss) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 200);
    ASSERT_TRUE(log->Close().ok());
  }
  const std::vector<uint64_t> firsts = SegmentFirsts();
  ASSERT_TRUE(fs_.Remove(SegmentPath(firsts[2])).ok());
  ASSERT_TRUE(fs_.Remove(IndexPath(firsts[2])).ok());
  auto log = OpenLog();
  // Segment 2 now claims to run up to segment 4's first index - 1.
  const absl::Status status = log->Read(firsts[1], UINT64_MAX, UINT64_MAX).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status.message(), SegmentFileName(firsts[1]))) << status;
  EXPECT_TRUE(Contains(status.message(), "gap")) << status;
}

TEST_F(SegmentedLogTest, OverlappingSegmentsAreDataLoss) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 200);
    ASSERT_TRUE(log->Close().ok());
  }
  const std::vector<uint64_t> firsts = SegmentFirsts();
  // Rename segment 3 to start two indexes earlier: segment 2 then overlaps it.
  ASSERT_TRUE(fs_.Rename(SegmentPath(firsts[2]), SegmentPath(firsts[2] - 2)).ok());
  ASSERT_TRUE(fs_.Rename(IndexPath(firsts[2]), IndexPath(firsts[2] - 2)).ok());
  auto log = OpenLog();
  const absl::Status second = log->Read(firsts[1], UINT64_MAX, UINT64_MAX).status();
  EXPECT_EQ(second.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(second.message(), SegmentFileName(firsts[1]))) << second;
  EXPECT_TRUE(Contains(second.message(), "overlap")) << second;
  const absl::Status renamed = log->Read(firsts[2] - 2, 1, 1).status();
  EXPECT_EQ(renamed.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(renamed.message(), "header says first index")) << renamed;
}

TEST_F(SegmentedLogTest, IndexDiscontinuityInTheLastSegmentFailsOpen) {
  {
    auto log = OpenLog(SegmentedLogOptions());
    AppendTestRange(*log, 1, 10);
    ASSERT_TRUE(log->Close().ok());
  }
  // Replace record 6 by a well-formed record 7 of the same size: the crc is good, the index
  // is not.
  const uint64_t offset = RecordOffset(1, 6);
  std::string record(kRecordHeaderBytes, '\0');
  const std::string payload(TestPayload(6).size(), 'z');
  EncodeRecordHeader(7, 0, 0, 0, payload, record.data());
  record += payload;
  testing::PatchFile(fs_, SegmentPath(1), offset, record);
  const absl::Status status = OpenStatus(SegmentedLogOptions());
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status.message(), SegmentFileName(1))) << status;
  EXPECT_TRUE(Contains(status.message(), "offset " + std::to_string(offset))) << status;
  EXPECT_TRUE(Contains(status.message(), "index discontinuity")) << status;
}

TEST_F(SegmentedLogTest, LastSegmentHeaderNamingAnotherIndexFailsOpen) {
  {
    auto log = OpenLog(SegmentedLogOptions());
    AppendTestRange(*log, 1, 10);
    ASSERT_TRUE(log->Close().ok());
  }
  testing::PatchFile(fs_, SegmentPath(1), 0, EncodeSegmentHeader(2));
  const absl::Status status = OpenStatus(SegmentedLogOptions());
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status.message(), "header says first index 2")) << status;
  testing::FlipByte(fs_, SegmentPath(1), 5);  // garbage, not zeros: corruption
  EXPECT_EQ(OpenStatus(SegmentedLogOptions()).code(), absl::StatusCode::kDataLoss);
}

TEST_F(SegmentedLogTest, LastSegmentWhoseHeaderNeverReachedTheDiskIsRemoved) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 100);
    ASSERT_TRUE(log->Close().ok());
  }
  const std::vector<uint64_t> firsts = SegmentFirsts();
  const uint64_t next = 101;
  // A roll created the next segment but its header write was lost (short file)...
  {
    auto file = fs_.Open(SegmentPath(next), OpenMode::kCreateExclusive);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->WriteAt(0, std::string(10, '\0')).ok());
  }
  {
    LogCapture capture;
    auto log = OpenLog();
    EXPECT_TRUE(capture.Contains("header never reached the disk"));
    EXPECT_EQ(SegmentFirsts(), firsts);
    ExpectRecords(*log, 1, 100);
    ASSERT_TRUE(log->Close().ok());
  }
  // ... or it is all zeros.
  {
    auto file = fs_.Open(SegmentPath(next), OpenMode::kCreateExclusive);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->WriteAt(0, std::string(kSegmentHeaderBytes + 40, '\0')).ok());
  }
  auto log = OpenLog();
  EXPECT_EQ(SegmentFirsts(), firsts);
  ExpectRecords(*log, 1, 100);
  AppendTestRange(*log, 101, 120);
  ExpectRecords(*log, 1, 120);
}

TEST_F(SegmentedLogTest, OpenCleansTemporaryAndStrayFiles) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 100);
    ASSERT_TRUE(log->Close().ok());
  }
  const std::vector<uint64_t> firsts = SegmentFirsts();
  const auto touch = [&](const std::string& name) {
    ASSERT_TRUE(fs_.Open(JoinPath(dir_, name), OpenMode::kCreateOrOpen).ok());
  };
  touch(SparseIndexFileName(firsts[1]) + ".tmp");  // interrupted atomic write
  touch(SparseIndexFileName(999999));              // index of no segment
  touch(SparseIndexFileName(firsts.back()));       // index of the active segment
  touch("README");                                 // not ours: left alone
  LogCapture capture;
  auto log = OpenLog();
  EXPECT_FALSE(HasFile(SparseIndexFileName(firsts[1]) + ".tmp"));
  EXPECT_FALSE(HasFile(SparseIndexFileName(999999)));
  EXPECT_FALSE(HasFile(SparseIndexFileName(firsts.back())));
  EXPECT_TRUE(HasFile("README"));
  EXPECT_TRUE(capture.Contains("ignoring unexpected file README"));
  ExpectRecords(*log, 1, 100);
}

TEST_F(SegmentedLogTest, SegmentNamedZeroIsDataLoss) {
  ASSERT_TRUE(fs_.CreateDirs(dir_).ok());
  ASSERT_TRUE(fs_.Open(SegmentPath(0), OpenMode::kCreateOrOpen).ok());
  const absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status.message(), SegmentFileName(0))) << status;
}

TEST_F(SegmentedLogTest, OpenFailsCleanlyWhenTheDirectoryCannotBeMade) {
  ASSERT_TRUE(fs_.CreateDirs(temp_.path()).ok());
  ASSERT_TRUE(fs_.Open(JoinPath(temp_.path(), "file"), OpenMode::kCreateOrOpen).ok());
  EXPECT_FALSE(SegmentedLog::Open(fs_, JoinPath(temp_.path(), "file/log"), SmallOptions()).ok());
}

}  // namespace
}  // namespace mq::storage
