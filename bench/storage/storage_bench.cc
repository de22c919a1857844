// SegmentedLog on the real disk, in the patterns the storage issue sets targets for:
//   - AppendGroupCommit: 1 KiB records, one Sync per `group` KiB (1 MiB), 1 GiB in all (the
//     size dd writes in run.sh);
//   - AppendSyncEach: records of 4 KiB on disk (header included), one Sync per append;
//   - Reopen / ReopenCold: Open + Close of a 1 GiB log whose last segment is full, the worst case
//     for recovery (it scans the last segment only); warm = page cache as left by the writer,
//     cold = the log's pages dropped from the page cache before each open;
//   - SequentialRead: read the whole 1 GiB log back from the page cache (crc checked).
// The log lives in $RAFTMQ_BENCH_DIR (default ./bench_data), on the disk being measured.
// $RAFTMQ_PREALLOCATE_BYTES overrides SegmentedLogOptions::preallocate_bytes (0: no runway).
// bench/storage/run.sh runs these beside dd and fio and prints the ratios. Every benchmark keeps
// to the same counters (CSV output requires it): time, bytes_per_second, items_per_second.

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "storage/base/status_macros.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/log/log_options.h"
#include "storage/log/record_format.h"
#include "storage/log/segment_file.h"
#include "storage/log/segmented_log.h"

namespace mq::storage {
namespace {

constexpr int64_t kSyncEachAppends = 5000;  // run.sh gives fio the same number of writes
constexpr uint64_t kBigLogMib = 1024;

std::string BenchDir(const std::string& name) {
  const char* base = std::getenv("RAFTMQ_BENCH_DIR");
  std::string dir = std::string(base != nullptr ? base : "./bench_data") + "/" + name;
  std::filesystem::remove_all(dir);
  MQ_CHECK_OK(PosixFilesystem::Get().CreateDirs(dir));
  return dir;
}

// Default options, but for $RAFTMQ_PREALLOCATE_BYTES when set (0: no runway), for A/B runs.
std::unique_ptr<SegmentedLog> OpenLog(const std::string& dir) {
  SegmentedLogOptions options;
  if (const char* preallocate = std::getenv("RAFTMQ_PREALLOCATE_BYTES");
      preallocate != nullptr && *preallocate != '\0') {
    options.preallocate_bytes = std::strtoull(preallocate, nullptr, 10);
  }
  auto log = SegmentedLog::Open(PosixFilesystem::Get(), dir, options);
  MQ_CHECK_OK(log.status());
  return std::move(*log);
}

std::string Payload(size_t bytes) {
  std::string payload(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) payload[i] = static_cast<char>('a' + i % 26);
  return payload;
}

// Drops the (clean, synced) pages of every file in `dir` from the page cache, so that the next
// read of them goes to the disk. Touches nothing else on the machine.
void DropFromPageCache(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    MQ_CHECK_MSG(fd >= 0, entry.path().c_str());
    MQ_CHECK(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
    ::close(fd);
  }
}

// Appends `total_mib` MiB of 1 KiB records, syncing every `group_kib` KiB.
void BM_AppendGroupCommit(benchmark::State& state) {
  const uint64_t group_bytes = static_cast<uint64_t>(state.range(0)) << 10;
  const uint64_t total_bytes = static_cast<uint64_t>(state.range(1)) << 20;
  const std::string payload = Payload(1024 - kRecordHeaderBytes);
  const uint64_t record_bytes = RecordBytes(payload.size());
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir = BenchDir("group_commit");
    auto log = OpenLog(dir);
    state.ResumeTiming();
    uint64_t index = 1, pending = 0;
    for (uint64_t written = 0; written < total_bytes; written += record_bytes) {
      MQ_CHECK_OK(log->Append(index++, 1, 0, 0, payload));
      pending += record_bytes;
      if (pending >= group_bytes) {
        MQ_CHECK_OK(log->Sync().status());
        pending = 0;
      }
    }
    MQ_CHECK_OK(log->Sync().status());
    state.PauseTiming();
    MQ_CHECK_OK(log->Close());
    log.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes));
}
BENCHMARK(BM_AppendGroupCommit)
    ->Args({1024, 1024})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

// One 4 KiB record (4096 bytes on disk) and one fdatasync per append: fio's pattern.
void BM_AppendSyncEach(benchmark::State& state) {
  const std::string dir = BenchDir("sync_each");
  auto log = OpenLog(dir);
  const std::string payload = Payload(4096 - kRecordHeaderBytes);
  uint64_t index = 1;
  for (auto _ : state) {
    MQ_CHECK_OK(log->Append(index++, 1, 0, 0, payload));
    MQ_CHECK_OK(log->Sync().status());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  MQ_CHECK_OK(log->Close());
  log.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AppendSyncEach)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->Iterations(kSyncEachAppends);

// Builds, once per process, a log of kBigLogMib MiB in 1 KiB records whose last segment is full:
// the most a reopen ever has to scan. Shared by the Reopen and SequentialRead benchmarks.
const std::string& BigLogDir() {
  static const std::string dir = [] {
    const std::string d = BenchDir("big_log");
    auto log = OpenLog(d);
    const std::string payload = Payload(1024 - kRecordHeaderBytes);
    const uint64_t segment_bytes = log->options().segment_bytes_max;
    const uint64_t per_segment =
        (segment_bytes - kSegmentHeaderBytes) / RecordBytes(payload.size());
    const uint64_t records = (kBigLogMib << 20) / segment_bytes * per_segment;
    for (uint64_t index = 1; index <= records; ++index) {
      MQ_CHECK_OK(log->Append(index, 1, 0, 0, payload));
      if (index % 4096 == 0) MQ_CHECK_OK(log->Sync().status());
    }
    MQ_CHECK_OK(log->Close());
    return d;
  }();
  return dir;
}

void ReopenLoop(benchmark::State& state, bool cold) {
  const std::string& dir = BigLogDir();
  uint64_t last = 0;
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      DropFromPageCache(dir);
      state.ResumeTiming();
    }
    auto log = OpenLog(dir);
    last = log->last_index();
    MQ_CHECK_OK(log->Close());
  }
  // A label, not a counter: counters must be the same in every benchmark for the CSV reporter.
  state.SetLabel(std::to_string(last) + " records");
}

void BM_Reopen(benchmark::State& state) { ReopenLoop(state, /*cold=*/false); }
BENCHMARK(BM_Reopen)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_ReopenCold(benchmark::State& state) { ReopenLoop(state, /*cold=*/true); }
BENCHMARK(BM_ReopenCold)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// Reads the whole log, `bytes_max` of payload per Read call; returns the bytes on disk read.
uint64_t ReadAll(SegmentedLog& log, uint64_t bytes_max) {
  uint64_t bytes = 0;
  uint64_t next = log.first_index();
  while (next <= log.last_index()) {
    auto records = log.Read(next, bytes_max, UINT64_MAX);
    MQ_CHECK_OK(records.status());
    for (const Record& r : *records) bytes += RecordBytes(r.payload.size());
    next += records->size();
  }
  return bytes;
}

void BM_SequentialRead(benchmark::State& state) {
  const std::string& dir = BigLogDir();
  auto log = OpenLog(dir);
  const uint64_t bytes_max = static_cast<uint64_t>(state.range(0)) << 10;
  // Not timed: bring the whole log into the page cache (ReopenCold may have dropped it).
  ReadAll(*log, bytes_max);
  uint64_t bytes = 0;
  for (auto _ : state) bytes += ReadAll(*log, bytes_max);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  MQ_CHECK_OK(log->Close());
}
BENCHMARK(BM_SequentialRead)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace
}  // namespace mq::storage

BENCHMARK_MAIN();
