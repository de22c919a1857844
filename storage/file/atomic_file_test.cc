#include "storage/file/atomic_file.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "gtest/gtest.h"
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

void CreateWithContents(Filesystem& fs, const std::string& path, std::string_view contents) {
  auto file = fs.Open(path, OpenMode::kCreateOrOpen);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->WriteAt(0, contents).ok());
}

class AtomicFilePosixTest : public ::testing::Test {
 protected:
  PosixFilesystem& fs_ = PosixFilesystem::Get();
  TempDir dir_;
  std::string path_ = JoinPath(dir_.path(), "state");
};

TEST_F(AtomicFilePosixTest, WritesReplacesAndReads) {
  ASSERT_TRUE(WriteFileAtomically(fs_, path_, "first contents").ok());
  EXPECT_EQ(*ReadWholeFile(fs_, path_, 1024), "first contents");
  ASSERT_TRUE(WriteFileAtomically(fs_, path_, "2nd").ok());  // shorter: no old tail remains
  EXPECT_EQ(*ReadWholeFile(fs_, path_, 1024), "2nd");
  ASSERT_TRUE(WriteFileAtomically(fs_, path_, "").ok());
  EXPECT_EQ(*ReadWholeFile(fs_, path_, 1024), "");
  EXPECT_FALSE(*fs_.Exists(AtomicTempPath(path_)));  // the temp file became the file
}

TEST_F(AtomicFilePosixTest, BinaryContentsSurvive) {
  const std::string contents("a\0b\xff\n", 5);
  ASSERT_TRUE(WriteFileAtomically(fs_, path_, contents).ok());
  EXPECT_EQ(*ReadWholeFile(fs_, path_, 5), contents);
}

TEST_F(AtomicFilePosixTest, StaleLongerTempFileIsReusedCleanly) {
  CreateWithContents(fs_, AtomicTempPath(path_), std::string(5000, 'x'));
  ASSERT_TRUE(WriteFileAtomically(fs_, path_, "new").ok());
  EXPECT_EQ(*ReadWholeFile(fs_, path_, 1024), "new");
  EXPECT_FALSE(*fs_.Exists(AtomicTempPath(path_)));
}

TEST_F(AtomicFilePosixTest, ReadRefusesFilesOverTheLimit) {
  ASSERT_TRUE(WriteFileAtomically(fs_, path_, "0123456789").ok());
  EXPECT_EQ(*ReadWholeFile(fs_, path_, 10), "0123456789");  // exactly at the limit
  const auto too_big = ReadWholeFile(fs_, path_, 9);
  ASSERT_EQ(too_big.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(too_big.status(), path_)) << too_big.status();
  EXPECT_TRUE(Contains(too_big.status(), "10 bytes")) << too_big.status();
  EXPECT_TRUE(Contains(too_big.status(), "limit of 9 bytes")) << too_big.status();
}

TEST_F(AtomicFilePosixTest, MissingFileAndDirectoryAreNotFound) {
  const auto missing = ReadWholeFile(fs_, path_, 10);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Contains(missing.status(), path_));
  const std::string in_missing_dir = JoinPath(dir_.path(), "no/such/file");
  EXPECT_EQ(WriteFileAtomically(fs_, in_missing_dir, "x").code(), absl::StatusCode::kNotFound);
}

TEST_F(AtomicFilePosixTest, RemoveStaleTempFile) {
  ASSERT_TRUE(RemoveStaleTempFile(fs_, path_).ok());  // nothing to remove
  CreateWithContents(fs_, AtomicTempPath(path_), "half written");
  ASSERT_TRUE(RemoveStaleTempFile(fs_, path_).ok());
  EXPECT_FALSE(*fs_.Exists(AtomicTempPath(path_)));
}

TEST(AtomicFileSimTest, FailedSyncLeavesTheOldContents) {
  SimFilesystem fs;
  ASSERT_TRUE(fs.CreateDirs("/d").ok());
  ASSERT_TRUE(WriteFileAtomically(fs, "/d/state", "old").ok());
  fs.FailNextSyncs("/d/state.tmp", 1);
  const absl::Status status = WriteFileAtomically(fs, "/d/state", "new");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(*ReadWholeFile(fs, "/d/state", 100), "old");
}

TEST(AtomicFileSimTest, FailedWriteLeavesTheOldContents) {
  SimFilesystem fs;
  ASSERT_TRUE(fs.CreateDirs("/d").ok());
  ASSERT_TRUE(WriteFileAtomically(fs, "/d/state", "old").ok());
  fs.FailNextWrites("/d/state.tmp", 1);
  EXPECT_FALSE(WriteFileAtomically(fs, "/d/state", "new").ok());
  EXPECT_EQ(*ReadWholeFile(fs, "/d/state", 100), "old");
}

// Steps of one WriteFileAtomically: open, truncate, write, sync, rename, directory sync.
constexpr int64_t kStepsMax = 6;

std::string RandomContents(Prng& prng) {
  std::string contents(prng.Uniform(3000), '\0');
  for (char& c : contents) c = static_cast<char>(prng.Uniform(256));
  return contents;
}

// A crash after every step of a replacement, many seeds: the file holds the old or the new
// contents, never a mix, and the new ones once the call returned OK. A completed write is
// never lost, and a stale temp file never disturbs later writes.
TEST(AtomicFileSimTest, CrashAtAnyStepYieldsOldOrNew) {
  const uint64_t base = CrashSeedBase();
  const uint64_t seeds = CrashSeedCount(300);
  for (uint64_t seed = base; seed < base + seeds; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Prng prng(seed);
    SimFilesystem sim;
    CutoffFilesystem fs(sim);
    const std::string path = "/data/state";
    ASSERT_TRUE(fs.CreateDirs("/data").ok());
    ASSERT_TRUE(sim.SyncDir("/").ok());
    // What the file may hold after a crash: the last completed write's contents and those of
    // every write cut off since (nullopt: no file). A mere process death keeps the page cache,
    // so a cut-off write may be visible and yet not durable.
    std::vector<std::optional<std::string>> candidates = {std::nullopt};
    for (int round = 0; round < 6; ++round) {
      const std::string next = RandomContents(prng);
      fs.SetBudget(prng.Chance(1, 2) ? static_cast<int64_t>(prng.Uniform(kStepsMax + 1)) : -1);
      const absl::Status status = WriteFileAtomically(fs, path, next);
      ASSERT_TRUE(status.ok() || fs.cut_off()) << status;
      fs.SetBudget(-1);
      if (status.ok()) candidates.clear();
      candidates.push_back(next);
      // A cut-off is the process dying; the machine may or may not crash as well.
      const bool crash = prng.Chance(1, 2);
      if (crash) sim.Crash(prng);
      auto read = ReadWholeFile(fs, path, 1 << 20);
      ASSERT_TRUE(read.ok() || absl::IsNotFound(read.status())) << read.status();
      const std::optional<std::string> seen =
          read.ok() ? std::optional<std::string>(*read) : std::nullopt;
      ASSERT_TRUE(std::find(candidates.begin(), candidates.end(), seen) != candidates.end())
          << (status.ok() ? "a completed write was lost" : "neither the old nor a new contents");
      if (crash) candidates = {seen};  // after a crash, what is visible is durable
    }
  }
}

}  // namespace
}  // namespace mq::storage
