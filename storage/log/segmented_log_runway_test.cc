// The runway of SegmentedLog (segmented_log.h): zeros written ahead of the active segment's data
// so that small flushes overwrite instead of append. Sizes reported are data bytes, sealed and
// closed segments end at their data, and recovery tells the runway from a torn tail.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/base/prng.h"
#include "storage/base/status_macros.h"
#include "storage/fs/forwarding_filesystem.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/sim_filesystem.h"
#include "storage/fs/temp_dir.h"
#include "storage/log/log_test_util.h"
#include "storage/log/record_format.h"
#include "storage/log/segment_file.h"
#include "storage/log/segmented_log.h"

namespace mq::storage {
namespace {

using ::mq::LogCapture;
using testing::AppendTestRange;
using testing::AppendTestRecord;
using testing::FileSize;
using testing::IsTestRecord;
using testing::ReadAll;
using testing::TestPayload;

constexpr uint64_t kRunwayBytes = 8192;

SegmentedLogOptions RunwayOptions() {
  SegmentedLogOptions options;
  options.segment_bytes_max = 64 << 10;
  options.write_buffer_bytes = 1024;
  options.index_interval_bytes = 512;
  options.preallocate_bytes = kRunwayBytes;
  return options;
}

// Bytes of segment `first` holding the test records [first, last] of `generation`.
uint64_t DataBytes(uint64_t first, uint64_t last, uint64_t generation = 0) {
  uint64_t bytes = kSegmentHeaderBytes;
  for (uint64_t i = first; i <= last; ++i) bytes += RecordBytes(TestPayload(i, generation).size());
  return bytes;
}

class SegmentedLogRunwayTest : public ::testing::Test {
 protected:
  std::unique_ptr<SegmentedLog> OpenLog(SegmentedLogOptions options = RunwayOptions()) {
    auto log = SegmentedLog::Open(fs_, dir_, options);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }
  std::string SegmentPath(uint64_t first) { return JoinPath(dir_, SegmentFileName(first)); }

  // [first, last] of generation 0, then (from `from` on) generation 1.
  void ExpectRecords(SegmentedLog& log, uint64_t first, uint64_t last, uint64_t from = UINT64_MAX) {
    EXPECT_EQ(log.first_index(), first);
    ASSERT_EQ(log.last_index(), last);
    auto all = ReadAll(log);
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_EQ(all->size(), last + 1 - first);
    for (uint64_t i = first; i <= last; ++i) {
      ASSERT_TRUE(IsTestRecord((*all)[i - first], i, i < from ? 0 : 1)) << i;
    }
  }

  PosixFilesystem& fs_ = PosixFilesystem::Get();
  TempDir temp_;
  std::string dir_ = JoinPath(temp_.path(), "log");
};

TEST_F(SegmentedLogRunwayTest, SmallSyncedAppendsLeaveARunwayAfterTheData) {
  auto log = OpenLog();
  for (uint64_t i = 1; i <= 120; ++i) {
    ASSERT_TRUE(AppendTestRecord(*log, i).ok());
    ASSERT_EQ(*log->Sync(), i);
    const uint64_t data = DataBytes(1, i);
    ASSERT_EQ(log->Segments().back().bytes, data) << i;
    const uint64_t file = FileSize(fs_, SegmentPath(1));
    // Zeros after the data: preallocate_bytes of them when last extended, up to a 4 KiB
    // boundary.
    ASSERT_GT(file, data) << i;
    ASSERT_LE(file, data + kRunwayBytes + 4096) << i;
    ASSERT_EQ(file % 4096, 0u) << i;
  }
  ASSERT_EQ(log->segment_count(), 1u);
  ExpectRecords(*log, 1, 120);
}

TEST_F(SegmentedLogRunwayTest, RunwayNeverPassesTheSegmentLimit) {
  SegmentedLogOptions options = RunwayOptions();
  options.segment_bytes_max = 4096;
  options.preallocate_bytes = 1 << 20;
  auto log = OpenLog(options);
  AppendTestRange(*log, 1, 5);
  ASSERT_EQ(*log->Sync(), 5u);
  EXPECT_EQ(FileSize(fs_, SegmentPath(1)), 4096u);
}

TEST_F(SegmentedLogRunwayTest, RollLeavesTheSealedSegmentExactlyAtItsData) {
  SegmentedLogOptions options = RunwayOptions();
  options.segment_bytes_max = 2048;
  options.write_buffer_bytes = 256;
  options.preallocate_bytes = 1024;
  auto log = OpenLog(options);
  AppendTestRange(*log, 1, 200);
  ASSERT_EQ(*log->Sync(), 200u);
  const std::vector<SegmentInfo> segments = log->Segments();
  ASSERT_GT(segments.size(), 5u);
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    const SegmentInfo& s = segments[i];
    EXPECT_EQ(s.bytes, DataBytes(s.first_index, s.last_index)) << i;
    EXPECT_EQ(FileSize(fs_, SegmentPath(s.first_index)), s.bytes) << i;
  }
  EXPECT_GT(FileSize(fs_, SegmentPath(segments.back().first_index)), segments.back().bytes);
  // After a restart too (sizes of sealed segments come from their files then).
  log.reset();
  log = OpenLog(options);
  EXPECT_EQ(log->Segments().front().bytes, segments.front().bytes);
  ExpectRecords(*log, 1, 200);
}

TEST_F(SegmentedLogRunwayTest, CloseCutsTheRunwayAndReopenRecoversEverything) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 40);
    ASSERT_EQ(*log->Sync(), 40u);
    ASSERT_GT(FileSize(fs_, SegmentPath(1)), DataBytes(1, 40));
    AppendTestRange(*log, 41, 50);  // synced by Close
    ASSERT_TRUE(log->Close().ok());
  }
  EXPECT_EQ(FileSize(fs_, SegmentPath(1)), DataBytes(1, 50));
  LogCapture capture;
  auto log = OpenLog();
  EXPECT_TRUE(capture.lines().empty()) << capture.lines().front();
  ExpectRecords(*log, 1, 50);
}

TEST_F(SegmentedLogRunwayTest, ReopenAfterACrashKeepsTheRunwayWithoutAWarning) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 40);
    ASSERT_EQ(*log->Sync(), 40u);
  }  // destroyed without Close: a crash after the sync
  const uint64_t file = FileSize(fs_, SegmentPath(1));
  ASSERT_GT(file, DataBytes(1, 40));
  {
    LogCapture capture;
    auto log = OpenLog();
    EXPECT_TRUE(capture.lines().empty()) << capture.lines().front();
    ExpectRecords(*log, 1, 40);
    EXPECT_EQ(log->durable_index(), 40u);
    EXPECT_EQ(log->Segments().back().bytes, DataBytes(1, 40));
    EXPECT_EQ(FileSize(fs_, SegmentPath(1)), file);  // the runway is kept
    // New records go at the data end, into the runway.
    AppendTestRange(*log, 41, 45);
    ASSERT_EQ(*log->Sync(), 45u);
    EXPECT_EQ(log->Segments().back().bytes, DataBytes(1, 45));
    ExpectRecords(*log, 1, 45);
  }
  LogCapture capture;
  auto log = OpenLog();
  EXPECT_TRUE(capture.lines().empty()) << capture.lines().front();
  ExpectRecords(*log, 1, 45);
}

TEST_F(SegmentedLogRunwayTest, TornRecordFollowedByTheRunwayIsCutWithAWarning) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 20);
    ASSERT_EQ(*log->Sync(), 20u);
  }
  // Record 21 reached the disk only in its first sector piece; the rest reads as the runway.
  const uint64_t data = DataBytes(1, 20);
  const std::string payload(2000, 'x');
  std::string record(kRecordHeaderBytes, '\0');
  EncodeRecordHeader(21, 0, 0, 0, payload, record.data());
  record += payload;
  const uint64_t kept = (data / kSectorBytes + 1) * kSectorBytes - data;
  testing::PatchFile(fs_, SegmentPath(1), data, record.substr(0, kept));
  ASSERT_GT(FileSize(fs_, SegmentPath(1)), data + record.size());
  LogCapture capture;
  auto log = OpenLog();
  EXPECT_TRUE(capture.Contains("torn tail at offset " + std::to_string(data)));
  EXPECT_EQ(FileSize(fs_, SegmentPath(1)), data);
  ExpectRecords(*log, 1, 20);
}

TEST_F(SegmentedLogRunwayTest, CorruptRecordFollowedByTheRunwayIsDataLoss) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 20);
    ASSERT_EQ(*log->Sync(), 20u);
  }
  ASSERT_GT(FileSize(fs_, SegmentPath(1)), DataBytes(1, 20));
  // A flipped bit in the payload of the last record, complete and followed by zeros.
  const uint64_t start = DataBytes(1, 19);
  testing::FlipByte(fs_, SegmentPath(1), start + kRecordHeaderBytes + 2);
  const absl::Status status = SegmentedLog::Open(fs_, dir_, RunwayOptions()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find(SegmentFileName(1)), absl::string_view::npos) << status;
  EXPECT_NE(status.message().find("offset " + std::to_string(start)), absl::string_view::npos)
      << status;
}

TEST_F(SegmentedLogRunwayTest, TruncateSuffixIntoTheActiveSegmentThenAppendAndReopen) {
  {
    auto log = OpenLog();
    AppendTestRange(*log, 1, 50);
    ASSERT_EQ(*log->Sync(), 50u);
    ASSERT_TRUE(log->TruncateSuffix(30).ok());
    // The cut sets the file size to the data end: the runway goes with it.
    EXPECT_EQ(FileSize(fs_, SegmentPath(1)), DataBytes(1, 29));
    EXPECT_EQ(log->Segments().back().bytes, DataBytes(1, 29));
    AppendTestRange(*log, 30, 60, /*generation=*/1);
    ASSERT_EQ(*log->Sync(), 60u);
    EXPECT_GT(FileSize(fs_, SegmentPath(1)), log->Segments().back().bytes);
    ExpectRecords(*log, 1, 60, 30);
  }
  auto log = OpenLog();
  ExpectRecords(*log, 1, 60, 30);
}

TEST_F(SegmentedLogRunwayTest, LargeFlushAppendsNoZeros) {
  SegmentedLogOptions options = RunwayOptions();
  options.segment_bytes_max = 1 << 20;
  options.write_buffer_bytes = 1 << 20;
  auto log = OpenLog(options);
  const size_t extra = SegmentedLog::kRunwayFlushBytesMax;
  ASSERT_TRUE(AppendTestRecord(*log, 1, 0, extra).ok());
  ASSERT_EQ(*log->Sync(), 1u);
  const uint64_t data = kSegmentHeaderBytes + RecordBytes(TestPayload(1, 0, extra).size());
  EXPECT_EQ(log->Segments().back().bytes, data);
  EXPECT_EQ(FileSize(fs_, SegmentPath(1)), data);
  // The next small flush starts a runway.
  ASSERT_TRUE(AppendTestRecord(*log, 2).ok());
  ASSERT_EQ(*log->Sync(), 2u);
  EXPECT_GT(FileSize(fs_, SegmentPath(1)), log->Segments().back().bytes);
}

TEST_F(SegmentedLogRunwayTest, ZeroPreallocateWritesNoRunway) {
  SegmentedLogOptions options = RunwayOptions();
  options.preallocate_bytes = 0;
  auto log = OpenLog(options);
  for (uint64_t i = 1; i <= 30; ++i) {
    ASSERT_TRUE(AppendTestRecord(*log, i).ok());
    ASSERT_EQ(*log->Sync(), i);
    ASSERT_EQ(FileSize(fs_, SegmentPath(1)), DataBytes(1, i)) << i;
  }
}

// The real filesystem, except that every write of nothing but zeros (the runway) fails, as on
// a disk that fills up between a flush's data and its zeros.
class ZeroWritesFail final : public ForwardingFilesystem {
 public:
  ZeroWritesFail() : ForwardingFilesystem(PosixFilesystem::Get()) {}
  absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override {
    MQ_ASSIGN_OR_RETURN(std::unique_ptr<File> file, base().Open(path, mode));
    return std::unique_ptr<File>(new FailingFile(std::move(file)));
  }

 private:
  class FailingFile final : public ForwardingFile {
   public:
    using ForwardingFile::ForwardingFile;
    absl::Status WriteAt(uint64_t offset, std::string_view data) override {
      if (!data.empty() && AllZero(data.data(), data.size())) {
        return absl::ResourceExhaustedError("no space left (test)");
      }
      return ForwardingFile::WriteAt(offset, data);
    }
  };
};

TEST_F(SegmentedLogRunwayTest, FailedZeroWriteIsNoErrorAndLeavesNoRunway) {
  ZeroWritesFail fs;
  {
    auto log = SegmentedLog::Open(fs, dir_, RunwayOptions());
    ASSERT_TRUE(log.ok()) << log.status();
    for (uint64_t i = 1; i <= 30; ++i) {
      ASSERT_TRUE(AppendTestRecord(**log, i).ok());
      ASSERT_EQ(*(*log)->Sync(), i);
      ASSERT_EQ(FileSize(fs_, SegmentPath(1)), DataBytes(1, i)) << i;
    }
    ASSERT_TRUE((*log)->Close().ok());
  }
  auto log = OpenLog();
  ExpectRecords(*log, 1, 30);
}

// On the simulated disk: a crash right after a sync keeps the runway and loses nothing; a crash
// with unsynced writes into the runway (or extending it) keeps every synced record.
TEST(SegmentedLogRunwaySimTest, CrashesRecoverEverySyncedRecord) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    SimFilesystem sim;
    Prng prng(seed);
    SegmentedLogOptions options = RunwayOptions();
    options.preallocate_bytes = 1024;
    options.write_buffer_bytes = 128;
    uint64_t synced = 0;
    uint64_t last = 0;
    {
      auto log = SegmentedLog::Open(sim, "/log", options);
      ASSERT_TRUE(log.ok()) << log.status();
      AppendTestRange(**log, 1, 30);
      last = 30;
      synced = *(*log)->Sync();
      ASSERT_EQ(synced, 30u);
      sim.Crash(prng);  // nothing unsynced: the runway survives as written
    }
    {
      LogCapture capture;
      auto log = SegmentedLog::Open(sim, "/log", options);
      ASSERT_TRUE(log.ok()) << log.status();
      EXPECT_TRUE(capture.lines().empty()) << capture.lines().front();
      ASSERT_EQ((*log)->last_index(), synced);
      const uint64_t count = 1 + prng.Uniform(40);
      for (uint64_t n = 0; n < count; ++n) {
        ASSERT_TRUE(AppendTestRecord(**log, ++last).ok());
        if (prng.Chance(1, 8)) synced = *(*log)->Sync();
      }
      sim.Crash(prng);  // unsynced appends (in pieces of the write buffer) torn or lost
    }
    auto log = SegmentedLog::Open(sim, "/log", options);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_GE((*log)->last_index(), synced);
    ASSERT_LE((*log)->last_index(), last);
    auto all = ReadAll(**log);
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_EQ(all->size(), (*log)->last_index());
    for (uint64_t i = 1; i <= all->size(); ++i) ASSERT_TRUE(IsTestRecord((*all)[i - 1], i)) << i;
  }
}

}  // namespace
}  // namespace mq::storage
