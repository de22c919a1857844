#include "storage/file/fixed_unit_file.h"

#include <optional>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "storage/base/coding.h"
#include "storage/base/logging.h"
#include "storage/base/prng.h"
#include "storage/file/cutoff_filesystem.h"
#include "storage/file/test_seeds.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/sim_filesystem.h"
#include "storage/fs/temp_dir.h"

namespace mq::storage {
namespace {

bool Contains(const absl::Status& status, std::string_view text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

// Unit `n` of `bytes` bytes, different for every n.
std::string UnitOf(uint64_t n, uint32_t bytes) {
  std::string unit(bytes, '\0');
  for (uint32_t i = 0; i < bytes; ++i) unit[i] = static_cast<char>((n * 31 + i * 7 + 1) & 0xff);
  return unit;
}

std::string UnitsOf(uint64_t first, uint64_t end, uint32_t bytes) {
  std::string units;
  for (uint64_t n = first; n < end; ++n) units += UnitOf(n, bytes);
  return units;
}

// Unit files of `dir`, as first unit numbers.
std::vector<uint64_t> UnitFiles(Filesystem& fs, const std::string& dir) {
  std::vector<uint64_t> firsts;
  const auto names = fs.ListDir(dir);
  EXPECT_TRUE(names.ok()) << names.status();
  if (!names.ok()) return firsts;
  for (const std::string& name : *names) {
    if (name.size() == 26 && name.substr(20) == ".units") firsts.push_back(std::stoull(name));
  }
  return firsts;
}

class FixedUnitFilePosixTest : public ::testing::Test {
 protected:
  FixedUnitFilePosixTest() {
    options_.unit_bytes = 8;
    options_.units_per_file = 4;
    options_.buffer_bytes_max = 16;  // two units
  }

  std::unique_ptr<FixedUnitFile> OpenUnits() {
    auto units = FixedUnitFile::Open(fs_, dir_path_, options_);
    EXPECT_TRUE(units.ok()) << units.status();
    return units.ok() ? *std::move(units) : nullptr;
  }

  absl::Status OpenStatus() { return FixedUnitFile::Open(fs_, dir_path_, options_).status(); }

  void AppendUnits(FixedUnitFile& units, uint64_t first, uint64_t end) {
    for (uint64_t n = first; n < end; ++n) {
      const auto appended = units.Append(UnitOf(n, options_.unit_bytes));
      ASSERT_TRUE(appended.ok()) << appended.status();
      ASSERT_EQ(*appended, n);
    }
  }

  void ExpectUnits(FixedUnitFile& units, uint64_t first, uint64_t end) {
    EXPECT_EQ(units.first_unit(), first);
    EXPECT_EQ(units.end_unit(), end);
    const auto read = units.Read(first, end - first);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_TRUE(*read == UnitsOf(first, end, options_.unit_bytes));
  }

  std::string FilePath(uint64_t first) {
    return JoinPath(dir_path_, FixedUnitFile::UnitFileName(first));
  }
  uint64_t FileSize(uint64_t first) {
    return *(*fs_.Open(FilePath(first), OpenMode::kReadOnly))->Size();
  }
  void Overwrite(const std::string& path, uint64_t offset, std::string_view bytes) {
    auto file = fs_.Open(path, OpenMode::kCreateOrOpen);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE((*file)->WriteAt(offset, bytes).ok());
  }
  void TruncateFile(const std::string& path, uint64_t size) {
    auto file = fs_.Open(path, OpenMode::kReadWrite);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE((*file)->Truncate(size).ok());
  }

  PosixFilesystem& fs_ = PosixFilesystem::Get();
  TempDir dir_;
  std::string dir_path_ = JoinPath(dir_.path(), "cq/0");
  FixedUnitFileOptions options_;
};

TEST_F(FixedUnitFilePosixTest, NewDirectoryIsEmpty) {
  auto units = OpenUnits();
  EXPECT_EQ(units->first_unit(), 0u);
  EXPECT_EQ(units->end_unit(), 0u);
  EXPECT_EQ(units->file_count(), 0u);
  EXPECT_EQ(*units->Read(0, 0), "");
  EXPECT_TRUE(*fs_.Exists(JoinPath(dir_path_, FixedUnitFile::kStateFileName)));
}

TEST_F(FixedUnitFilePosixTest, AppendsReadAcrossFilesAndTheBuffer) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 11);
  EXPECT_EQ(units->file_count(), 3u);
  EXPECT_EQ(UnitFiles(fs_, dir_path_), (std::vector<uint64_t>{0, 4, 8}));
  ExpectUnits(*units, 0, 11);
  for (uint64_t first = 0; first <= 11; ++first) {
    for (uint64_t count = 0; first + count <= 11; ++count) {
      ASSERT_EQ(*units->Read(first, count), UnitsOf(first, first + count, 8))
          << first << "+" << count;
    }
  }
  char out[16];
  ASSERT_TRUE(units->ReadInto(9, 2, out).ok());
  EXPECT_EQ(std::string(out, 16), UnitsOf(9, 11, 8));
  ASSERT_TRUE(units->Sync().ok());
  EXPECT_EQ(units->synced_end_unit(), 11u);
  units.reset();
  auto reopened = OpenUnits();
  ExpectUnits(*reopened, 0, 11);
  AppendUnits(*reopened, 11, 13);  // continues in the partly filled file
  EXPECT_EQ(reopened->file_count(), 4u);
  ExpectUnits(*reopened, 0, 13);
}

TEST_F(FixedUnitFilePosixTest, FileLayoutMatchesTheFormat) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 6);
  ASSERT_TRUE(units->Sync().ok());
  EXPECT_EQ(FileSize(0), FixedUnitFile::kHeaderBytes + 4 * 8);
  EXPECT_EQ(FileSize(4), FixedUnitFile::kHeaderBytes + 2 * 8);
  auto file = *fs_.Open(FilePath(4), OpenMode::kReadOnly);
  std::string bytes(FixedUnitFile::kHeaderBytes + 16, '\0');
  ASSERT_TRUE(file->ReadAt(0, bytes.data(), bytes.size()).ok());
  EXPECT_EQ(DecodeFixed32(&bytes[0]), FixedUnitFile::kMagic);
  EXPECT_EQ(DecodeFixed32(&bytes[4]), FixedUnitFile::kVersion);
  EXPECT_EQ(DecodeFixed32(&bytes[8]), 8u);
  EXPECT_EQ(DecodeFixed32(&bytes[12]), 4u);
  EXPECT_EQ(DecodeFixed64(&bytes[16]), 4u);
  EXPECT_EQ(bytes.substr(FixedUnitFile::kHeaderBytes), UnitsOf(4, 6, 8));
  EXPECT_EQ(FixedUnitFile::UnitFileName(4), "00000000000000000004.units");
}

TEST_F(FixedUnitFilePosixTest, AppendsAreWrittenWhenTheBufferFills) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 1);
  EXPECT_EQ(FileSize(0), FixedUnitFile::kHeaderBytes);  // buffered
  AppendUnits(*units, 1, 2);
  EXPECT_EQ(FileSize(0), FixedUnitFile::kHeaderBytes + 16);  // the buffer (2 units) filled
  AppendUnits(*units, 2, 3);
  ASSERT_TRUE(units->Sync().ok());
  EXPECT_EQ(FileSize(0), FixedUnitFile::kHeaderBytes + 24);
}

TEST_F(FixedUnitFilePosixTest, UnsyncedAppendsAreDroppedOnReopen) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 5);
  ASSERT_TRUE(units->Sync().ok());
  AppendUnits(*units, 5, 10);  // partly written to the files, never synced
  EXPECT_EQ(units->synced_end_unit(), 5u);
  units.reset();
  std::vector<std::string> logged;
  const LogSink previous =
      SetLogSink([&](LogLevel, std::string_view line) { logged.emplace_back(line); });
  auto reopened = OpenUnits();
  SetLogSink(previous);
  ASSERT_EQ(logged.size(), 2u);  // the truncated file and the removed one, by name
  EXPECT_NE(logged[0].find(FilePath(4)), std::string::npos) << logged[0];
  EXPECT_NE(logged[1].find(FixedUnitFile::UnitFileName(8)), std::string::npos) << logged[1];
  ExpectUnits(*reopened, 0, 5);
  EXPECT_EQ(UnitFiles(fs_, dir_path_), (std::vector<uint64_t>{0, 4}));
  EXPECT_EQ(FileSize(4), FixedUnitFile::kHeaderBytes + 8);
  AppendUnits(*reopened, 5, 7);
  ExpectUnits(*reopened, 0, 7);
}

TEST_F(FixedUnitFilePosixTest, TrailingPartialUnitIsTruncated) {
  {
    auto units = OpenUnits();
    AppendUnits(*units, 0, 6);
    ASSERT_TRUE(units->Sync().ok());
  }
  Overwrite(FilePath(4), FixedUnitFile::kHeaderBytes + 16, "torn");  // half a unit
  auto units = OpenUnits();
  ExpectUnits(*units, 0, 6);
  EXPECT_EQ(FileSize(4), FixedUnitFile::kHeaderBytes + 16);
}

TEST_F(FixedUnitFilePosixTest, LeftoverFileBeyondTheEndIsRemoved) {
  {
    auto units = OpenUnits();
    AppendUnits(*units, 0, 4);
    ASSERT_TRUE(units->Sync().ok());
  }
  Overwrite(FilePath(4), 0, "anything, even a bad header");
  ASSERT_TRUE(fs_.Open(JoinPath(dir_path_, "notes.txt"), OpenMode::kCreateOrOpen).ok());
  auto units = OpenUnits();
  ExpectUnits(*units, 0, 4);
  EXPECT_FALSE(*fs_.Exists(FilePath(4)));
  EXPECT_TRUE(*fs_.Exists(JoinPath(dir_path_, "notes.txt")));  // not ours: left alone
  AppendUnits(*units, 4, 5);
  ExpectUnits(*units, 0, 5);
}

TEST_F(FixedUnitFilePosixTest, AppendOfTheWrongSizeIsRejected) {
  auto units = OpenUnits();
  const auto appended = units->Append("short");
  EXPECT_EQ(appended.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(appended.status(), "5 bytes")) << appended.status();
  EXPECT_EQ(units->end_unit(), 0u);
}

TEST_F(FixedUnitFilePosixTest, ReadsOutsideTheRangeAreOutOfRange) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 10);
  ASSERT_TRUE(units->DropBefore(4).ok());
  EXPECT_EQ(units->Read(3, 1).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(units->Read(9, 2).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(units->Read(11, 0).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(units->Read(5, ~uint64_t{0}).status().code(), absl::StatusCode::kOutOfRange);
  char out[8];
  EXPECT_EQ(units->ReadInto(10, 1, out).code(), absl::StatusCode::kOutOfRange);
  EXPECT_TRUE(units->Read(10, 0).ok());
}

TEST_F(FixedUnitFilePosixTest, TruncateToInsideTheBuffer) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 5);  // unit 4 is buffered
  ASSERT_TRUE(units->TruncateTo(4).ok());
  ExpectUnits(*units, 0, 4);
  AppendUnits(*units, 4, 6);
  ExpectUnits(*units, 0, 6);
}

TEST_F(FixedUnitFilePosixTest, TruncateToInsideAFileAndAcrossFiles) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 11);
  ASSERT_TRUE(units->Sync().ok());
  ASSERT_TRUE(units->TruncateTo(6).ok());
  ExpectUnits(*units, 0, 6);
  EXPECT_EQ(UnitFiles(fs_, dir_path_), (std::vector<uint64_t>{0, 4}));
  EXPECT_EQ(FileSize(4), FixedUnitFile::kHeaderBytes + 16);
  EXPECT_EQ(units->synced_end_unit(), 6u);
  // Durable at once: reopening without a Sync does not bring units back.
  units.reset();
  auto reopened = OpenUnits();
  ExpectUnits(*reopened, 0, 6);
  // New units take the old numbers.
  for (uint64_t n = 6; n < 9; ++n) ASSERT_EQ(*reopened->Append(UnitOf(n + 100, 8)), n);
  EXPECT_EQ(*reopened->Read(6, 3), UnitsOf(106, 109, 8));
  ASSERT_TRUE(reopened->Sync().ok());
  reopened.reset();
  EXPECT_EQ(*OpenUnits()->Read(6, 3), UnitsOf(106, 109, 8));
}

TEST_F(FixedUnitFilePosixTest, TruncateToAFileBoundaryRemovesTheFile) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 6);
  ASSERT_TRUE(units->TruncateTo(4).ok());
  EXPECT_EQ(UnitFiles(fs_, dir_path_), (std::vector<uint64_t>{0}));
  AppendUnits(*units, 4, 5);
  EXPECT_EQ(UnitFiles(fs_, dir_path_), (std::vector<uint64_t>{0, 4}));
  ExpectUnits(*units, 0, 5);
}

TEST_F(FixedUnitFilePosixTest, TruncateToTheFirstUnitEmptiesEverything) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 6);
  ASSERT_TRUE(units->Sync().ok());
  ASSERT_TRUE(units->TruncateTo(0).ok());
  EXPECT_EQ(units->end_unit(), 0u);
  EXPECT_EQ(units->file_count(), 0u);
  units.reset();
  auto reopened = OpenUnits();
  EXPECT_EQ(reopened->end_unit(), 0u);
  AppendUnits(*reopened, 0, 2);
  ExpectUnits(*reopened, 0, 2);
}

TEST_F(FixedUnitFilePosixTest, TruncateToBoundaries) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 10);
  EXPECT_TRUE(units->TruncateTo(10).ok());  // nothing to remove
  EXPECT_TRUE(units->TruncateTo(99).ok());
  ExpectUnits(*units, 0, 10);
  ASSERT_TRUE(units->DropBefore(8).ok());
  EXPECT_EQ(units->first_unit(), 8u);
  const absl::Status below = units->TruncateTo(7);
  EXPECT_EQ(below.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(below, "first unit 8")) << below;
  ExpectUnits(*units, 8, 10);
}

TEST_F(FixedUnitFilePosixTest, DropBeforeRemovesWholeFilesOnly) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 10);
  ASSERT_TRUE(units->DropBefore(3).ok());  // no whole file below 3
  ExpectUnits(*units, 0, 10);
  ASSERT_TRUE(units->DropBefore(7).ok());  // file 0 goes, file 4 holds unit 7
  ExpectUnits(*units, 4, 10);
  EXPECT_EQ(UnitFiles(fs_, dir_path_), (std::vector<uint64_t>{4, 8}));
  ASSERT_TRUE(units->DropBefore(100).ok());  // file 8 is still being appended to
  ExpectUnits(*units, 8, 10);
  ASSERT_TRUE(units->Sync().ok());
  units.reset();
  auto reopened = OpenUnits();
  ExpectUnits(*reopened, 8, 10);
}

TEST_F(FixedUnitFilePosixTest, DropBeforeIsDurableWithoutSync) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 10);
  ASSERT_TRUE(units->Sync().ok());
  ASSERT_TRUE(units->DropBefore(8).ok());
  units.reset();
  auto reopened = OpenUnits();
  ExpectUnits(*reopened, 8, 10);
}

TEST_F(FixedUnitFilePosixTest, DropBeforeOfEverythingKeepsTheNumbering) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 8);  // two full files
  ASSERT_TRUE(units->DropBefore(8).ok());
  EXPECT_EQ(units->first_unit(), 8u);
  EXPECT_EQ(units->end_unit(), 8u);
  EXPECT_EQ(units->file_count(), 0u);
  AppendUnits(*units, 8, 9);
  EXPECT_EQ(UnitFiles(fs_, dir_path_), (std::vector<uint64_t>{8}));
  ASSERT_TRUE(units->Sync().ok());
  units.reset();
  ExpectUnits(*OpenUnits(), 8, 9);
}

TEST_F(FixedUnitFilePosixTest, ResetEmptiesAndRenumbers) {
  auto units = OpenUnits();
  AppendUnits(*units, 0, 6);
  ASSERT_TRUE(units->Sync().ok());
  ASSERT_TRUE(units->Reset(1000).ok());
  EXPECT_EQ(units->first_unit(), 1000u);
  EXPECT_EQ(units->end_unit(), 1000u);
  EXPECT_TRUE(UnitFiles(fs_, dir_path_).empty());
  units.reset();
  units = OpenUnits();  // durable without a Sync
  EXPECT_EQ(units->first_unit(), 1000u);
  AppendUnits(*units, 1000, 1006);
  EXPECT_EQ(UnitFiles(fs_, dir_path_), (std::vector<uint64_t>{1000, 1004}));
  ASSERT_TRUE(units->Reset(2).ok());  // backwards is allowed too
  AppendUnits(*units, 2, 3);
  ASSERT_TRUE(units->Sync().ok());
  units.reset();
  ExpectUnits(*OpenUnits(), 2, 3);
}

TEST_F(FixedUnitFilePosixTest, OptionsAreValidated) {
  const FixedUnitFileOptions good = options_;
  for (const auto& [field, value] :
       std::vector<std::pair<int, uint64_t>>{{0, 0},
                                             {0, FixedUnitFile::kUnitBytesMax + 1},
                                             {1, 0},
                                             {1, uint64_t{1} << 31},
                                             {2, 7},
                                             {2, FixedUnitFile::kBufferBytesMax + 1}}) {
    options_ = good;
    if (field == 0) options_.unit_bytes = static_cast<uint32_t>(value);
    if (field == 1) options_.units_per_file = static_cast<uint32_t>(value);
    if (field == 2) options_.buffer_bytes_max = value;
    const absl::Status status = OpenStatus();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field << "=" << value;
    EXPECT_TRUE(Contains(status, dir_path_)) << status;
  }
  EXPECT_FALSE(*fs_.Exists(dir_path_));  // nothing created for bad options
}

TEST_F(FixedUnitFilePosixTest, ReopenWithAnotherUnitSizeIsAnError) {
  { auto units = OpenUnits(); }  // even while empty
  options_.unit_bytes = 16;
  const absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(status, "unit_bytes 8")) << status;
}

TEST_F(FixedUnitFilePosixTest, ReopenWithAnotherFileSizeKeepsOldFiles) {
  {
    auto units = OpenUnits();
    AppendUnits(*units, 0, 6);
    ASSERT_TRUE(units->Sync().ok());
  }
  options_.units_per_file = 10;
  auto units = OpenUnits();
  AppendUnits(*units, 6, 20);  // file 4 fills to 8 units, then 10-unit files
  EXPECT_EQ(UnitFiles(fs_, dir_path_), (std::vector<uint64_t>{0, 4, 8, 18}));
  ASSERT_TRUE(units->Sync().ok());
  units.reset();
  ExpectUnits(*OpenUnits(), 0, 20);
}

class DamagedHeaderTest : public FixedUnitFilePosixTest,
                          public ::testing::WithParamInterface<uint64_t> {};

// A flipped byte anywhere in a header (magic, version, unit size, units per file, first unit,
// crc) is DataLoss naming the file.
TEST_P(DamagedHeaderTest, IsDataLossNamingTheFile) {
  {
    auto units = OpenUnits();
    AppendUnits(*units, 0, 6);
    ASSERT_TRUE(units->Sync().ok());
  }
  auto file = *fs_.Open(FilePath(4), OpenMode::kReadWrite);
  char byte;
  ASSERT_TRUE(file->ReadAt(GetParam(), &byte, 1).ok());
  byte ^= 0x01;
  ASSERT_TRUE(file->WriteAt(GetParam(), std::string_view(&byte, 1)).ok());
  const absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_TRUE(Contains(status, FilePath(4))) << status;
}

INSTANTIATE_TEST_SUITE_P(EveryField, DamagedHeaderTest,
                         ::testing::Values(0, 3, 4, 8, 12, 16, 23, 24, 27));

TEST_F(FixedUnitFilePosixTest, HeaderOfAnotherFileIsDataLoss) {
  {
    auto units = OpenUnits();
    AppendUnits(*units, 0, 8);
    ASSERT_TRUE(units->Sync().ok());
  }
  // File 4 holds a valid header, but for unit 0.
  std::string header(FixedUnitFile::kHeaderBytes, '\0');
  ASSERT_TRUE(
      (*fs_.Open(FilePath(0), OpenMode::kReadOnly))->ReadAt(0, header.data(), header.size()).ok());
  Overwrite(FilePath(4), 0, header);
  const absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, "first unit 0")) << status;
}

TEST_F(FixedUnitFilePosixTest, FileShorterThanItsHeaderIsDataLoss) {
  {
    auto units = OpenUnits();
    AppendUnits(*units, 0, 6);
    ASSERT_TRUE(units->Sync().ok());
  }
  TruncateFile(FilePath(4), 10);
  const absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, FilePath(4))) << status;
}

TEST_F(FixedUnitFilePosixTest, MissingSyncedUnitsAreDataLoss) {
  {
    auto units = OpenUnits();
    AppendUnits(*units, 0, 10);
    ASSERT_TRUE(units->Sync().ok());
  }
  TruncateFile(FilePath(8), FixedUnitFile::kHeaderBytes + 8);  // unit 9 gone
  absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, FilePath(8))) << status;
  EXPECT_EQ(FileSize(8), FixedUnitFile::kHeaderBytes + 8);  // nothing touched

  ASSERT_TRUE(fs_.Remove(FilePath(8)).ok());  // units 8, 9 gone
  status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, "[8, 10)")) << status;

  ASSERT_TRUE(fs_.Remove(FilePath(4)).ok());  // only file 0 is left
  status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
}

TEST_F(FixedUnitFilePosixTest, MissingMiddleFileIsDataLoss) {
  {
    auto units = OpenUnits();
    AppendUnits(*units, 0, 10);
    ASSERT_TRUE(units->Sync().ok());
  }
  ASSERT_TRUE(fs_.Remove(FilePath(4)).ok());
  const absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, FilePath(8))) << status;
}

TEST_F(FixedUnitFilePosixTest, MissingFirstFileIsDataLoss) {
  {
    auto units = OpenUnits();
    AppendUnits(*units, 0, 10);
    ASSERT_TRUE(units->Sync().ok());
  }
  ASSERT_TRUE(fs_.Remove(FilePath(0)).ok());
  const absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, "[0, 4)")) << status;
}

TEST_F(FixedUnitFilePosixTest, BadUnitFileNameIsDataLoss) {
  { auto units = OpenUnits(); }
  ASSERT_TRUE(fs_.Open(JoinPath(dir_path_, "12.units"), OpenMode::kCreateOrOpen).ok());
  const absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, "12.units")) << status;
}

TEST_F(FixedUnitFilePosixTest, DamagedStateRecordIsDataLoss) {
  {
    auto units = OpenUnits();
    AppendUnits(*units, 0, 3);
    ASSERT_TRUE(units->Sync().ok());
  }
  // Both slots of the state record.
  const std::string state = JoinPath(dir_path_, FixedUnitFile::kStateFileName);
  Overwrite(state, 30, "xx");
  Overwrite(state, MetaFile::kSlotBytes + 30, "xx");
  const absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, state)) << status;
}

TEST_F(FixedUnitFilePosixTest, StateRecordOfTheWrongShapeIsDataLoss) {
  { auto units = OpenUnits(); }
  const std::string state = JoinPath(dir_path_, FixedUnitFile::kStateFileName);
  {
    auto meta = *MetaFile::Open(fs_, state);
    ASSERT_TRUE(meta->Write("short").ok());
  }
  EXPECT_EQ(OpenStatus().code(), absl::StatusCode::kDataLoss);
  {
    // An inverted range [5, 2).
    std::string record;
    PutFixed32(&record, 8);
    PutFixed32(&record, 0);
    PutFixed64(&record, 5);
    PutFixed64(&record, 2);
    auto meta = *MetaFile::Open(fs_, state);
    ASSERT_TRUE(meta->Write(record).ok());
  }
  const absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, "inverted")) << status;
}

TEST_F(FixedUnitFilePosixTest, UnitFilesWithoutAStateRecordAreDataLoss) {
  {
    auto units = OpenUnits();
    AppendUnits(*units, 0, 3);
    ASSERT_TRUE(units->Sync().ok());
  }
  ASSERT_TRUE(fs_.Remove(JoinPath(dir_path_, FixedUnitFile::kStateFileName)).ok());
  const absl::Status status = OpenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, "no state")) << status;
}

// After an I/O error the object refuses further work until reopened; what was synced before
// the error survives.
TEST(FixedUnitFileSimTest, FailedSyncMakesTheObjectUnusable) {
  SimFilesystem fs;
  FixedUnitFileOptions options;
  options.unit_bytes = 4;
  options.units_per_file = 8;
  auto units = *FixedUnitFile::Open(fs, "/q", options);
  ASSERT_TRUE(units->Append("aaaa").ok());
  ASSERT_TRUE(units->Sync().ok());
  ASSERT_TRUE(units->Append("bbbb").ok());
  fs.FailNextSyncs("/q/00000000000000000000.units", 1);
  const absl::Status failed = units->Sync();
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(units->synced_end_unit(), 1u);
  const auto append = units->Append("cccc");
  EXPECT_EQ(append.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(append.status(), "reopen")) << append.status();
  EXPECT_EQ(units->Sync().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(units->Read(0, 1).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(units->TruncateTo(0).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(units->DropBefore(0).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(units->Reset(0).code(), absl::StatusCode::kFailedPrecondition);
  units.reset();
  auto reopened = *FixedUnitFile::Open(fs, "/q", options);
  EXPECT_EQ(reopened->end_unit(), 1u);
  EXPECT_EQ(*reopened->Read(0, 1), "aaaa");
}

TEST(FixedUnitFileSimTest, FailedWriteMakesTheObjectUnusable) {
  SimFilesystem fs;
  FixedUnitFileOptions options;
  options.unit_bytes = 4;
  options.buffer_bytes_max = 4;
  auto units = *FixedUnitFile::Open(fs, "/q", options);
  ASSERT_TRUE(units->Append("aaaa").ok());
  fs.FailNextWrites("/q/", 1);
  EXPECT_EQ(units->Append("bbbb").status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(units->Append("cccc").status().code(), absl::StatusCode::kFailedPrecondition);
}

// ---------------------------------------------------------------------------------------------
// Crash property test on SimFilesystem.

// What the units hold: [first, end) and their bytes.
struct UnitRange {
  uint64_t first = 0;
  uint64_t end = 0;
  std::vector<std::string> units;  // units[u - first]

  // The sub-range [from, to) (clamped into this one); empty at `from` when nothing is left.
  UnitRange Slice(uint64_t from, uint64_t to) const {
    UnitRange slice;
    slice.first = std::max(from, first);
    slice.end = std::max(slice.first, std::min(to, end));
    if (slice.first >= slice.end) {
      slice.first = slice.end = std::max(from, first);
      return slice;
    }
    slice.units.assign(units.begin() + (slice.first - first), units.begin() + (slice.end - first));
    return slice;
  }
  bool operator==(const UnitRange&) const = default;
};

std::string Describe(const UnitRange& range) {
  return absl::StrFormat("[%d, %d)", range.first, range.end);
}

// The range `units` currently holds, read through its public API.
UnitRange Observe(FixedUnitFile& units) {
  UnitRange range;
  range.first = units.first_unit();
  range.end = units.end_unit();
  const std::string bytes = *units.Read(range.first, range.end - range.first);
  for (uint64_t i = 0; i < range.end - range.first; ++i) {
    range.units.push_back(bytes.substr(i * units.unit_bytes(), units.unit_bytes()));
  }
  return range;
}

// One seeded run: random appends, syncs, truncations, drops and resets, any of them cut off
// after any step, with crashes (or mere process deaths) in between. After every reopen the
// units are exactly the durable range before the interrupted operation or the one it was
// making durable: a prefix of what was appended, no garbage unit, every synced unit.
void RunCrashSeed(uint64_t seed) {
  Prng prng(seed);
  SimFilesystem sim;
  CutoffFilesystem fs(sim);
  const std::string dir = "/store/cq";
  FixedUnitFileOptions options;
  static constexpr uint32_t kUnitSizes[] = {1, 7, 32, 100, 600};
  options.unit_bytes = kUnitSizes[prng.Uniform(5)];
  options.units_per_file = static_cast<uint32_t>(prng.Range(1, 12));
  options.buffer_bytes_max = options.unit_bytes * prng.Range(1, 6);
  SCOPED_TRACE(absl::StrFormat("unit_bytes %d, units_per_file %d, buffer_bytes_max %d",
                               options.unit_bytes, options.units_per_file,
                               options.buffer_bytes_max));
  ASSERT_TRUE(sim.CreateDirs("/store").ok());
  ASSERT_TRUE(sim.SyncDir("/").ok());

  UnitRange durable;                 // what a crash must bring back
  UnitRange live;                    // what the object shows
  std::optional<UnitRange> landing;  // what an interrupted operation was making durable
  std::unique_ptr<FixedUnitFile> units;

  for (int step = 0; step < 120; ++step) {
    SCOPED_TRACE(testing::Message() << "step " << step);
    if (units == nullptr) {
      // (Re)open, possibly cut off during recovery itself.
      fs.SetBudget(prng.Chance(1, 6) ? static_cast<int64_t>(prng.Uniform(8)) : -1);
      auto opened = FixedUnitFile::Open(fs, dir, options);
      const bool cut_off = fs.cut_off();
      fs.SetBudget(-1);
      if (!opened.ok()) {
        ASSERT_TRUE(cut_off) << opened.status();
        if (prng.Chance(1, 2)) sim.Crash(prng);
        continue;  // `landing` stays: the interrupted operation is still undecided
      }
      units = *std::move(opened);
      const UnitRange seen = Observe(*units);
      const bool is_durable = seen == durable;
      const bool is_landing = landing.has_value() && seen == *landing;
      ASSERT_TRUE(is_durable || is_landing)
          << "recovered " << Describe(seen) << ", expected " << Describe(durable)
          << (landing.has_value() ? " or " + Describe(*landing) : std::string());
      durable = live = seen;
      landing.reset();
      continue;
    }

    const bool cut_armed = prng.Chance(1, 5);
    fs.SetBudget(cut_armed ? static_cast<int64_t>(prng.Uniform(6)) : -1);
    std::optional<UnitRange> made_durable;  // the durable range if the operation completes
    absl::Status status;
    switch (prng.Uniform(10)) {
      case 0:
      case 1:
      case 2:
      case 3: {  // append a few units
        const uint64_t count = prng.Range(1, 2 * options.units_per_file + 1);
        for (uint64_t i = 0; i < count && status.ok(); ++i) {
          std::string unit(options.unit_bytes, '\0');
          for (char& c : unit) c = static_cast<char>(prng.Uniform(256));
          const auto appended = units->Append(unit);
          status = appended.status();
          if (appended.ok()) {
            ASSERT_EQ(*appended, live.end);
            live.units.push_back(unit);
            ++live.end;
          }
        }
        made_durable = durable;
        break;
      }
      case 4:
      case 5:
        status = units->Sync();
        made_durable = live;
        break;
      case 6: {
        const uint64_t to = prng.Range(live.first, live.end + 2);
        status = units->TruncateTo(to);
        made_durable = to < durable.end ? durable.Slice(durable.first, to) : durable;
        if (status.ok()) live = live.Slice(live.first, to);
        break;
      }
      case 7:
      case 8: {
        // Which files go is decided by file boundaries: read them from the directory.
        const std::vector<uint64_t> files = UnitFiles(sim, dir);
        const uint64_t below = prng.Range(live.first, live.end + options.units_per_file);
        uint64_t new_first = live.first;
        for (size_t i = 0; i < files.size(); ++i) {
          const uint64_t file_end = i + 1 < files.size() ? files[i + 1] : live.end;
          const bool full = file_end - files[i] == options.units_per_file;
          if (!full || file_end > below) break;
          new_first = i + 1 < files.size() ? files[i + 1] : live.end;
        }
        status = units->DropBefore(below);
        made_durable = new_first == live.first
                           ? durable
                           : durable.Slice(new_first, std::max(new_first, durable.end));
        if (status.ok()) {
          ASSERT_EQ(units->first_unit(), new_first);
          live = live.Slice(new_first, live.end);
        }
        break;
      }
      default: {
        if (!prng.Chance(1, 3)) continue;
        const uint64_t first = prng.Uniform(live.end + 20);
        status = units->Reset(first);
        made_durable = UnitRange{first, first, {}};
        if (status.ok()) live = *made_durable;
        break;
      }
    }
    const bool cut_off = fs.cut_off();
    fs.SetBudget(-1);
    if (!status.ok()) {
      ASSERT_TRUE(cut_off) << status;
      landing = made_durable;
      units.reset();  // the process died
      if (prng.Chance(1, 2)) sim.Crash(prng);
      continue;
    }
    durable = *made_durable;
    ASSERT_EQ(Observe(*units), live);
    ASSERT_EQ(units->file_count(), UnitFiles(sim, dir).size());
    if (prng.Chance(1, 8)) {
      units.reset();
      sim.Crash(prng);  // power loss at a quiet moment
    }
  }
}

TEST(FixedUnitFileSimTest, CrashesLeaveExactlyTheDurableUnits) {
  // Recovery reports every truncated tail; thousands of them are noise here.
  const LogSink previous = SetLogSink([](LogLevel, std::string_view) {});
  const uint64_t base = CrashSeedBase();
  const uint64_t seeds = CrashSeedCount(300);
  for (uint64_t seed = base; seed < base + seeds; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    RunCrashSeed(seed);
    if (testing::Test::HasFatalFailure()) break;
  }
  SetLogSink(previous);
}

}  // namespace
}  // namespace mq::storage
