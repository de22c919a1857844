#include "storage/log/log_inspector.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/temp_dir.h"
#include "storage/log/log_test_util.h"
#include "storage/log/record_format.h"
#include "storage/log/segment_file.h"
#include "storage/log/segmented_log.h"
#include "storage/log/sparse_index.h"

namespace mq::storage {
namespace {

using Severity = InspectProblem::Severity;

class LogInspectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SegmentedLogOptions options;
    options.segment_bytes_max = 2048;
    options.index_interval_bytes = 256;
    auto log = SegmentedLog::Open(fs_, dir_, options);
    ASSERT_TRUE(log.ok());
    testing::AppendTestRange(**log, 1, 100);
    ASSERT_TRUE((*log)->Close().ok());
    const std::vector<std::string> names = *fs_.ListDir(dir_);
    for (const auto& name : names) {
      if (auto first = ParseLogFileName(name, kSegmentSuffix)) firsts_.push_back(*first);
    }
    ASSERT_GE(firsts_.size(), 4u);
  }

  InspectReport Inspect(InspectOptions options, std::vector<InspectedRecord>* records = nullptr) {
    auto report = InspectLog(fs_, dir_, options, [records](const InspectedRecord& r) {
      if (records != nullptr) records->push_back(r);
    });
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : InspectReport{};
  }

  static bool HasProblem(const InspectReport& report, Severity severity, const std::string& file,
                         std::string_view text) {
    for (const auto& p : report.problems) {
      if (p.severity == severity && p.file == file &&
          p.message.find(std::string(text)) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  std::string Path(const std::string& name) { return JoinPath(dir_, name); }

  PosixFilesystem& fs_ = PosixFilesystem::Get();
  TempDir temp_;
  std::string dir_ = JoinPath(temp_.path(), "log");
  std::vector<uint64_t> firsts_;
};

TEST_F(LogInspectorTest, ReportsEveryRecordOfAGoodLog) {
  std::vector<InspectedRecord> records;
  InspectOptions options;
  options.check_all = true;
  const InspectReport report = Inspect(options, &records);
  EXPECT_FALSE(report.corrupt());
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(report.segments, firsts_.size());
  EXPECT_EQ(report.records_checked, 100u);
  ASSERT_EQ(records.size(), 100u);
  EXPECT_EQ(records[0].index, 1u);
  EXPECT_EQ(records[0].file, SegmentFileName(1));
  EXPECT_EQ(records[0].offset, kSegmentHeaderBytes);
  EXPECT_EQ(records[0].tag, testing::TestTag(1));
  EXPECT_EQ(records[0].payload_bytes, testing::TestPayload(1).size());
  EXPECT_EQ(records[99].index, 100u);
  EXPECT_EQ(records[99].file, SegmentFileName(firsts_.back()));
}

TEST_F(LogInspectorTest, FromAndCountSkipSegmentsBeforeTheRange) {
  std::vector<InspectedRecord> records;
  InspectOptions options;
  options.from_index = firsts_[2] + 1;
  options.count_max = 5;
  const InspectReport report = Inspect(options, &records);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].index, firsts_[2] + 1);
  EXPECT_EQ(report.segments, 1u);  // started in the segment holding from_index, stopped early
}

TEST_F(LogInspectorTest, DamageInASealedSegmentIsFoundOnlyWhenCheckingAll) {
  testing::FlipByte(fs_, Path(SegmentFileName(firsts_[1])), kSegmentHeaderBytes + 30);
  InspectOptions late;
  late.from_index = firsts_.back();
  EXPECT_FALSE(Inspect(late).corrupt());
  late.check_all = true;
  const InspectReport report = Inspect(late);
  EXPECT_TRUE(report.corrupt());
  EXPECT_TRUE(
      HasProblem(report, Severity::kCorruption, SegmentFileName(firsts_[1]), "checksum mismatch"));
  EXPECT_EQ(report.problems[0].offset, kSegmentHeaderBytes);
}

TEST_F(LogInspectorTest, TornTailIsNotCorruptionAndIsLeftInPlace) {
  const std::string last = Path(SegmentFileName(firsts_.back()));
  const uint64_t size = testing::FileSize(fs_, last);
  testing::TruncateFile(fs_, last, size - 3);
  InspectOptions options;
  options.check_all = true;
  const InspectReport report = Inspect(options);
  EXPECT_FALSE(report.corrupt());
  EXPECT_TRUE(HasProblem(report, Severity::kTornTail, SegmentFileName(firsts_.back()),
                         "open drops the last"));
  EXPECT_EQ(testing::FileSize(fs_, last), size - 3);
}

TEST_F(LogInspectorTest, RunwayAfterTheLastRecordIsNoProblemButATornRecordBeforeItIs) {
  const std::string last = Path(SegmentFileName(firsts_.back()));
  const uint64_t size = testing::FileSize(fs_, last);
  // Zeros after the data, as a log that was not closed leaves them.
  testing::PatchFile(fs_, last, size, std::string(4096, '\0'));
  InspectOptions options;
  options.check_all = true;
  InspectReport report = Inspect(options);
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(report.records_checked, 100u);
  // A record written into the runway of which only the first bytes reached the disk: torn.
  const std::string payload(2000, 'x');
  std::string record(kRecordHeaderBytes, '\0');
  EncodeRecordHeader(101, 0, 0, 0, payload, record.data());
  record += payload;
  testing::PatchFile(fs_, last, size, record.substr(0, kRecordHeaderBytes + 100));
  report = Inspect(options);
  EXPECT_FALSE(report.corrupt());
  EXPECT_TRUE(HasProblem(report, Severity::kTornTail, SegmentFileName(firsts_.back()),
                         "open drops the last"));
  EXPECT_EQ(report.records_checked, 100u);
}

TEST_F(LogInspectorTest, BadHeadersGapsAndIndexesAreReported) {
  // A sealed segment's header damaged, a segment missing (gap), an index file damaged, a
  // missing index file, a temp file.
  testing::FlipByte(fs_, Path(SegmentFileName(firsts_[0])), 2);
  ASSERT_TRUE(fs_.Remove(Path(SegmentFileName(firsts_[2]))).ok());
  testing::FlipByte(fs_, Path(SparseIndexFileName(firsts_[1])), 3);
  ASSERT_TRUE(fs_.Remove(Path(SparseIndexFileName(firsts_[3]))).ok());
  ASSERT_TRUE(fs_.Open(Path("x.sidx.tmp"), OpenMode::kCreateOrOpen).ok());
  InspectOptions options;
  options.check_all = true;
  const InspectReport report = Inspect(options);
  EXPECT_TRUE(report.corrupt());
  EXPECT_TRUE(HasProblem(report, Severity::kCorruption, SegmentFileName(firsts_[0]), "checksum"));
  EXPECT_TRUE(HasProblem(report, Severity::kCorruption, SegmentFileName(firsts_[1]), "gap"));
  EXPECT_TRUE(HasProblem(report, Severity::kNote, SparseIndexFileName(firsts_[1]), "invalid"));
  EXPECT_TRUE(HasProblem(report, Severity::kNote, SparseIndexFileName(firsts_[3]), "missing"));
  EXPECT_TRUE(HasProblem(report, Severity::kNote, "x.sidx.tmp", "temporary"));
}

TEST_F(LogInspectorTest, SparseIndexPointingBetweenRecordsIsCorruption) {
  // Well-formed (good checksum) but wrong: its second point is 1 byte off a record start.
  const uint64_t first = firsts_[1];
  const uint64_t last = firsts_[2] - 1;
  const uint64_t size = testing::FileSize(fs_, Path(SegmentFileName(first)));
  SparseIndex wrong(1);
  wrong.OnRecord(first, kSegmentHeaderBytes);
  wrong.OnRecord(first + 1, kSegmentHeaderBytes + 31);
  testing::PatchFile(fs_, Path(SparseIndexFileName(first)), 0, wrong.Encode(first, last, size));
  testing::TruncateFile(fs_, Path(SparseIndexFileName(first)),
                        kSparseIndexHeaderBytes + 2 * kSparseIndexPointBytes);
  InspectOptions options;
  options.check_all = true;
  const InspectReport report = Inspect(options);
  EXPECT_TRUE(
      HasProblem(report, Severity::kCorruption, SparseIndexFileName(first), "does not match"));
}

TEST_F(LogInspectorTest, MissingDirectoryIsAnError) {
  EXPECT_FALSE(InspectLog(fs_, dir_ + "/nope", InspectOptions(), nullptr).ok());
}

}  // namespace
}  // namespace mq::storage
