// Crash test of RaftLogStore's history mode: CreateSnapshot, CompactTo and ApplySnapshot cut
// off after each of their filesystem steps in turn (DyingFilesystem below), with or without a
// power loss on top (SimFilesystem::Crash), then reopened. The store must open, hold the state
// before or the state after the operation (never a mix), keep every entry it had from its first
// index on, and keep the history invariant: the log starts at 1 or right after a kept snapshot.
//
// MQ_CRASH_SEEDS (default below) and MQ_CRASH_SEED_BASE choose the seeds; a failure names its
// seed and step.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "raft/durable/raft_log_store.h"
#include "storage/base/logging.h"
#include "storage/base/prng.h"
#include "storage/file/test_seeds.h"
#include "storage/fs/sim_filesystem.h"

namespace mq::raft {
namespace {

constexpr uint64_t kDefaultSeeds = 8;
constexpr int64_t kStepsMax = 60;  // more than any of the three operations takes
const ConfState kConf{{1, 2, 3}, {}};
const std::string kDir = "/n";

// Forwards to a SimFilesystem until a budget of mutating calls is spent; after that the process
// is dead: writes, renames, removals and creations fail, and syncs return OK without syncing
// (storage aborts on a failed fsync, as a dying process would stop there too; nothing after
// the "sync" reaches the disk anyway). Reads still work. Single-threaded.
class DyingFilesystem final : public storage::Filesystem {
 public:
  explicit DyingFilesystem(storage::SimFilesystem& sim) : sim_(sim) {}
  void SetBudget(int64_t calls) { left_ = calls; }
  bool dead() const { return dead_; }

  // False once dead (the call must not happen).
  bool Spend() {
    if (!dead_ && left_ == 0) dead_ = true;
    if (dead_) return false;
    if (left_ > 0) --left_;
    return true;
  }
  static absl::Status Died(const std::string& path) {
    return absl::UnavailableError("simulated death at " + path);
  }

  class DyingFile final : public storage::File {
   public:
    DyingFile(std::unique_ptr<storage::File> inner, DyingFilesystem& fs)
        : inner_(std::move(inner)), fs_(fs) {}
    absl::Status WriteAt(uint64_t offset, std::string_view data) override {
      return fs_.Spend() ? inner_->WriteAt(offset, data) : Died(path());
    }
    absl::StatusOr<size_t> ReadAt(uint64_t offset, char* out, size_t size) override {
      return inner_->ReadAt(offset, out, size);
    }
    absl::Status Sync() override { return fs_.Spend() ? inner_->Sync() : absl::OkStatus(); }
    absl::Status Truncate(uint64_t size) override {
      return fs_.Spend() ? inner_->Truncate(size) : Died(path());
    }
    absl::StatusOr<uint64_t> Size() override { return inner_->Size(); }
    const std::string& path() const override { return inner_->path(); }

   private:
    std::unique_ptr<storage::File> inner_;
    DyingFilesystem& fs_;
  };

  absl::StatusOr<std::unique_ptr<storage::File>> Open(const std::string& path,
                                                      storage::OpenMode mode) override {
    const bool creating =
        mode == storage::OpenMode::kCreateOrOpen || mode == storage::OpenMode::kCreateExclusive;
    if (creating && !Spend()) return Died(path);
    auto file = sim_.Open(path, mode);
    if (!file.ok()) return file.status();
    return std::unique_ptr<storage::File>(new DyingFile(*std::move(file), *this));
  }
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override {
    return sim_.ListDir(dir);
  }
  absl::Status CreateDirs(const std::string& dir) override {
    return Spend() ? sim_.CreateDirs(dir) : Died(dir);
  }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    return Spend() ? sim_.Rename(from, to) : Died(to);
  }
  absl::Status Remove(const std::string& path) override {
    return Spend() ? sim_.Remove(path) : Died(path);
  }
  absl::Status SyncDir(const std::string& dir) override {
    return Spend() ? sim_.SyncDir(dir) : absl::OkStatus();
  }
  absl::StatusOr<bool> Exists(const std::string& path) override { return sim_.Exists(path); }
  absl::StatusOr<std::unique_ptr<storage::FileLock>> Lock(const std::string& path) override {
    return sim_.Lock(path);
  }

 private:
  storage::SimFilesystem& sim_;
  int64_t left_ = -1;  // negative: never dies
  bool dead_ = false;
};

enum class Op { kCreateSnapshot, kCompactTo, kApplySnapshot };

Entry MakeEntry(uint64_t index, uint64_t term) {
  Entry e;
  e.index = index;
  e.term = term;
  e.type = EntryType::kNormal;
  e.data = Payload("v" + std::to_string(index) + "t" + std::to_string(term));
  return e;
}

std::string StateAt(uint64_t index) { return "state@" + std::to_string(index); }

RaftLogStoreOptions Options() {
  RaftLogStoreOptions options;
  options.segments.segment_bytes_max = 400;
  options.segments.index_interval_bytes = 128;
  options.keep_snapshot_history = true;
  return options;
}

// What the store holds, as far as this test cares.
struct View {
  uint64_t first = 0;
  uint64_t last = 0;
  std::vector<uint64_t> kept;
  bool operator==(const View&) const = default;
};

View ViewOf(const RaftLogStore& store) {
  return View{*store.FirstIndex(), store.last_index(), store.SnapshotIndexes()};
}

std::string Describe(const View& v) {
  std::string kept;
  for (uint64_t k : v.kept) kept += " " + std::to_string(k);
  return "[" + std::to_string(v.first) + ", " + std::to_string(v.last) + "] kept:" + kept;
}

class Run {
 public:
  Run(uint64_t seed, Op op, int64_t budget) : prng_(seed), op_(op), budget_(budget) {}

  // Returns false once the operation completed within the budget (no later step to cut).
  bool Execute() {
    fs_ = std::make_unique<DyingFilesystem>(sim_);
    auto store = RaftLogStore::Create(*fs_, kDir, ConfState{}, Options());
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return false;
    std::unique_ptr<RaftLogStore> s = *std::move(store);
    // A history: entries in two terms over many segments, kept snapshots at some boundaries,
    // sometimes already compacted once.
    const uint64_t count = prng_.Range(60, 140);
    std::vector<Entry> entries;
    for (uint64_t i = 1; i <= count; ++i) {
      entries.push_back(MakeEntry(i, i < count / 2 ? 1 : 2));
    }
    EXPECT_TRUE(s->Append(entries).ok());
    EXPECT_TRUE(s->Sync().ok());
    std::vector<uint64_t> boundaries;
    for (const storage::SegmentInfo& info : s->Segments()) {
      if (info.first_index > 1) boundaries.push_back(info.first_index - 1);
    }
    EXPECT_GE(boundaries.size(), 4u);
    if (boundaries.size() < 4) return false;
    for (size_t i = 0; i + 1 < boundaries.size(); ++i) {
      if (prng_.Chance(2, 3) || i == 1 || i == 2) {  // one to compact to after [1]
        EXPECT_TRUE(s->CreateSnapshot(boundaries[i], kConf, Payload(StateAt(boundaries[i]))).ok());
      }
    }
    if (prng_.Chance(1, 2)) {
      EXPECT_TRUE(s->CompactTo(boundaries[1]).ok());
    }
    before_ = ViewOf(*s);

    // The operation, cut off after `budget_` mutating calls.
    after_ = before_;
    absl::Status status;
    fs_->SetBudget(budget_);
    switch (op_) {
      case Op::kCreateSnapshot: {
        const uint64_t at = std::max(before_.kept.back() + 1, before_.last - prng_.Uniform(5));
        status = s->CreateSnapshot(at, kConf, Payload(StateAt(at)));
        after_.kept.push_back(at);
        break;
      }
      case Op::kCompactTo: {
        // The newest kept snapshot at a boundary of the current log.
        uint64_t target = 0;
        for (uint64_t k : before_.kept) {
          if (s->CheckCompactTo(k).ok()) target = k;
        }
        EXPECT_NE(target, 0u);
        status = s->CompactTo(target).status();
        after_.first = target + 1;
        after_.kept.erase(std::remove_if(after_.kept.begin(), after_.kept.end(),
                                         [&](uint64_t k) { return k < target; }),
                          after_.kept.end());
        break;
      }
      case Op::kApplySnapshot: {
        raft::Snapshot snapshot;
        snapshot.metadata.index = before_.last + 1 + prng_.Uniform(50);
        snapshot.metadata.term = 3;
        snapshot.metadata.conf_state = kConf;
        snapshot.data = Payload(StateAt(snapshot.metadata.index));
        status = s->ApplySnapshot(snapshot);
        after_ =
            View{snapshot.metadata.index + 1, snapshot.metadata.index, {snapshot.metadata.index}};
        break;
      }
    }
    const bool cut = fs_->dead();
    EXPECT_TRUE(status.ok() || cut) << status;
    // The process dies here (no Close); the machine may lose power as well.
    s.reset();
    if (prng_.Chance(1, 2)) sim_.Crash(prng_);
    // A skipped sync may let an operation return OK that is not durable: only a run that was
    // never cut counts as completed.
    Check(status.ok() && !cut);
    return cut;
  }

 private:
  void Check(bool completed) {
    auto store = RaftLogStore::Open(sim_, kDir, Options());
    ASSERT_TRUE(store.ok()) << store.status();
    RaftLogStore& s = **store;
    const View seen = ViewOf(s);
    if (completed) {
      EXPECT_EQ(seen, after_) << "a completed operation was lost: " << Describe(seen);
    } else {
      EXPECT_TRUE(seen == before_ || seen == after_)
          << "neither before " << Describe(before_) << " nor after " << Describe(after_) << ": "
          << Describe(seen);
    }
    // The history invariant, and what the core is shown.
    ASSERT_FALSE(seen.kept.empty() && seen.first > 1);
    if (seen.first > 1) {
      EXPECT_EQ(seen.kept.front(), seen.first - 1);
    }
    auto snapshot = s.Snapshot();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    if (!seen.kept.empty()) {
      EXPECT_EQ(snapshot->metadata.index, seen.kept.front());
      EXPECT_EQ(snapshot->data, std::string_view(StateAt(seen.kept.front())));
      EXPECT_EQ(s.newest_snapshot().metadata.index, seen.kept.back());
      EXPECT_EQ(s.newest_snapshot().data, std::string_view(StateAt(seen.kept.back())));
    }
    // Every entry from the first index is there, unchanged; only known files remain.
    auto entries = s.Entries(seen.first, seen.last + 1, UINT64_MAX);
    ASSERT_TRUE(entries.ok()) << entries.status();
    ASSERT_EQ(entries->size(), seen.last + 1 - seen.first);
    for (const Entry& e : *entries) {
      EXPECT_EQ(e.data, MakeEntry(e.index, e.term).data) << e.index;
    }
    EXPECT_FALSE(*sim_.Exists(kDir + "/" + RaftLogStore::kLogCutFile));
    // The store goes on: an append and a further compaction point work.
    EXPECT_TRUE(s.Append({MakeEntry(seen.last + 1, 4)}).ok());
    EXPECT_TRUE(s.Sync().ok());
  }

  Prng prng_;
  const Op op_;
  const int64_t budget_;
  storage::SimFilesystem sim_;
  std::unique_ptr<DyingFilesystem> fs_;
  View before_;
  View after_;
};

void CrashAtEveryStep(Op op) {
  LogSink previous = SetLogSink([](LogLevel, std::string_view) {});
  const uint64_t base = storage::CrashSeedBase();
  const uint64_t count = storage::CrashSeedCount(kDefaultSeeds);
  int64_t cuts = 0;
  for (uint64_t seed = base; seed < base + count; ++seed) {
    for (int64_t budget = 0; budget <= kStepsMax; ++budget) {
      SCOPED_TRACE(::testing::Message()
                   << "seed " << seed << " step " << budget
                   << " (rerun: MQ_CRASH_SEED_BASE=" << seed << " MQ_CRASH_SEEDS=1)");
      Run run(seed, op, budget);
      const bool cut = run.Execute();
      if (::testing::Test::HasFailure()) {
        SetLogSink(previous);
        return;
      }
      if (!cut) break;
      ++cuts;
      ASSERT_LT(budget, kStepsMax) << "the operation never completed";
    }
  }
  SetLogSink(previous);
  // Each operation has several steps: the test must have cut each run more than once.
  EXPECT_GT(cuts, static_cast<int64_t>(2 * count));
}

TEST(RaftLogStoreHistoryCrashTest, CreateSnapshotCutAtEveryStep) {
  CrashAtEveryStep(Op::kCreateSnapshot);
}

TEST(RaftLogStoreHistoryCrashTest, CompactToCutAtEveryStep) { CrashAtEveryStep(Op::kCompactTo); }

TEST(RaftLogStoreHistoryCrashTest, ApplySnapshotCutAtEveryStep) {
  CrashAtEveryStep(Op::kApplySnapshot);
}

}  // namespace
}  // namespace mq::raft
