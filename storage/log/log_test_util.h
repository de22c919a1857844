#pragma once

// Helpers shared by the segmented log's tests (test-only; header-only).

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/base/log_capture.h"
#include "storage/base/logging.h"
#include "storage/fs/filesystem.h"
#include "storage/log/segmented_log.h"

namespace mq::storage::testing {

// A payload that identifies its record: index and generation, then filler of a length that
// varies with the index (0 to 200 bytes more), so records straddle sectors and chunks.
inline std::string TestPayload(uint64_t index, uint64_t generation = 0, size_t extra = 0) {
  std::string payload = "i" + std::to_string(index) + "g" + std::to_string(generation) + ":";
  const size_t filler = (index * 37) % 201 + extra;
  for (size_t i = 0; i < filler; ++i) payload.push_back(static_cast<char>('a' + (index + i) % 26));
  return payload;
}
inline uint64_t TestTag(uint64_t index) { return index * 3 + 1; }
inline uint16_t TestKind(uint64_t index) { return static_cast<uint16_t>(index % 7); }
inline uint16_t TestFlags(uint64_t index) { return static_cast<uint16_t>(index % 3); }

inline absl::Status AppendTestRecord(SegmentedLog& log, uint64_t index, uint64_t generation = 0,
                                     size_t extra = 0) {
  return log.Append(index, TestTag(index), TestKind(index), TestFlags(index),
                    TestPayload(index, generation, extra));
}

// Appends [first, last] with TestPayload; ADD_FAILURE on error.
inline void AppendTestRange(SegmentedLog& log, uint64_t first, uint64_t last,
                            uint64_t generation = 0) {
  for (uint64_t i = first; i <= last; ++i) {
    const absl::Status status = AppendTestRecord(log, i, generation);
    if (!status.ok()) {
      ADD_FAILURE() << "append " << i << ": " << status;
      return;
    }
  }
}

// Checks that `record` is the TestPayload record `index` of `generation`.
inline ::testing::AssertionResult IsTestRecord(const Record& record, uint64_t index,
                                               uint64_t generation = 0, size_t extra = 0) {
  if (record.index != index) {
    return ::testing::AssertionFailure() << "index " << record.index << ", expected " << index;
  }
  if (record.tag != TestTag(index) || record.kind != TestKind(index) ||
      record.flags != TestFlags(index)) {
    return ::testing::AssertionFailure() << "record " << index << ": wrong tag/kind/flags";
  }
  if (record.payload != TestPayload(index, generation, extra)) {
    return ::testing::AssertionFailure() << "record " << index << ": wrong payload";
  }
  return ::testing::AssertionSuccess();
}

// Every record of the log, read in one call.
inline absl::StatusOr<std::vector<Record>> ReadAll(SegmentedLog& log) {
  return log.Read(log.first_index(), UINT64_MAX, UINT64_MAX);
}

// Size of a file, or ADD_FAILURE and 0.
inline uint64_t FileSize(Filesystem& fs, const std::string& path) {
  auto file = fs.Open(path, OpenMode::kReadOnly);
  if (!file.ok()) {
    ADD_FAILURE() << file.status();
    return 0;
  }
  auto size = (*file)->Size();
  if (!size.ok()) {
    ADD_FAILURE() << size.status();
    return 0;
  }
  return *size;
}

// Overwrites bytes of a file in place.
inline void PatchFile(Filesystem& fs, const std::string& path, uint64_t offset,
                      std::string_view bytes) {
  auto file = fs.Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->WriteAt(offset, bytes).ok());
  ASSERT_TRUE((*file)->Sync().ok());
}

// XORs one byte of a file with `mask`.
inline void FlipByte(Filesystem& fs, const std::string& path, uint64_t offset,
                     uint8_t mask = 0x10) {
  auto file = fs.Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(file.ok()) << file.status();
  char c;
  auto got = (*file)->ReadAt(offset, &c, 1);
  ASSERT_TRUE(got.ok() && *got == 1);
  c = static_cast<char>(c ^ mask);
  ASSERT_TRUE((*file)->WriteAt(offset, std::string_view(&c, 1)).ok());
  ASSERT_TRUE((*file)->Sync().ok());
}

inline void TruncateFile(Filesystem& fs, const std::string& path, uint64_t size) {
  auto file = fs.Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Truncate(size).ok());
  ASSERT_TRUE((*file)->Sync().ok());
}

}  // namespace mq::storage::testing
