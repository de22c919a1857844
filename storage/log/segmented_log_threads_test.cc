// The threading contract of SegmentedLog (see its file comment): one owner thread appending and
// truncating, a disk thread syncing, reader threads reading, all at once. Meant to run under the
// tsan preset too; it checks results, never timing.

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "storage/base/prng.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/temp_dir.h"
#include "storage/log/log_test_util.h"
#include "storage/log/segmented_log.h"

namespace mq::storage {
namespace {

using testing::AppendTestRecord;
using testing::IsTestRecord;
using testing::TestPayload;

// A payload records its generation after "g"; a reader cannot know which generation of a
// truncated index it sees, so it recovers it from the payload and checks the rest against it.
uint64_t GenerationOf(const Record& record) {
  const size_t g = record.payload.find('g');
  const size_t colon = record.payload.find(':');
  if (g == std::string_view::npos || colon == std::string_view::npos || colon < g) return ~0ull;
  return std::stoull(std::string(record.payload.substr(g + 1, colon - g - 1)));
}

TEST(SegmentedLogThreadsTest, AppendSyncAndReadConcurrently) {
  TempDir temp;
  SegmentedLogOptions options;
  options.segment_bytes_max = 16 << 10;  // rolls while others read and sync
  options.write_buffer_bytes = 2 << 10;  // buffer flushes from both threads
  options.index_interval_bytes = 512;
  auto opened = SegmentedLog::Open(PosixFilesystem::Get(), JoinPath(temp.path(), "log"), options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  SegmentedLog& log = **opened;

  constexpr uint64_t kRecords = 3000;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> syncs{0};
  std::atomic<uint64_t> reads{0};
  std::atomic<int> failures{0};

  // Disk thread: syncs in a loop; the durable index only grows between truncations and never
  // passes the last index it could have seen.
  std::thread syncer([&] {
    while (!done.load()) {
      auto durable = log.Sync();
      if (!durable.ok()) {
        ADD_FAILURE() << durable.status();
        failures++;
        return;
      }
      syncs++;
    }
  });

  // Readers: random ranges, every record checked against the payload of its generation.
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      Prng prng(1000 + r);
      while (!done.load()) {
        const uint64_t first = log.first_index();
        const uint64_t last = log.last_index();
        if (last < first) continue;
        const uint64_t start = first + prng.Uniform(last - first + 1);
        auto records = log.Read(start, prng.Uniform(20000), 1 + prng.Uniform(50));
        if (!records.ok()) {
          // A truncation can shorten the log between last_index() and Read.
          if (absl::IsOutOfRange(records.status())) continue;
          ADD_FAILURE() << records.status();
          failures++;
          return;
        }
        for (size_t i = 0; i < records->size(); ++i) {
          const Record& record = (*records)[i];
          if (!IsTestRecord(record, start + i, GenerationOf(record))) {
            ADD_FAILURE() << "reader " << r << ": bad record " << start + i;
            failures++;
            return;
          }
        }
        reads++;
      }
    });
  }

  // Owner: appends, now and then truncates a little and rewrites with a new generation.
  Prng prng(7);
  uint64_t generation = 0;
  for (uint64_t index = 1; index <= kRecords && failures.load() == 0; ++index) {
    ASSERT_TRUE(AppendTestRecord(log, index, generation).ok());
    if (index % 500 == 0) {
      // Let the other threads make progress against this state before going on, so that reads
      // and syncs really interleave with appends, flushes, rolls and truncations.
      const uint64_t reads_before = reads.load();
      const uint64_t syncs_before = syncs.load();
      while (failures.load() == 0 &&
             (reads.load() < reads_before + 3 || syncs.load() == syncs_before)) {
        std::this_thread::yield();
      }
      const uint64_t from = index - prng.Uniform(40);
      ASSERT_TRUE(log.TruncateSuffix(from).ok());
      ++generation;
      index = from - 1;
      if (generation > 4) break;
    }
  }
  const uint64_t last = log.last_index();
  done.store(true);
  syncer.join();
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(syncs.load(), 5u);
  EXPECT_GE(reads.load(), 15u);

  // Everything appended before this Sync is durable once it returns.
  auto durable = log.Sync();
  ASSERT_TRUE(durable.ok());
  EXPECT_EQ(*durable, last);
  auto all = log.Read(1, UINT64_MAX, UINT64_MAX);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), last);
  for (uint64_t i = 1; i <= last; ++i) {
    ASSERT_TRUE(IsTestRecord((*all)[i - 1], i, GenerationOf((*all)[i - 1])));
  }
  ASSERT_TRUE(log.Close().ok());
}

TEST(SegmentedLogThreadsTest, ConcurrentSyncsCoalesceAndAllSeeTheirAppends) {
  TempDir temp;
  auto opened = SegmentedLog::Open(PosixFilesystem::Get(), JoinPath(temp.path(), "log"));
  ASSERT_TRUE(opened.ok());
  SegmentedLog& log = **opened;
  for (uint64_t round = 0; round < 20; ++round) {
    const uint64_t base = round * 10;
    for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(AppendTestRecord(log, base + i).ok());
    std::vector<std::thread> syncers;
    std::atomic<int> short_syncs{0};
    for (int t = 0; t < 4; ++t) {
      syncers.emplace_back([&] {
        auto durable = log.Sync();
        // Every call started after the appends, so each must report them durable.
        if (!durable.ok() || *durable < base + 10) short_syncs++;
      });
    }
    for (auto& t : syncers) t.join();
    EXPECT_EQ(short_syncs.load(), 0);
    EXPECT_EQ(log.durable_index(), base + 10);
  }
}

}  // namespace
}  // namespace mq::storage
