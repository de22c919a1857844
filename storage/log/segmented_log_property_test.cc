// Property test of SegmentedLog on SimFilesystem: seeded random sequences of append, sync, read,
// truncate, drop, reset, injected write failures, crashes and reopens, checked against an
// in-memory model. After every reopen the log must equal the model's synced prefix plus possibly
// some of its unsynced suffix: never a gap, never garbage, never a record that was not appended.
//
//   RAFTMQ_SEEDS=N   run seeds 1..N (default below, sized for a debug build in well under 60 s)
//   RAFTMQ_SEED=S    run seed S only (what a failure prints)

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "storage/base/logging.h"
#include "storage/base/prng.h"
#include "storage/fs/sim_filesystem.h"
#include "storage/log/segmented_log.h"

namespace mq::storage {
namespace {

constexpr uint64_t kDefaultSeeds = 1000;
constexpr int kStepsPerSeed = 150;

struct ModelRecord {
  uint64_t tag;
  uint16_t kind;
  uint16_t flags;
  std::string payload;
};

// Evaluates `expr` (an absl::Status); a failure ends the run with the step's context.
#define CHECK_STEP(expr)                           \
  do {                                             \
    const absl::Status check_status_ = (expr);     \
    if (!check_status_.ok()) return check_status_; \
  } while (0)

absl::Status Violation(std::string message) { return absl::InternalError(std::move(message)); }

class Harness {
 public:
  explicit Harness(uint64_t seed) : prng_(seed) {
    options_.segment_bytes_max = Pick({600, 2048, 8192});
    options_.write_buffer_bytes = Pick({128, 1024, 16384});
    options_.index_interval_bytes = Pick({64, 512, 4096});
    options_.record_payload_bytes_max = 4096;
    // No runway, one shorter than a sector, one that flushes often cross, and the default.
    options_.preallocate_bytes = Pick({0, 300, 4096, uint64_t{1} << 20});
  }

  absl::Status Run() {
    CHECK_STEP(Reopen("initial open", /*crash=*/false));
    for (int step = 0; step < kStepsPerSeed; ++step) {
      const uint64_t dice = prng_.Uniform(100);
      if (dice < 40) {
        CHECK_STEP(Append());
      } else if (dice < 52) {
        CHECK_STEP(Sync());
      } else if (dice < 64) {
        CHECK_STEP(CheckRead());
      } else if (dice < 70) {
        CHECK_STEP(Truncate());
      } else if (dice < 75) {
        CHECK_STEP(Drop());
      } else if (dice < 77) {
        CHECK_STEP(Reset());
      } else if (dice < 81) {
        CHECK_STEP(FailingWrite());
      } else if (dice < 83) {
        CHECK_STEP(WrongIndex());
      } else if (dice < 93) {
        CHECK_STEP(Reopen("crash", /*crash=*/true));
      } else if (dice < 97) {
        CHECK_STEP(Reopen("reopen without close", /*crash=*/false));
      } else {
        CHECK_STEP(CloseAndReopen());
      }
    }
    return Reopen("final crash", /*crash=*/true);
  }

  const std::vector<std::string>& trace() const { return trace_; }

 private:
  uint64_t Pick(std::initializer_list<uint64_t> values) {
    return *(values.begin() + prng_.Uniform(values.size()));
  }
  void Trace(std::string line) {
    trace_.push_back(std::move(line));
    if (trace_.size() > 40) trace_.erase(trace_.begin());
  }
  std::string State() const {
    return absl::StrFormat("model first=%u last=%u synced=%u; log first=%u last=%u durable=%u",
                           first_, last_, synced_, log_->first_index(), log_->last_index(),
                           log_->durable_index());
  }

  ModelRecord NewRecord() {
    ModelRecord record;
    record.tag = prng_.Next();
    record.kind = static_cast<uint16_t>(prng_.Next());
    record.flags = static_cast<uint16_t>(prng_.Next());
    // Mostly small, sometimes larger than a segment or the write buffer.
    const uint64_t size = prng_.Chance(1, 10) ? prng_.Uniform(options_.record_payload_bytes_max + 1)
                                              : prng_.Uniform(300);
    record.payload.resize(size);
    for (uint64_t i = 0; i < size; i += 8) {
      const uint64_t word = prng_.Next();
      for (uint64_t j = 0; j < 8 && i + j < size; ++j) {
        record.payload[i + j] = static_cast<char>(word >> (8 * j));
      }
    }
    // Some payloads hold whole zero sectors, as real data may.
    if (size > 1100 && prng_.Chance(1, 4)) {
      for (uint64_t i = 512; i < 1100; ++i) record.payload[i] = 0;
    }
    return record;
  }

  absl::Status Append() {
    const uint64_t count = 1 + prng_.Uniform(8);
    for (uint64_t n = 0; n < count; ++n) {
      const uint64_t index = fresh_ ? 1 + prng_.Uniform(1000) : last_ + 1;
      ModelRecord record = NewRecord();
      const absl::Status status =
          log_->Append(index, record.tag, record.kind, record.flags, record.payload);
      if (!status.ok())
        return Violation(absl::StrFormat("append %u: %s", index, status.ToString()));
      if (fresh_) first_ = index;
      fresh_ = false;
      last_ = index;
      records_[index] = std::move(record);
    }
    Trace(absl::StrFormat("append %u records -> last %u", count, last_));
    return absl::OkStatus();
  }

  absl::Status Sync() {
    absl::StatusOr<uint64_t> durable = log_->Sync();
    Trace(absl::StrFormat("sync -> %s",
                          durable.ok() ? std::to_string(*durable) : durable.status().ToString()));
    if (!durable.ok()) return Violation("sync: " + durable.status().ToString());
    if (*durable != last_) return Violation("sync returned " + std::to_string(*durable));
    synced_ = last_;
    return absl::OkStatus();
  }

  // A write failure while syncing: the error is reported, nothing becomes durable, and the
  // next sync writes the same records again.
  absl::Status FailingWrite() {
    const uint64_t durable_before = log_->durable_index();
    sim_.FailNextWrites("/data", 1);
    absl::StatusOr<uint64_t> durable = log_->Sync();
    sim_.FailNextWrites("/data", 0);
    Trace(absl::StrFormat("sync with a failing write -> %s",
                          durable.ok() ? std::to_string(*durable) : durable.status().ToString()));
    if (durable.ok()) {
      // Nothing was left to write: an ordinary sync.
      if (*durable != last_) return Violation("sync returned " + std::to_string(*durable));
      synced_ = last_;
      return absl::OkStatus();
    }
    if (durable.status().message().find("injected") == absl::string_view::npos) {
      return Violation("unexpected sync error: " + durable.status().ToString());
    }
    if (log_->durable_index() != durable_before) {
      return Violation("durable index moved on a failed sync: " + State());
    }
    return Sync();
  }

  absl::Status WrongIndex() {
    if (fresh_) return absl::OkStatus();
    const uint64_t index = prng_.Chance(1, 2) ? last_ + 2 + prng_.Uniform(5) : last_;
    const absl::Status status = log_->Append(index, 0, 0, 0, "x");
    Trace(absl::StrFormat("append wrong index %u -> %s", index, status.ToString()));
    if (status.code() != absl::StatusCode::kFailedPrecondition) {
      return Violation("wrong index accepted or wrong error: " + status.ToString());
    }
    return absl::OkStatus();
  }

  absl::Status Truncate() {
    if (fresh_) return absl::OkStatus();
    const uint64_t from = first_ + prng_.Uniform(last_ - first_ + 2);
    const absl::Status status = log_->TruncateSuffix(from);
    Trace(absl::StrFormat("truncate from %u -> %s", from, status.ToString()));
    if (!status.ok()) return Violation("truncate: " + status.ToString());
    if (from <= last_) {
      records_.erase(records_.lower_bound(from), records_.end());
      last_ = from - 1;
      synced_ = std::min(synced_, last_);
    }
    if (log_->last_index() != last_) return Violation("after truncate: " + State());
    return absl::OkStatus();
  }

  absl::Status Drop() {
    if (fresh_) return absl::OkStatus();
    const uint64_t up_to = first_ - 1 + prng_.Uniform(last_ - first_ + 2);
    const size_t segments = log_->segment_count();
    absl::StatusOr<size_t> dropped = log_->DropPrefix(up_to);
    Trace(absl::StrFormat("drop up to %u -> %s", up_to,
                          dropped.ok() ? std::to_string(*dropped) : dropped.status().ToString()));
    if (!dropped.ok()) return Violation("drop: " + dropped.status().ToString());
    const uint64_t first = log_->first_index();
    if (log_->segment_count() != segments - *dropped || first > last_ + 1 ||
        (*dropped == 0) != (first == first_) || (*dropped > 0 && first - 1 > up_to)) {
      return Violation(
          absl::StrFormat("drop up to %u removed %u segments: %s", up_to, *dropped, State()));
    }
    first_ = first;
    records_.erase(records_.begin(), records_.lower_bound(first_));
    return CheckRange(first_, last_);
  }

  absl::Status Reset() {
    const uint64_t next = 1 + prng_.Uniform(last_ + 50);
    const absl::Status status = log_->Reset(next);
    Trace(absl::StrFormat("reset to %u -> %s", next, status.ToString()));
    if (!status.ok()) return Violation("reset: " + status.ToString());
    records_.clear();
    fresh_ = false;
    first_ = next;
    last_ = synced_ = next - 1;
    return absl::OkStatus();
  }

  // A random read must return exactly what the model says.
  absl::Status CheckRead() {
    if (fresh_) return absl::OkStatus();
    const uint64_t start = first_ + prng_.Uniform(last_ - first_ + 2);
    const uint64_t bytes_max = prng_.Uniform(3000);
    const uint64_t count_max = prng_.Uniform(30);
    absl::StatusOr<std::vector<Record>> records = log_->Read(start, bytes_max, count_max);
    Trace(absl::StrFormat("read %u bytes<=%u count<=%u", start, bytes_max, count_max));
    if (!records.ok()) return Violation("read: " + records.status().ToString());
    uint64_t bytes = 0;
    for (size_t i = 0; i < records->size(); ++i) {
      CHECK_STEP(Same((*records)[i], start + i));
      bytes += (*records)[i].payload.size();
    }
    const uint64_t available = last_ + 1 - start;
    const size_t got = records->size();
    const bool within = got <= count_max && (got <= 1 || bytes <= bytes_max);
    // Stopped early only because the next record would have passed bytes_max.
    const bool complete = got == std::min<uint64_t>(available, count_max) ||
                          (got > 0 && start + got <= last_ &&
                           bytes + records_.at(start + got).payload.size() > bytes_max);
    if (!within || !complete) {
      return Violation(
          absl::StrFormat("read %u (bytes<=%u count<=%u) returned %u records of %u "
                          "bytes; %u available",
                          start, bytes_max, count_max, got, bytes, available));
    }
    return absl::OkStatus();
  }

  absl::Status Same(const Record& record, uint64_t index) {
    auto it = records_.find(index);
    if (it == records_.end() || record.index != index || record.tag != it->second.tag ||
        record.kind != it->second.kind || record.flags != it->second.flags ||
        record.payload != it->second.payload) {
      return Violation(
          absl::StrFormat("record %u differs from what was appended (got index %u, "
                          "%u payload bytes)",
                          index, record.index, record.payload.size()));
    }
    return absl::OkStatus();
  }

  absl::Status CheckRange(uint64_t first, uint64_t last) {
    absl::StatusOr<std::vector<Record>> all = log_->Read(first, UINT64_MAX, UINT64_MAX);
    if (!all.ok()) return Violation("read all: " + all.status().ToString());
    if (all->size() != last + 1 - first) {
      return Violation(absl::StrFormat("read all from %u: %u records, expected %u", first,
                                       all->size(), last + 1 - first));
    }
    for (size_t i = 0; i < all->size(); ++i) CHECK_STEP(Same((*all)[i], first + i));
    return absl::OkStatus();
  }

  // Destroys the log (after a simulated power loss when `crash`), reopens it and checks it
  // against the model: the synced prefix must be there, then possibly some of the rest.
  absl::Status Reopen(const char* what, bool crash) {
    if (crash) sim_.Crash(prng_);
    log_.reset();
    absl::StatusOr<std::unique_ptr<SegmentedLog>> log =
        SegmentedLog::Open(sim_, "/data/log", options_);
    if (!log.ok()) return Violation(std::string(what) + ": open: " + log.status().ToString());
    log_ = *std::move(log);
    Trace(absl::StrFormat("%s -> first %u last %u", what, log_->first_index(), log_->last_index()));
    if (fresh_) {
      if (log_->segment_count() != 0 || log_->last_index() != 0) {
        return Violation(std::string(what) + ": a log never written is not empty: " + State());
      }
      return absl::OkStatus();
    }
    const uint64_t last = log_->last_index();
    if (log_->first_index() != first_ || last < synced_ || last > last_ ||
        log_->durable_index() != last) {
      return Violation(std::string(what) + ": " + State());
    }
    CHECK_STEP(CheckRange(first_, last));
    records_.erase(records_.upper_bound(last), records_.end());
    last_ = synced_ = last;
    return absl::OkStatus();
  }

  absl::Status CloseAndReopen() {
    const absl::Status status = log_->Close();
    Trace("close -> " + status.ToString());
    if (!status.ok()) return Violation("close: " + status.ToString());
    synced_ = last_;  // Close syncs: nothing may be lost
    return Reopen("reopen after close", /*crash=*/false);
  }

  Prng prng_;
  SimFilesystem sim_;
  SegmentedLogOptions options_;
  std::unique_ptr<SegmentedLog> log_;
  // The model.
  bool fresh_ = true;  // no record ever appended (so the first append picks its index)
  uint64_t first_ = 1;
  uint64_t last_ = 0;
  uint64_t synced_ = 0;
  std::map<uint64_t, ModelRecord> records_;
  std::vector<std::string> trace_;
};

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  return std::strtoull(value, nullptr, 10);
}

TEST(SegmentedLogPropertyTest, RandomOperationsAndCrashesMatchTheModel) {
  // Recovery warnings (torn tails) are expected by the thousand here.
  LogSink previous = SetLogSink([](LogLevel, std::string_view) {});
  std::vector<uint64_t> seeds;
  if (const char* one = std::getenv("RAFTMQ_SEED"); one != nullptr && *one != '\0') {
    seeds.push_back(std::strtoull(one, nullptr, 10));
  } else {
    for (uint64_t seed = 1; seed <= EnvNumber("RAFTMQ_SEEDS", kDefaultSeeds); ++seed) {
      seeds.push_back(seed);
    }
  }
  int failures = 0;
  for (const uint64_t seed : seeds) {
    Harness harness(seed);
    const absl::Status status = harness.Run();
    if (status.ok()) continue;
    std::string trace;
    for (const auto& line : harness.trace()) trace += "  " + line + "\n";
    ADD_FAILURE() << "seed " << seed << " failed: " << status.message() << "\nlast steps:\n"
                  << trace << "reproduce with: RAFTMQ_SEED=" << seed << " "
                  << ::testing::internal::GetArgvs()[0]
                  << " --gtest_filter=SegmentedLogPropertyTest.*";
    if (++failures >= 3) break;
  }
  SetLogSink(std::move(previous));
  std::printf("ran %zu seeds\n", seeds.size());
}

}  // namespace
}  // namespace mq::storage
