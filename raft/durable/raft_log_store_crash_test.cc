// Crash property test of RaftLogStore: random appends, conflicting overwrites, hard state
// changes, syncs, snapshots and compactions on a SimFilesystem, then a simulated power loss at
// a seeded point, again and again. After every crash the reopened store must hold exactly what
// a model says may be there: every synced entry, the newest snapshot, the stored hard state
// (adjusted only in the documented ways), never an overwritten entry, never a commit index
// past its log.
//
// MQ_CRASH_SEEDS (default below) and MQ_CRASH_SEED_BASE choose the seeds; a failure names its
// seed: rerun with MQ_CRASH_SEED_BASE=<seed> MQ_CRASH_SEEDS=1.

#include <map>
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

constexpr uint64_t kDefaultSeeds = 150;
const ConfState kConf{{1, 2, 3}, {}};

struct ModelEntry {
  uint64_t term;
  std::string data;
};

class CrashRun {
 public:
  explicit CrashRun(uint64_t seed) : seed_(seed), prng_(seed) {
    const uint64_t segment_sizes[] = {300, 1024, 64 << 10};
    options_.segments.segment_bytes_max = segment_sizes[prng_.Uniform(3)];
    options_.segments.index_interval_bytes = 128;
    options_.segments.write_buffer_bytes = prng_.Chance(1, 2) ? 512 : (1 << 20);
    const uint64_t lags[] = {0, 1, 8};
    options_.commit_lag_entries_max = lags[prng_.Uniform(3)];
  }

  void Run() {
    auto store = RaftLogStore::Create(fs_, "/n", kConf, options_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    // The founding log (entries 1..3, committed).
    auto founding = store_->Entries(1, store_->last_index() + 1, UINT64_MAX);
    ASSERT_TRUE(founding.ok());
    for (const Entry& e : *founding)
      model_[e.index] = ModelEntry{e.term, std::string(e.data.view())};
    for (int round = 0; round < 4; ++round) {
      SCOPED_TRACE(round);
      const int ops = static_cast<int>(prng_.Range(5, 60));
      for (int op = 0; op < ops; ++op) {
        ASSERT_NO_FATAL_FAILURE(RandomOp());
      }
      ASSERT_NO_FATAL_FAILURE(CrashAndCheck());
    }
  }

 private:
  uint64_t last() const { return store_->last_index(); }

  std::string RandomData() {
    std::string data(prng_.Uniform(200), '\0');
    for (char& c : data) c = static_cast<char>('a' + prng_.Uniform(26));
    return data;
  }

  void AppendAt(uint64_t from, uint64_t count) {
    std::vector<Entry> entries;
    for (uint64_t i = 0; i < count; ++i) {
      Entry e;
      e.index = from + i;
      e.term = term_;
      e.type = prng_.Chance(1, 10) ? EntryType::kConfChange : EntryType::kNormal;
      const std::string data = RandomData();
      e.data = Payload(std::string_view(data));
      entries.push_back(e);
    }
    ASSERT_TRUE(store_->Append(entries).ok());
    model_.erase(model_.lower_bound(from), model_.end());
    for (const Entry& e : entries) {
      model_[e.index] = ModelEntry{e.term, std::string(e.data.view())};
    }
  }

  void RandomOp() {
    const uint64_t r = prng_.Uniform(100);
    const uint64_t protected_index =
        std::max(store_->hard_state().commit, store_->snapshot_index());
    if (r < 40) {
      if (prng_.Chance(1, 10)) ++term_;
      AppendAt(last() + 1, prng_.Range(1, 8));
    } else if (r < 50) {
      if (last() <= protected_index) return;
      ++term_;  // a new leader overwrites an uncommitted suffix
      AppendAt(prng_.Range(static_cast<int64_t>(protected_index) + 1, last()), prng_.Range(1, 4));
    } else if (r < 70) {
      ASSERT_TRUE(store_->Sync().ok());
    } else if (r < 82) {
      HardState hs = store_->hard_state();
      hs.term = std::max(hs.term, term_);
      if (prng_.Chance(1, 3)) hs.vote = prng_.Range(0, 3);
      if (last() > hs.commit) hs.commit = prng_.Range(hs.commit, last());
      store_->SetHardState(hs);
    } else if (r < 92) {
      const uint64_t durable = store_->durable_index();
      const uint64_t lo = std::max(store_->snapshot_index() + 1, store_->first_index() - 1);
      if (durable < lo) return;
      const uint64_t index = prng_.Range(lo, durable);
      const std::string data = RandomData();
      ASSERT_TRUE(store_->CreateSnapshot(index, kConf, Payload(std::string_view(data))).ok());
      snapshot_ = SnapshotMetadata{index, model_.at(index).term, kConf};
      snapshot_data_ = data;
      auto dropped = store_->Compact(prng_.Range(0, index));
      ASSERT_TRUE(dropped.ok()) << dropped.status();
    } else {
      ++term_;
      raft::Snapshot snapshot;
      snapshot.metadata = SnapshotMetadata{last() + prng_.Range(1, 20), term_, kConf};
      snapshot_data_ = RandomData();
      snapshot.data = Payload(std::string_view(snapshot_data_));
      ASSERT_TRUE(store_->ApplySnapshot(snapshot).ok());
      snapshot_ = snapshot.metadata;
      model_.clear();
    }
  }

  void CrashAndCheck() {
    const uint64_t durable = store_->durable_index();
    const HardState stored = store_->stored_hard_state();
    EXPECT_LE(stored.commit, durable) << "the stored commit passed the durable log";
    fs_.Crash(prng_);
    store_.reset();
    auto reopened = RaftLogStore::Open(fs_, "/n", options_);
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    store_ = *std::move(reopened);

    // The snapshot, exactly.
    auto snapshot = store_->Snapshot();
    ASSERT_TRUE(snapshot.ok());
    EXPECT_EQ(snapshot->metadata.index, snapshot_.index);
    if (snapshot_.index > 0) {
      EXPECT_EQ(snapshot->metadata, snapshot_);
      EXPECT_EQ(snapshot->data, snapshot_data_);
    }

    // Every synced entry, and only entries that were written (never an overwritten one).
    const uint64_t first = *store_->FirstIndex();
    const uint64_t new_last = *store_->LastIndex();
    EXPECT_GE(new_last, durable) << "synced entries were lost";
    EXPECT_GE(new_last, snapshot_.index);
    if (first <= new_last) {
      auto entries = store_->Entries(first, new_last + 1, UINT64_MAX);
      ASSERT_TRUE(entries.ok()) << entries.status();
      ASSERT_EQ(entries->size(), new_last - first + 1);
      for (const Entry& e : *entries) {
        ASSERT_TRUE(model_.count(e.index)) << "entry " << e.index << " was never written";
        EXPECT_EQ(e.term, model_.at(e.index).term) << "entry " << e.index;
        EXPECT_EQ(e.data, model_.at(e.index).data) << "entry " << e.index;
      }
    }
    for (uint64_t i = first - 1; i <= new_last; ++i) {
      auto term = store_->Term(i);
      ASSERT_TRUE(term.ok()) << term.status();
      EXPECT_EQ(*term, i == snapshot_.index ? snapshot_.term : model_.at(i).term);
    }
    model_.erase(model_.upper_bound(new_last), model_.end());

    // The stored hard state, with the documented adjustments only.
    const HardState hs = store_->InitialState()->hard_state;
    const uint64_t last_term = *store_->Term(new_last);
    EXPECT_EQ(hs.commit, std::max(stored.commit, snapshot_.index));
    EXPECT_LE(hs.commit, new_last);
    if (stored.term >= last_term) {
      EXPECT_EQ(hs.term, stored.term);
      EXPECT_EQ(hs.vote, stored.vote);
    } else {
      EXPECT_EQ(hs.term, last_term);
      EXPECT_EQ(hs.vote, kNoNode);
    }
    term_ = std::max(term_, hs.term);
  }

  const uint64_t seed_;
  Prng prng_;
  RaftLogStoreOptions options_;
  storage::SimFilesystem fs_;
  std::unique_ptr<RaftLogStore> store_;
  std::map<uint64_t, ModelEntry> model_;  // what the log holds, synced or not
  SnapshotMetadata snapshot_;
  std::string snapshot_data_;
  uint64_t term_ = 1;
};

TEST(RaftLogStoreCrashTest, ReopenRestoresExactlyTheSyncedState) {
  // Recovery warnings (torn tails, interrupted installs) are expected here.
  LogSink previous = SetLogSink([](LogLevel, std::string_view) {});
  const uint64_t base = storage::CrashSeedBase();
  const uint64_t count = storage::CrashSeedCount(kDefaultSeeds);
  for (uint64_t seed = base; seed < base + count; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed << " (rerun: MQ_CRASH_SEED_BASE=" << seed
                                      << " MQ_CRASH_SEEDS=1)");
    CrashRun run(seed);
    run.Run();
    if (::testing::Test::HasFailure()) break;
  }
  SetLogSink(previous);
}

}  // namespace
}  // namespace mq::raft
