#include "storage/log/segment_scanner.h"

#include <string>

#include "gtest/gtest.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/temp_dir.h"
#include "storage/log/segment_file.h"

namespace mq::storage {
namespace {

using Outcome = SegmentScanner::Outcome;

std::string RecordImage(uint64_t index, std::string_view payload) {
  std::string record(kRecordHeaderBytes, '\0');
  EncodeRecordHeader(index, index * 10, 1, 2, payload, record.data());
  record.append(payload);
  return record;
}

class SegmentScannerTest : public ::testing::Test {
 protected:
  // A segment starting at index 5 with records 5.. of the given payload sizes.
  std::string Segment(std::initializer_list<size_t> payload_sizes) {
    std::string image = EncodeSegmentHeader(5);
    uint64_t index = 5;
    for (size_t size : payload_sizes) {
      offsets_.push_back(image.size());
      image += RecordImage(index, std::string(size, static_cast<char>('a' + index % 26)));
      ++index;
    }
    return image;
  }

  std::unique_ptr<File> Write(const std::string& image) {
    auto file = fs_.Open(JoinPath(dir_.path(), "s.seg"), OpenMode::kCreateOrOpen);
    EXPECT_TRUE(file.ok());
    EXPECT_TRUE((*file)->Truncate(0).ok());
    EXPECT_TRUE((*file)->WriteAt(0, image).ok());
    return *std::move(file);
  }

  // Scans `image` to the first non-record item.
  SegmentScanner::Item ScanToEnd(const std::string& image, int* records, size_t chunk_bytes = 64,
                                 uint64_t payload_max = 1 << 20) {
    auto file = Write(image);
    SegmentScanner scanner(*file, image.size(), kSegmentHeaderBytes, 5, payload_max, chunk_bytes);
    *records = 0;
    for (;;) {
      auto item = scanner.Next();
      EXPECT_TRUE(item.ok()) << item.status();
      if (item->outcome != Outcome::kRecord) return *item;
      EXPECT_EQ(item->header.index, 5u + *records);
      EXPECT_EQ(item->offset, offsets_[*records]);
      ++*records;
    }
  }

  PosixFilesystem& fs_ = PosixFilesystem::Get();
  TempDir dir_;
  std::vector<uint64_t> offsets_;
};

TEST_F(SegmentScannerTest, ReadsEveryRecordAcrossSmallChunks) {
  const std::string image = Segment({0, 10, 300, 1000, 5});
  auto file = Write(image);
  SegmentScanner scanner(*file, image.size(), kSegmentHeaderBytes, 5, 1 << 20, /*chunk_bytes=*/64);
  for (uint64_t index = 5; index < 10; ++index) {
    auto item = scanner.Next();
    ASSERT_TRUE(item.ok());
    ASSERT_EQ(item->outcome, Outcome::kRecord);
    EXPECT_EQ(item->header.index, index);
    EXPECT_EQ(item->header.tag, index * 10);
    EXPECT_EQ(item->payload,
              std::string(item->header.payload_length, static_cast<char>('a' + index % 26)));
  }
  auto end = scanner.Next();
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->outcome, Outcome::kEnd);
  EXPECT_EQ(end->offset, image.size());
  EXPECT_EQ(scanner.expected_index(), 10u);
  EXPECT_EQ(scanner.offset(), image.size());
}

TEST_F(SegmentScannerTest, IncompleteHeaderLooksTorn) {
  std::string image = Segment({10, 10});
  image += RecordImage(7, "abc").substr(0, 20);
  int records;
  const auto item = ScanToEnd(image, &records);
  EXPECT_EQ(records, 2);
  EXPECT_EQ(item.outcome, Outcome::kBad);
  EXPECT_TRUE(item.looks_torn);
  EXPECT_FALSE(item.header_complete);
  EXPECT_NE(item.reason.find("incomplete record header"), std::string::npos);
}

TEST_F(SegmentScannerTest, RecordRunningPastEndOfFileLooksTorn) {
  std::string image = Segment({10, 10, 500});
  image.resize(image.size() - 1);
  int records;
  const auto item = ScanToEnd(image, &records);
  EXPECT_EQ(records, 2);
  EXPECT_EQ(item.outcome, Outcome::kBad);
  EXPECT_TRUE(item.looks_torn);
  EXPECT_EQ(item.offset, offsets_[2]);
  EXPECT_NE(item.reason.find("past the end"), std::string::npos);
}

TEST_F(SegmentScannerTest, ChecksumMismatchWithAZeroedSectorLooksTorn) {
  std::string image = Segment({10, 2000, 10});
  // Zero one whole sector inside record 6's payload.
  const uint64_t sector = (offsets_[1] / kSectorBytes + 1) * kSectorBytes;
  for (uint64_t i = sector; i < sector + kSectorBytes; ++i) image[i] = 0;
  int records;
  const auto item = ScanToEnd(image, &records);
  EXPECT_EQ(records, 1);
  EXPECT_EQ(item.outcome, Outcome::kBad);
  EXPECT_TRUE(item.looks_torn);
  EXPECT_EQ(item.reason, "checksum mismatch");
}

TEST_F(SegmentScannerTest, ChecksumMismatchWithoutZerosIsNotTorn) {
  std::string image = Segment({10, 2000, 10});
  image[offsets_[1] + 1000] ^= 0x04;
  int records;
  const auto item = ScanToEnd(image, &records);
  EXPECT_EQ(records, 1);
  EXPECT_EQ(item.outcome, Outcome::kBad);
  EXPECT_FALSE(item.looks_torn);
  EXPECT_FALSE(item.crc_ok);
  EXPECT_EQ(item.offset, offsets_[1]);
}

TEST_F(SegmentScannerTest, IndexDiscontinuityIsNotTorn) {
  std::string image = EncodeSegmentHeader(5) + RecordImage(5, "a");
  offsets_ = {kSegmentHeaderBytes};
  image += RecordImage(7, "b");  // 6 is missing
  int records;
  const auto item = ScanToEnd(image, &records);
  EXPECT_EQ(records, 1);
  EXPECT_EQ(item.outcome, Outcome::kBad);
  EXPECT_FALSE(item.looks_torn);
  EXPECT_TRUE(item.crc_ok);
  EXPECT_NE(item.reason.find("found index 7 where 6 was expected"), std::string::npos);
}

TEST_F(SegmentScannerTest, PayloadAboveTheLimitIsRefusedBeforeReading) {
  const std::string image = Segment({10, 300});
  int records;
  const auto item = ScanToEnd(image, &records, 64, /*payload_max=*/100);
  EXPECT_EQ(records, 1);
  EXPECT_EQ(item.outcome, Outcome::kBad);
  EXPECT_FALSE(item.looks_torn);
  EXPECT_NE(item.reason.find("exceeds the limit of 100"), std::string::npos);
}

TEST_F(SegmentScannerTest, TrailingZerosLookTorn) {
  std::string image = Segment({10});
  image += std::string(100, '\0');
  int records;
  const auto item = ScanToEnd(image, &records);
  EXPECT_EQ(records, 1);
  EXPECT_EQ(item.outcome, Outcome::kBad);
  EXPECT_TRUE(item.looks_torn);
}

TEST_F(SegmentScannerTest, FileShrinkingUnderTheScannerIsAnError) {
  const std::string image = Segment({10, 10});
  auto file = Write(image);
  SegmentScanner scanner(*file, image.size() + 100, kSegmentHeaderBytes, 5, 1 << 20, 1 << 20);
  auto item = scanner.Next();
  EXPECT_EQ(item.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace mq::storage
