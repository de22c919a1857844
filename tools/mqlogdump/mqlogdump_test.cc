// Runs the mqlogdump binary on logs generated here, good and damaged, and checks its exit codes
// and output.

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/temp_dir.h"
#include "storage/log/segment_file.h"
#include "storage/log/segmented_log.h"

namespace mq::storage {
namespace {

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr
  bool Has(const std::string& text) const { return output.find(text) != std::string::npos; }
  int Lines(const std::string& prefix) const {
    int count = 0;
    size_t start = 0;
    while (start < output.size()) {
      const size_t end = output.find('\n', start);
      if (output.compare(start, prefix.size(), prefix) == 0) ++count;
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return count;
  }
};

Outcome Mqlogdump(const std::string& args) {
  Outcome run;
  const std::string command = std::string(MQLOGDUMP_PATH) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class MqlogdumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SegmentedLogOptions options;
    options.segment_bytes_max = 1024;
    auto log = SegmentedLog::Open(fs_, dir_, options);
    ASSERT_TRUE(log.ok()) << log.status();
    for (uint64_t i = 1; i <= 40; ++i) {
      ASSERT_TRUE((*log)->Append(i, 100 + i, 2, 1, std::string(50 + i, 'p')).ok());
    }
    ASSERT_TRUE((*log)->Close().ok());
  }

  void Flip(const std::string& name, uint64_t offset) {
    auto file = fs_.Open(JoinPath(dir_, name), OpenMode::kReadWrite);
    ASSERT_TRUE(file.ok());
    char c;
    ASSERT_TRUE((*file)->ReadAt(offset, &c, 1).ok());
    c ^= 0x20;
    ASSERT_TRUE((*file)->WriteAt(offset, std::string_view(&c, 1)).ok());
  }

  std::vector<uint64_t> Firsts() {
    std::vector<uint64_t> firsts;
    const std::vector<std::string> names = *fs_.ListDir(dir_);
    for (const auto& name : names) {
      if (auto first = ParseLogFileName(name, kSegmentSuffix)) firsts.push_back(*first);
    }
    return firsts;
  }

  PosixFilesystem& fs_ = PosixFilesystem::Get();
  TempDir temp_;
  std::string dir_ = JoinPath(temp_.path(), "log");
};

TEST_F(MqlogdumpTest, HelpAndUsageErrors) {
  const Outcome help = Mqlogdump("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(help.Has("Usage: mqlogdump")) << help.output;
  for (const std::string& args : {"--bogus " + dir_, std::string("--from"), "--from abc " + dir_,
                                  "--count -1 " + dir_, dir_ + " " + dir_}) {
    const Outcome run = Mqlogdump(args);
    EXPECT_EQ(run.exit_code, 2) << args << ": " << run.output;
    EXPECT_TRUE(run.Has("mqlogdump: ")) << run.output;
    EXPECT_EQ(run.Lines("index="), 0) << args;
  }
  const Outcome missing_dir = Mqlogdump("");
  EXPECT_EQ(missing_dir.exit_code, 2);
  EXPECT_TRUE(missing_dir.Has("missing DIR")) << missing_dir.output;
  const Outcome no_such = Mqlogdump(dir_ + "/nope");
  EXPECT_EQ(no_such.exit_code, 2);
  EXPECT_TRUE(no_such.Has("mqlogdump: error:")) << no_such.output;
  EXPECT_TRUE(no_such.Has("nope")) << no_such.output;
}

TEST_F(MqlogdumpTest, DumpsEveryRecord) {
  const Outcome run = Mqlogdump(dir_);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.Lines("index="), 40);
  EXPECT_TRUE(
      run.Has("index=1 tag=101 kind=2 flags=1 size=51 file=00000000000000000001.seg "
              "offset=24 crc=ok\n"))
      << run.output;
  EXPECT_TRUE(run.Has("index=40 tag=140 kind=2 flags=1 size=90 ")) << run.output;
  EXPECT_FALSE(run.Has("BAD"));
}

TEST_F(MqlogdumpTest, FromAndCountSelectRecords) {
  const Outcome run = Mqlogdump("--from 25 --count 3 " + dir_);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.Lines("index="), 3);
  EXPECT_EQ(run.Lines("index=25 "), 1);
  EXPECT_EQ(run.Lines("index=27 "), 1);
}

TEST_F(MqlogdumpTest, VerifyOfAGoodLog) {
  const Outcome run = Mqlogdump("--verify --quiet " + dir_);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.Lines("index="), 0);
  EXPECT_TRUE(run.Has("records: OK")) << run.output;
  EXPECT_TRUE(run.Has("40 records")) << run.output;
}

TEST_F(MqlogdumpTest, VerifyFindsCorruptionInASealedSegment) {
  const std::vector<uint64_t> firsts = Firsts();
  ASSERT_GE(firsts.size(), 3u);
  // Second record of the first (sealed) segment: offset 24 + (28 + 51).
  const uint64_t offset = kSegmentHeaderBytes + 28 + 51;
  Flip(SegmentFileName(1), offset + 40);
  // A dump of a later range never reads the damaged segment...
  const Outcome later = Mqlogdump("--from " + std::to_string(firsts.back()) + " " + dir_);
  EXPECT_EQ(later.exit_code, 0) << later.output;
  // ... --verify reads everything.
  const Outcome run = Mqlogdump("--verify --from " + std::to_string(firsts.back()) + " " + dir_);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(run.Has("mqlogdump: corruption: " + dir_ + "/00000000000000000001.seg offset " +
                      std::to_string(offset) + ": checksum mismatch"))
      << run.output;
  EXPECT_TRUE(run.Has("CORRUPT")) << run.output;
  // The plain dump marks the record and also exits 1.
  const Outcome dump = Mqlogdump(dir_);
  EXPECT_EQ(dump.exit_code, 1);
  EXPECT_TRUE(
      dump.Has("index=2 tag=102 kind=2 flags=1 size=52 file=00000000000000000001.seg "
               "offset=" +
               std::to_string(offset) + " crc=BAD"))
      << dump.output;
}

TEST_F(MqlogdumpTest, TornTailIsReportedNotCorruption) {
  const std::vector<uint64_t> firsts = Firsts();
  const std::string last = JoinPath(dir_, SegmentFileName(firsts.back()));
  auto file = fs_.Open(last, OpenMode::kReadWrite);
  ASSERT_TRUE(file.ok());
  const uint64_t size = *(*file)->Size();
  ASSERT_TRUE((*file)->Truncate(size - 5).ok());
  const Outcome run = Mqlogdump("--verify " + dir_);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(run.Has("mqlogdump: torn tail: " + last)) << run.output;
  EXPECT_EQ(run.Lines("index="), 39);
  // Read-only: the file was not cut.
  EXPECT_EQ(*(*file)->Size(), size - 5);
}

TEST_F(MqlogdumpTest, EmptyDirectory) {
  const std::string empty = JoinPath(temp_.path(), "empty");
  ASSERT_TRUE(fs_.CreateDirs(empty).ok());
  const Outcome run = Mqlogdump("--verify " + empty);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(run.Has("holds no segments")) << run.output;
}

}  // namespace
}  // namespace mq::storage
