// Crash recovery of SegmentedLog on the real filesystem: the last segment cut at every byte of its
// tail, lost (zeroed) sectors, and flipped bits in the last and in sealed segments.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/file/atomic_file.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/temp_dir.h"
#include "storage/log/log_test_util.h"
#include "storage/log/segment_file.h"
#include "storage/log/segment_scanner.h"
#include "storage/log/segmented_log.h"

namespace mq::storage {
namespace {

using ::mq::LogCapture;
using testing::AppendTestRange;
using testing::AppendTestRecord;
using testing::IsTestRecord;
using testing::ReadAll;

bool Contains(absl::string_view haystack, const std::string& needle) {
  return haystack.find(needle) != absl::string_view::npos;
}

SegmentedLogOptions CrashOptions() {
  SegmentedLogOptions options;
  options.segment_bytes_max = 4096;
  options.index_interval_bytes = 256;
  return options;
}

class SegmentedLogCrashTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kLastIndex = 70;

  void SetUp() override {
    auto log = SegmentedLog::Open(fs_, dir_, CrashOptions());
    ASSERT_TRUE(log.ok()) << log.status();
    AppendTestRange(**log, 1, kLastIndex);
    ASSERT_EQ(*(*log)->Sync(), kLastIndex);
    ASSERT_TRUE((*log)->Close().ok());
    const std::vector<std::string> names = *fs_.ListDir(dir_);
    for (const std::string& name : names) {
      snapshot_[name] = *ReadWholeFile(fs_, JoinPath(dir_, name), 1 << 20);
      if (auto first = ParseLogFileName(name, kSegmentSuffix)) firsts_.push_back(*first);
    }
    ASSERT_GE(firsts_.size(), 3u);
    last_first_ = firsts_.back();
    sealed_first_ = firsts_[firsts_.size() - 2];
    // Offsets of the records of the last segment, plus its end.
    last_offsets_ = Offsets(last_first_);
    ASSERT_GE(last_offsets_.size(), 6u) << "the last segment must hold several records";
  }

  // Record start offsets of segment `first` from the snapshot, then the file size.
  std::vector<uint64_t> Offsets(uint64_t first) {
    const std::string& image = snapshot_[SegmentFileName(first)];
    std::vector<uint64_t> offsets;
    uint64_t offset = kSegmentHeaderBytes;
    while (offset < image.size()) {
      offsets.push_back(offset);
      offset += RecordBytes(DecodeRecordHeader(image.data() + offset).payload_length);
    }
    offsets.push_back(image.size());
    return offsets;
  }

  // Puts the directory back as SetUp left it.
  void Restore() {
    const std::vector<std::string> names = *fs_.ListDir(dir_);
    for (const std::string& name : names) {
      ASSERT_TRUE(fs_.Remove(JoinPath(dir_, name)).ok());
    }
    for (const auto& [name, bytes] : snapshot_) {
      auto file = fs_.Open(JoinPath(dir_, name), OpenMode::kCreateExclusive);
      ASSERT_TRUE(file.ok());
      ASSERT_TRUE((*file)->WriteAt(0, bytes).ok());
    }
  }

  void Cut(uint64_t first, uint64_t size) {
    auto file = fs_.Open(JoinPath(dir_, SegmentFileName(first)), OpenMode::kReadWrite);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Truncate(size).ok());
  }

  // Opens, expects exactly [1, last] of generation 0 (then `extra` of generation 1).
  void ExpectLog(uint64_t last, uint64_t extra = 0) {
    auto log = SegmentedLog::Open(fs_, dir_, CrashOptions());
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_EQ((*log)->last_index(), last + extra);
    EXPECT_EQ((*log)->durable_index(), last + extra);
    auto records = ReadAll(**log);
    ASSERT_TRUE(records.ok()) << records.status();
    ASSERT_EQ(records->size(), last + extra);
    for (uint64_t i = 1; i <= last + extra; ++i) {
      ASSERT_TRUE(IsTestRecord((*records)[i - 1], i, i <= last ? 0 : 1)) << i;
    }
  }

  PosixFilesystem& fs_ = PosixFilesystem::Get();
  TempDir temp_;
  std::string dir_ = JoinPath(temp_.path(), "log");
  std::map<std::string, std::string> snapshot_;
  std::vector<uint64_t> firsts_;
  uint64_t last_first_ = 0;
  uint64_t sealed_first_ = 0;
  std::vector<uint64_t> last_offsets_;
};

TEST_F(SegmentedLogCrashTest, CutAtEveryByteOfTheTailKeepsExactlyTheWholeRecords) {
  const std::string path = JoinPath(dir_, SegmentFileName(last_first_));
  const uint64_t records_in_last = last_offsets_.size() - 1;
  const uint64_t kTailRecords = 3;
  // Every cut inside the header, then every cut in the last kTailRecords records.
  std::vector<uint64_t> cuts;
  for (uint64_t cut = 0; cut < kSegmentHeaderBytes; ++cut) cuts.push_back(cut);
  for (uint64_t cut = last_offsets_[records_in_last - kTailRecords]; cut <= last_offsets_.back();
       ++cut) {
    cuts.push_back(cut);
  }
  for (const uint64_t cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    Restore();
    Cut(last_first_, cut);
    // Records entirely before the cut survive.
    uint64_t whole = 0;
    while (whole < records_in_last && last_offsets_[whole + 1] <= cut) ++whole;
    const uint64_t expected_last =
        cut < kSegmentHeaderBytes ? last_first_ - 1 : last_first_ - 1 + whole;
    {
      LogCapture capture;
      auto log = SegmentedLog::Open(fs_, dir_, CrashOptions());
      ASSERT_TRUE(log.ok()) << log.status();
      EXPECT_EQ((*log)->last_index(), expected_last);
      if (cut >= kSegmentHeaderBytes && cut != last_offsets_[whole]) {
        // A torn record: cut off at its start, and said so.
        EXPECT_TRUE(capture.Contains(path)) << cut;
        EXPECT_TRUE(
            capture.Contains("torn tail at offset " + std::to_string(last_offsets_[whole])));
        EXPECT_TRUE(
            capture.Contains("dropped " + std::to_string(cut - last_offsets_[whole]) + " bytes"));
        EXPECT_EQ(testing::FileSize(fs_, path), last_offsets_[whole]);
      }
      if (cut < kSegmentHeaderBytes) {
        EXPECT_FALSE(*fs_.Exists(path));
      }
      // A later append and reopen work.
      ASSERT_TRUE(AppendTestRecord(**log, expected_last + 1, /*generation=*/1).ok());
      ASSERT_EQ(*(*log)->Sync(), expected_last + 1);
    }
    ExpectLog(expected_last, 1);
    if (HasFatalFailure()) return;
  }
}

TEST_F(SegmentedLogCrashTest, CrashStatesOfWritesIntoTheRunway) {
  // The last segment as a crash can leave it when its tail was written into a synced runway:
  // whole sectors are kept or lost, and a lost one reads as the runway's zeros. So the data is
  // kept up to a sector boundary or a flush boundary (every record boundary may be one), then
  // zeros to the end of the runway.
  const std::string path = JoinPath(dir_, SegmentFileName(last_first_));
  const uint64_t records_in_last = last_offsets_.size() - 1;
  const uint64_t kRunwayBytes = 4096;
  const uint64_t end = last_offsets_.back();
  std::vector<uint64_t> cuts;
  for (uint64_t cut = last_offsets_[0]; cut <= end; ++cut) {
    if (cut % kSectorBytes == 0 ||
        std::binary_search(last_offsets_.begin(), last_offsets_.end(), cut)) {
      cuts.push_back(cut);
    }
  }
  for (const uint64_t cut : cuts) {
    SCOPED_TRACE("data kept up to " + std::to_string(cut));
    Restore();
    testing::PatchFile(fs_, path, cut, std::string(end + kRunwayBytes - cut, '\0'));
    uint64_t whole = 0;
    while (whole < records_in_last && last_offsets_[whole + 1] <= cut) ++whole;
    const bool boundary = cut == last_offsets_[whole];
    {
      LogCapture capture;
      auto log = SegmentedLog::Open(fs_, dir_, CrashOptions());
      ASSERT_TRUE(log.ok()) << log.status();
      EXPECT_EQ((*log)->last_index(), last_first_ - 1 + whole);
      if (boundary) {
        // The clean end of the data: no warning, and the runway stays.
        EXPECT_TRUE(capture.lines().empty()) << capture.lines().front();
        EXPECT_EQ(testing::FileSize(fs_, path), end + kRunwayBytes);
      } else {
        EXPECT_TRUE(
            capture.Contains("torn tail at offset " + std::to_string(last_offsets_[whole])));
        EXPECT_EQ(testing::FileSize(fs_, path), last_offsets_[whole]);
      }
      EXPECT_EQ((*log)->Segments().back().bytes, last_offsets_[whole]);
      // Appends go at the data end, not after the zeros.
      ASSERT_TRUE(AppendTestRecord(**log, last_first_ + whole, /*generation=*/1).ok());
      ASSERT_EQ(*(*log)->Sync(), last_first_ + whole);
    }
    ExpectLog(last_first_ - 1 + whole, 1);
    if (HasFatalFailure()) return;
  }
}

TEST_F(SegmentedLogCrashTest, LostSectorInTheLastRecordIsATornTail) {
  const std::string path = JoinPath(dir_, SegmentFileName(last_first_));
  // The last record that crosses a sector boundary becomes the last of the file (the ones after
  // it never reached the disk), and the sector piece holding its final byte is lost.
  size_t k = last_offsets_.size() - 2;
  while (k > 0 && (last_offsets_[k + 1] - 1) / kSectorBytes * kSectorBytes <= last_offsets_[k]) {
    --k;
  }
  const uint64_t start = last_offsets_[k];
  const uint64_t end = last_offsets_[k + 1];
  const uint64_t piece = (end - 1) / kSectorBytes * kSectorBytes;
  ASSERT_GT(piece, start) << "no record of the last segment crosses a sector boundary";
  testing::TruncateFile(fs_, path, end);
  testing::PatchFile(fs_, path, piece, std::string(end - piece, '\0'));
  LogCapture capture;
  ExpectLog(last_first_ - 1 + k);
  EXPECT_TRUE(capture.Contains("torn tail at offset " + std::to_string(start)));
}

TEST_F(SegmentedLogCrashTest, ZeroedLastRecordIsTheCleanEndOfTheData) {
  // All zeros from a record boundary to the end of the file: how a runway reads, and how the
  // last record reads when its write into the runway was lost. Nothing durable was lost, so
  // this is no torn tail: no warning, and the zeros stay (as the runway).
  const std::string path = JoinPath(dir_, SegmentFileName(last_first_));
  const uint64_t records_in_last = last_offsets_.size() - 1;
  const uint64_t start = last_offsets_[records_in_last - 1];
  const uint64_t end = last_offsets_.back();
  testing::PatchFile(fs_, path, start, std::string(end - start, '\0'));
  LogCapture capture;
  ExpectLog(kLastIndex - 1);
  EXPECT_TRUE(capture.lines().empty()) << capture.lines().front();
}

TEST_F(SegmentedLogCrashTest, LostSectorInAMiddleRecordCutsTheLogThere) {
  // The rule at work (documented in segmented_log.h): a zeroed sector piece means "never
  // synced", so everything from that record on is dropped.
  const std::string path = JoinPath(dir_, SegmentFileName(last_first_));
  const uint64_t victim = 2;  // third record of the last segment
  const uint64_t start = last_offsets_[victim];
  const uint64_t piece_end =
      std::min(last_offsets_[victim + 1], (start / kSectorBytes + 1) * kSectorBytes);
  testing::PatchFile(fs_, path, start, std::string(piece_end - start, '\0'));
  LogCapture capture;
  ExpectLog(last_first_ - 1 + victim);
  EXPECT_TRUE(capture.Contains("torn tail at offset " + std::to_string(start)));
}

TEST_F(SegmentedLogCrashTest, FlippedBitsInTheLastSegmentFailOpenNamingFileAndOffset) {
  const std::string name = SegmentFileName(last_first_);
  const uint64_t records_in_last = last_offsets_.size() - 1;
  // A middle record and the very last one.
  // Without and with a runway of zeros after the data.
  for (const uint64_t runway : {uint64_t{0}, uint64_t{4096}}) {
    for (const uint64_t k : {records_in_last / 2, records_in_last - 1}) {
      const uint64_t start = last_offsets_[k];
      const uint64_t size = last_offsets_[k + 1] - start;
      // crc, index, tag, kind, flags, then payload start, middle and end. (A flipped length field
      // can make a record look torn: the documented limit of the rule.)
      for (const uint64_t at : {uint64_t{0}, uint64_t{3}, uint64_t{8}, uint64_t{17}, uint64_t{24},
                                uint64_t{27}, kRecordHeaderBytes, size / 2, size - 1}) {
        if (at >= size) continue;
        SCOPED_TRACE("runway " + std::to_string(runway) + " record " + std::to_string(k) +
                     " byte " + std::to_string(at));
        Restore();
        testing::PatchFile(fs_, JoinPath(dir_, name), last_offsets_.back(),
                           std::string(runway, '\0'));
        testing::FlipByte(fs_, JoinPath(dir_, name), start + at);
        const absl::Status status = SegmentedLog::Open(fs_, dir_, CrashOptions()).status();
        EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
        EXPECT_TRUE(Contains(status.message(), name)) << status;
        EXPECT_TRUE(Contains(status.message(), "offset " + std::to_string(start))) << status;
      }
    }
  }
}

TEST_F(SegmentedLogCrashTest, FlippedBitsInASealedSegmentAreDataLossOnReadNamingFileAndOffset) {
  const std::string name = SegmentFileName(sealed_first_);
  const std::vector<uint64_t> offsets = Offsets(sealed_first_);
  const uint64_t k = (offsets.size() - 1) / 2;
  const uint64_t start = offsets[k];
  const uint64_t size = offsets[k + 1] - start;
  for (const uint64_t at : {uint64_t{0}, uint64_t{9}, uint64_t{20}, kRecordHeaderBytes, size - 1}) {
    if (at >= size) continue;
    SCOPED_TRACE("byte " + std::to_string(at));
    Restore();
    testing::FlipByte(fs_, JoinPath(dir_, name), start + at);
    auto log = SegmentedLog::Open(fs_, dir_, CrashOptions());
    ASSERT_TRUE(log.ok()) << log.status();  // sealed segments are not scanned at open
    const absl::Status status = ReadAll(**log).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(Contains(status.message(), name)) << status;
    EXPECT_TRUE(Contains(status.message(), "offset " + std::to_string(start))) << status;
    // The last segment is untouched and still reads.
    EXPECT_TRUE((*log)->Read(last_first_, UINT64_MAX, UINT64_MAX).ok());
  }
}

}  // namespace
}  // namespace mq::storage
