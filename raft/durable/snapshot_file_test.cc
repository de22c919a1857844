#include "raft/durable/snapshot_file.h"

#include <memory>

#include "gtest/gtest.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/fs/sim_filesystem.h"

namespace mq::raft {
namespace {

bool Contains(const absl::Status& status, std::string_view text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

Snapshot MakeSnapshot(uint64_t index, uint64_t term, ConfState conf, std::string data) {
  Snapshot s;
  s.metadata.index = index;
  s.metadata.term = term;
  s.metadata.conf_state = std::move(conf);
  s.data = Payload(data);
  return s;
}

class SnapshotFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs_.CreateDirs("/d").ok()); }

  void WriteRaw(std::string_view bytes) {
    auto file = fs_.Open(path_, storage::OpenMode::kCreateOrOpen);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Truncate(0).ok());
    ASSERT_TRUE((*file)->WriteAt(0, bytes).ok());
  }

  absl::StatusOr<Snapshot> Read(uint64_t bytes_max = 1 << 20) {
    return ReadSnapshotFile(fs_, path_, bytes_max);
  }

  storage::SimFilesystem fs_;
  const std::string path_ = "/d/snapshot";
};

TEST_F(SnapshotFileTest, RoundTrips) {
  for (const Snapshot& s :
       {MakeSnapshot(1, 1, ConfState{{1}, {}}, ""),
        MakeSnapshot(99, 7, ConfState{{1, 2, 3}, {4, 5}}, "state"),
        MakeSnapshot(1ull << 40, 1ull << 33, ConfState{}, std::string(100000, 'x'))}) {
    ASSERT_TRUE(WriteSnapshotFile(fs_, path_, s).ok());
    auto read = Read();
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->metadata, s.metadata);
    EXPECT_EQ(read->data, s.data);
  }
}

TEST_F(SnapshotFileTest, ReplacementIsAtomicAcrossACrash) {
  const Snapshot old_snapshot = MakeSnapshot(10, 2, ConfState{{1}, {}}, "old");
  ASSERT_TRUE(WriteSnapshotFile(fs_, path_, old_snapshot).ok());
  // Written and synced, not yet renamed: what a crash inside WriteSnapshotFile may leave.
  const std::string next = EncodeSnapshotFile(MakeSnapshot(20, 3, ConfState{{1}, {}}, "new"));
  {
    auto temp = fs_.Open(path_ + ".tmp", storage::OpenMode::kCreateOrOpen);
    ASSERT_TRUE(temp.ok());
    ASSERT_TRUE((*temp)->WriteAt(0, next).ok());
  }
  Prng prng(1);
  fs_.Crash(prng);
  auto read = Read();
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->metadata.index, 10u);
  EXPECT_EQ(read->data, "old");
}

TEST_F(SnapshotFileTest, MissingFileIsNotFound) { EXPECT_TRUE(absl::IsNotFound(Read().status())); }

TEST_F(SnapshotFileTest, EveryFlippedByteIsDataLoss) {
  const std::string good =
      EncodeSnapshotFile(MakeSnapshot(5, 2, ConfState{{1, 2, 3}, {7}}, "some state bytes"));
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x04;
    WriteRaw(bad);
    EXPECT_TRUE(absl::IsDataLoss(Read().status())) << "byte " << i;
  }
}

TEST_F(SnapshotFileTest, EveryTruncationAndAnExtensionIsDataLoss) {
  const std::string good = EncodeSnapshotFile(MakeSnapshot(5, 2, ConfState{{1, 2}, {}}, "data"));
  for (size_t size = 0; size < good.size(); ++size) {
    WriteRaw(good.substr(0, size));
    EXPECT_TRUE(absl::IsDataLoss(Read().status())) << "size " << size;
  }
  WriteRaw(good + "!");
  auto longer = Read();
  EXPECT_TRUE(absl::IsDataLoss(longer.status()));
  EXPECT_TRUE(Contains(longer.status(), path_));
}

TEST_F(SnapshotFileTest, DataAboveTheLimitIsRefusedBeforeAllocating) {
  ASSERT_TRUE(WriteSnapshotFile(fs_, path_, MakeSnapshot(5, 2, ConfState{}, "0123456789")).ok());
  EXPECT_TRUE(Read(10).ok());
  auto refused = Read(9);
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status()));
  EXPECT_TRUE(Contains(refused.status(), "limit"));
}

TEST_F(SnapshotFileTest, NewerVersionAndHugeNodeCountsAreRefused) {
  std::string bytes = EncodeSnapshotFile(MakeSnapshot(5, 2, ConfState{{1}, {}}, "x"));
  const size_t header_bytes = kSnapshotFixedHeaderBytes + 8;
  // A newer version with a consistent header crc.
  std::string newer = bytes;
  EncodeFixed32(newer.data() + 4, kSnapshotFormatVersion + 1);
  EncodeFixed32(newer.data() + header_bytes, Crc32c(newer.data(), header_bytes));
  WriteRaw(newer);
  auto refused = Read();
  EXPECT_TRUE(absl::IsDataLoss(refused.status()));
  EXPECT_TRUE(Contains(refused.status(), "version"));
  // A voter count beyond the limit is refused before reading the ids.
  std::string huge = bytes;
  EncodeFixed32(huge.data() + 36, 1u << 30);
  WriteRaw(huge);
  auto too_many = Read();
  EXPECT_TRUE(absl::IsDataLoss(too_many.status()));
  EXPECT_TRUE(Contains(too_many.status(), "voters"));
}

}  // namespace
}  // namespace mq::raft
