// Crash property test of the Driver: a 3-node cluster (each node inline or deferred, with or
// without frequent snapshots) under message loss, random persist completions, clean stops and
// power losses of single nodes, checked after every step: the state machines of all nodes, and
// of every incarnation of a node, apply one history (each is a prefix of the longest seen).
// Then everything heals and the cluster must converge and commit a new proposal.
//
// The whole-cluster simulator in tests/sim is the test of record for Raft; this one covers the
// driver and the log store under crashes. Seeds: MQ_CRASH_SEEDS / MQ_CRASH_SEED_BASE.

#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "raft/durable/test_cluster.h"
#include "storage/base/logging.h"
#include "storage/base/prng.h"
#include "storage/file/test_seeds.h"

namespace mq::raft {
namespace {

using durable_test::TestCluster;

constexpr uint64_t kDefaultSeeds = 40;
constexpr int kSteps = 400;

class ClusterRun {
 public:
  explicit ClusterRun(uint64_t seed)
      : prng_(seed), seed_(seed), cluster_(3, [this](NodeId id) {
          DriverOptions options = TestCluster::DefaultOptions(id);
          options.prng_seed = seed_ * 10 + id;
          options.persist_mode = prng_.Chance(1, 2) ? PersistMode::kDeferred : PersistMode::kInline;
          const uint64_t intervals[] = {0, 7, 25};
          options.snapshot_entries_interval = intervals[prng_.Uniform(3)];
          options.snapshot_keep_entries = prng_.Uniform(4);
          options.log.commit_lag_entries_max = prng_.Uniform(3) * 4;
          options.log.segments.segment_bytes_max = prng_.Chance(1, 2) ? 512 : 4096;
          return options;
        }) {
    cluster_.drop = [this](const Message&) { return lossy_ && prng_.Chance(1, 8); };
  }

  void Run() {
    for (int step = 0; step < kSteps; ++step) {
      SCOPED_TRACE(step);
      ASSERT_NO_FATAL_FAILURE(RandomStep());
      ASSERT_NO_FATAL_FAILURE(CheckOneHistory());
    }
    // Liveness: heal, restart everyone, and require a new commit everywhere.
    lossy_ = false;
    for (NodeId id : cluster_.ids()) {
      if (!cluster_.up(id)) {
        ASSERT_NO_FATAL_FAILURE(cluster_.Start(id));
      }
    }
    ASSERT_NE(cluster_.WaitForLeader(500), kNoNode) << "no leader after healing";
    cluster_.ProposeAndCommit("final");
    for (int tick = 0; tick < 20; ++tick) {
      cluster_.TickAll();
      cluster_.Stabilize();
    }
    ASSERT_NO_FATAL_FAILURE(CheckOneHistory());
    for (NodeId id : cluster_.ids()) {
      EXPECT_EQ(cluster_.sm(id).values, history_) << "node " << id << " did not converge";
    }
    EXPECT_EQ(history_.back(), "final");
    for (NodeId id : cluster_.ids()) Count(cluster_.driver(id));
    coverage.values += history_.size();
  }

  // What the runs exercised, summed over seeds (printed, so a vacuous run shows).
  struct Coverage {
    uint64_t crashes = 0;
    uint64_t stops = 0;
    uint64_t snapshots_taken = 0;
    uint64_t snapshots_installed = 0;
    uint64_t values = 0;
  };
  static Coverage coverage;

 private:
  static void Count(const Driver& driver) {
    coverage.snapshots_taken += driver.stats().snapshots_taken;
    coverage.snapshots_installed += driver.stats().snapshots_installed;
  }

  void RandomStep() {
    const uint64_t r = prng_.Uniform(100);
    const std::vector<NodeId> ids = cluster_.ids();
    const NodeId pick = ids[prng_.Uniform(ids.size())];
    if (r < 25) {
      cluster_.TickAll();
    } else if (r < 50) {
      const NodeId leader = cluster_.Leader();
      if (leader != kNoNode) {
        const std::string value = "s" + std::to_string(seed_) + "-" + std::to_string(next_++);
        cluster_.driver(leader).Propose(Payload(std::string_view(value))).IgnoreError();
      }
    } else if (r < 75) {
      cluster_.ProcessAll();
      cluster_.DeliverAll();
    } else if (r < 87) {
      cluster_.ProcessAll();
    } else if (r < 97) {
      if (cluster_.up(pick)) {
        ASSERT_TRUE(cluster_.driver(pick).CompletePersist().ok());
        ASSERT_TRUE(cluster_.driver(pick).ProcessReady().ok());
      }
    } else if (cluster_.up(pick)) {
      Count(cluster_.driver(pick));
      if (r < 99) {
        ++coverage.crashes;
        cluster_.Crash(pick, prng_.Next());
      } else {
        ++coverage.stops;
        cluster_.Stop(pick);
      }
    }
    // Down nodes come back after a while.
    for (NodeId id : ids) {
      if (!cluster_.up(id) && prng_.Chance(1, 15)) {
        ASSERT_NO_FATAL_FAILURE(cluster_.Start(id));
      }
    }
  }

  // Every node's applied values and the longest history seen are prefixes of one another.
  void CheckOneHistory() {
    for (NodeId id : cluster_.ids()) {
      if (!cluster_.up(id)) continue;
      const std::vector<std::string>& values = cluster_.sm(id).values;
      const size_t common = std::min(values.size(), history_.size());
      for (size_t i = 0; i < common; ++i) {
        ASSERT_EQ(values[i], history_[i]) << "node " << id << " applied a different value at "
                                          << "position " << i;
      }
      if (values.size() > history_.size()) history_ = values;
    }
  }

  Prng prng_;
  const uint64_t seed_;
  bool lossy_ = true;
  uint64_t next_ = 0;
  std::vector<std::string> history_;
  TestCluster cluster_;
};

ClusterRun::Coverage ClusterRun::coverage;

TEST(DriverCrashTest, OneHistoryAcrossCrashesRestartsAndSnapshots) {
  LogSink previous = SetLogSink([](LogLevel, std::string_view) {});
  const uint64_t base = storage::CrashSeedBase();
  const uint64_t count = storage::CrashSeedCount(kDefaultSeeds);
  for (uint64_t seed = base; seed < base + count; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed << " (rerun: MQ_CRASH_SEED_BASE=" << seed
                                      << " MQ_CRASH_SEEDS=1)");
    ClusterRun run(seed);
    run.Run();
    if (::testing::Test::HasFailure()) break;
  }
  SetLogSink(previous);
  const ClusterRun::Coverage& c = ClusterRun::coverage;
  std::printf(
      "coverage: %llu seeds x %d steps: %llu crashes, %llu clean stops, %llu snapshots "
      "taken, %llu installed from a leader, %llu values committed\n",
      static_cast<unsigned long long>(count), kSteps, static_cast<unsigned long long>(c.crashes),
      static_cast<unsigned long long>(c.stops), static_cast<unsigned long long>(c.snapshots_taken),
      static_cast<unsigned long long>(c.snapshots_installed),
      static_cast<unsigned long long>(c.values));
  EXPECT_GT(c.crashes, 0u);
  EXPECT_GT(c.snapshots_installed, 0u);
}

}  // namespace
}  // namespace mq::raft
