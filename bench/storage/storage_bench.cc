// SegmentedLog on the real disk, in the patterns the storage issue sets targets for:
//   - AppendGroupCommit: 1 KiB records, one Sync per `group` bytes (1 MiB by default);
//   - AppendSyncEach: one record of 4 KiB on disk (header included) and one Sync per append;
//   - Reopen: Open of a log of `log_mib` MiB (only the last segment is scanned);
//   - SequentialRead: read the whole log back from the page cache.
// The log lives in $RAFTMQ_BENCH_DIR (default ./bench_data), on the disk being measured.
// bench/storage/run.sh runs these beside dd and fio and prints the ratios.

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "storage/base/status_macros.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/log/record_format.h"
#include "storage/log/segmented_log.h"

namespace mq::storage {
namespace {

std::string BenchDir(const std::string& name) {
  const char* base = std::getenv("RAFTMQ_BENCH_DIR");
  std::string dir = std::string(base != nullptr ? base : "./bench_data") + "/" + name;
  std::filesystem::remove_all(dir);
  MQ_CHECK_OK(PosixFilesystem::Get().CreateDirs(dir));
  return dir;
}

std::unique_ptr<SegmentedLog> OpenLog(const std::string& dir) {
  auto log = SegmentedLog::Open(PosixFilesystem::Get(), dir);
  MQ_CHECK_OK(log.status());
  return std::move(*log);
}

std::string Payload(size_t bytes) {
  std::string payload(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) payload[i] = static_cast<char>('a' + i % 26);
  return payload;
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
    ->Iterations(3);

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
BENCHMARK(BM_AppendSyncEach)->Unit(benchmark::kMicrosecond)->UseRealTime()->Iterations(20000);

// Builds a log of `log_mib` MiB once; shared by Reopen and SequentialRead.
const std::string& BigLogDir(uint64_t log_mib) {
  static const std::string dir = [log_mib] {
    const std::string d = BenchDir("big_log");
    auto log = OpenLog(d);
    const std::string payload = Payload(1024 - kRecordHeaderBytes);
    uint64_t index = 1;
    for (uint64_t written = 0; written < (log_mib << 20); written += 1024) {
      MQ_CHECK_OK(log->Append(index++, 1, 0, 0, payload));
      if (index % 4096 == 0) MQ_CHECK_OK(log->Sync().status());
    }
    MQ_CHECK_OK(log->Close());
    return d;
  }();
  return dir;
}

void BM_Reopen(benchmark::State& state) {
  const std::string& dir = BigLogDir(static_cast<uint64_t>(state.range(0)));
  uint64_t last = 0;
  for (auto _ : state) {
    auto log = OpenLog(dir);
    last = log->last_index();
    MQ_CHECK_OK(log->Close());
  }
  state.counters["records"] = static_cast<double>(last);
}
BENCHMARK(BM_Reopen)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_SequentialRead(benchmark::State& state) {
  const std::string& dir = BigLogDir(static_cast<uint64_t>(state.range(0)));
  auto log = OpenLog(dir);
  uint64_t bytes = 0;
  for (auto _ : state) {
    uint64_t next = log->first_index();
    while (next <= log->last_index()) {
      auto records = log->Read(next, 1 << 20, 1 << 20);
      MQ_CHECK_OK(records.status());
      for (const Record& r : *records) bytes += RecordBytes(r.payload.size());
      next += records->size();
    }
  }
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
