// The Raft log on the real disk: a 3-node group in one process, each node a Driver (persist
// -> send -> apply -> advance, raft/durable/driver.h) on its own RaftLogStore directory under
// $RAFTMQ_BENCH_DIR (default ./bench_data), with real fdatasyncs.
//
// Each node runs on its own thread, as the broker runs a group on one strand per broker: it
// drains its inbox (messages from the other two), steps them, runs ProcessReady and then
// CompletePersist (PersistMode::kDeferred: the leader sends its appends before its own
// fdatasync, so the three fdatasyncs of a round overlap). Messages cross threads through a
// mutex-protected inbox per node; ticks come every kTickMs of wall time.
//
// Load: `proposers` closed-loop clients on the leader, each with one 1 KiB proposal
// outstanding: when its entry is applied on the leader (committed), it proposes the next one at
// once. Proposals that arrive while an fdatasync runs share the next one (group commit).
// Reported over a window after a warm-up:
//   entries_per_s     committed entries per second (applied on the leader)
//   p50_us, p99_us    commit latency: Propose on the leader -> applied on the leader
//   entries_per_sync  committed entries per fdatasync of the leader's log (group commit)
//   syncs_per_s       fdatasyncs of the leader's log per second
//   follower_syncs_per_s  the same on a follower (mean of the two)
// bench/raft/run.sh runs this beside fio's 4 KiB fdatasync rate on the same disk.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "raft/durable/driver.h"
#include "raft/types.h"
#include "storage/base/status_macros.h"
#include "storage/fs/posix_filesystem.h"

namespace mq::raft {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kEntryBytes = 1024;
constexpr NodeId kLeader = 1;
constexpr int kNodes = 3;
constexpr auto kTick = std::chrono::milliseconds(10);
// 2-4 s of silence before a follower campaigns: a slow fdatasync on a busy shared disk must
// not look like a dead leader.
constexpr int kElectionTimeoutTicks = 200;
constexpr auto kWarmup = std::chrono::milliseconds(500);
constexpr auto kMeasure = std::chrono::milliseconds(2000);

std::string BenchDir(const std::string& name) {
  const char* base = std::getenv("RAFTMQ_BENCH_DIR");
  std::string dir = std::string(base != nullptr ? base : "./bench_data") + "/" + name;
  std::filesystem::remove_all(dir);
  MQ_CHECK_OK(storage::PosixFilesystem::Get().CreateDirs(dir));
  return dir;
}

// A node's incoming messages, pushed by the other nodes' threads.
class Inbox {
 public:
  void Push(Message m) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(m));
    }
    cv_.notify_one();
  }

  // Moves everything queued into `out`. With a deadline, first waits until something is
  // queued, the deadline passes or Wake() is called.
  void TakeAll(std::vector<Message>* out, const Clock::time_point* deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    if (deadline != nullptr) {
      cv_.wait_until(lock, *deadline, [this] { return !queue_.empty() || woken_; });
      woken_ = false;
    }
    for (Message& m : queue_) out->push_back(std::move(m));
    queue_.clear();
  }

  void Wake() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      woken_ = true;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Message> queue_;
  bool woken_ = false;
};

class InboxTransport final : public Transport {
 public:
  explicit InboxTransport(Inbox* inboxes) : inboxes_(inboxes) {}
  void Send(Message message) override {
    const NodeId to = message.to;
    inboxes_[to - 1].Push(std::move(message));
  }

 private:
  Inbox* inboxes_;
};

// The closed-loop clients of the leader. Lives on the leader's thread (called from Apply).
class Proposers {
 public:
  Proposers(int count, bool* measuring) : count_(count), measuring_(measuring) {}

  void Start(Driver* driver) {
    driver_ = driver;
    for (int i = 0; i < count_; ++i) ProposeOne();
  }

  // An entry committed and applied on the leader.
  void OnApplied(const Entry& e) {
    if (outstanding_.empty() || outstanding_.front().index != e.index) return;  // a no-op
    const auto latency = Clock::now() - outstanding_.front().proposed;
    outstanding_.pop_front();
    if (*measuring_) {
      latencies_us_.push_back(static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(latency).count()));
    }
    ProposeOne();
  }

  std::vector<uint32_t>& latencies_us() { return latencies_us_; }

 private:
  struct Outstanding {
    uint64_t index;
    Clock::time_point proposed;
  };

  void ProposeOne() {
    const Clock::time_point now = Clock::now();
    absl::StatusOr<uint64_t> index = driver_->Propose(Payload(std::string_view(bytes_)));
    MQ_CHECK_MSG(index.ok(), "raft_disk_bench: the leader refused a proposal (lost leadership?)");
    outstanding_.push_back(Outstanding{*index, now});
  }

  const int count_;
  bool* const measuring_;
  const std::string bytes_ = std::string(kEntryBytes, 'x');
  Driver* driver_ = nullptr;
  std::deque<Outstanding> outstanding_;
  std::vector<uint32_t> latencies_us_;
};

class CountingStateMachine final : public StateMachine {
 public:
  explicit CountingStateMachine(Proposers* proposers) : proposers_(proposers) {}

  absl::Status Apply(const Entry& entry) override {
    if (entry.type != EntryType::kNormal || entry.data.empty()) return absl::OkStatus();
    ++applied_;
    if (proposers_ != nullptr) proposers_->OnApplied(entry);
    return absl::OkStatus();
  }
  absl::StatusOr<Payload> Snapshot() override { return Payload(); }
  absl::Status Restore(const raft::Snapshot&) override { return absl::OkStatus(); }

  uint64_t applied() const { return applied_; }

 private:
  Proposers* const proposers_;
  uint64_t applied_ = 0;
};

// What one node's thread saw over the measurement window.
struct Window {
  Clock::time_point start, end;
  // fdatasyncs of the log (RaftLogStore::Sync that had entries to sync).
  uint64_t log_syncs_at_start = 0, log_syncs_at_end = 0;
  uint64_t applied_at_start = 0, applied_at_end = 0;
};

class DiskCluster {
 public:
  DiskCluster(int proposers, const std::string& dir)
      : proposers_(proposers, &leader_measuring_), transport_(inboxes_) {
    ConfState founding;
    founding.voters = {1, 2, 3};
    for (int i = 0; i < kNodes; ++i) {
      const NodeId id = static_cast<NodeId>(i + 1);
      machines_[i] = std::make_unique<CountingStateMachine>(id == kLeader ? &proposers_ : nullptr);
      DriverOptions options;
      options.raft.id = id;
      options.raft.election_timeout_ticks = kElectionTimeoutTicks;
      options.raft.heartbeat_timeout_ticks = 1;
      options.persist_mode = PersistMode::kDeferred;
      options.prng_seed = 100 + id;
      options.snapshot_entries_interval = 0;  // the log is what is measured, not snapshots
      auto driver =
          Driver::Bootstrap(storage::PosixFilesystem::Get(), dir + "/n" + std::to_string(id),
                            founding, options, machines_[i].get(), &transport_);
      MQ_CHECK_OK(driver.status());
      drivers_[i] = *std::move(driver);
    }
  }

  // Single-threaded, before the node threads start: ticks node 1 alone until it leads and has
  // committed an entry of its term, so the other nodes never campaign.
  void ElectLeader() {
    Driver& leader = *drivers_[kLeader - 1];
    // The founding configuration entries are committed from the start; wait for the new
    // leader's own first entry.
    const uint64_t founded = leader.node().committed();
    while (!leader.node().is_leader() || leader.node().committed() <= founded) {
      if (!leader.node().is_leader()) leader.Tick();
      for (int i = 0; i < kNodes; ++i) RunOnce(i, nullptr);
    }
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < kNodes; ++i) RunOnce(i, nullptr);
    }
    MQ_CHECK(leader.node().is_leader());
  }

  // Runs the group for a warm-up, then the measurement window; joins the threads.
  void Run() {
    for (int i = 0; i < kNodes; ++i) {
      threads_.emplace_back([this, i] { NodeLoop(i); });
    }
    std::this_thread::sleep_for(kWarmup);
    phase_.store(1);
    std::this_thread::sleep_for(kMeasure);
    phase_.store(2);
    for (int i = 0; i < kNodes; ++i) inboxes_[i].Wake();
    for (std::thread& t : threads_) t.join();
    for (int i = 0; i < kNodes; ++i) MQ_CHECK_OK(drivers_[i]->Close());
  }

  const Window& window(int i) const { return windows_[i]; }
  std::vector<uint32_t>& latencies_us() { return proposers_.latencies_us(); }
  uint64_t leader_term_changes() const { return term_changes_; }

 private:
  // One pass of a node's loop: steps what arrived, runs Ready cycles, syncs once for them.
  // Returns whether writes are still waiting for a sync (new proposals made while applying).
  bool RunOnce(int i, const Clock::time_point* deadline) {
    Driver& d = *drivers_[i];
    std::vector<Message>& batch = batches_[i];
    batch.clear();
    inboxes_[i].TakeAll(&batch, deadline);
    for (Message& m : batch) {
      absl::Status s = d.Step(std::move(m));
      MQ_CHECK_MSG(s.ok(), "raft_disk_bench: a node refused a message");
    }
    MQ_CHECK_OK(d.ProcessReady());
    if (d.persists_pending() > 0) {
      MQ_CHECK_OK(d.CompletePersist());
      MQ_CHECK_OK(d.ProcessReady());
    }
    return d.persists_pending() > 0;
  }

  void NodeLoop(int i) {
    Driver& d = *drivers_[i];
    const uint64_t term = d.node().term();
    if (i == kLeader - 1) proposers_.Start(&d);
    Clock::time_point next_tick = Clock::now() + kTick;
    bool busy = true;
    int seen_phase = 0;
    while (true) {
      const int phase = phase_.load();
      if (phase != seen_phase) {
        Window& w = windows_[i];
        if (phase == 1) {
          w.start = Clock::now();
          w.log_syncs_at_start = d.log().stats().syncs;
          w.applied_at_start = machines_[i]->applied();
          if (i == kLeader - 1) leader_measuring_ = true;
        } else {
          w.end = Clock::now();
          w.log_syncs_at_end = d.log().stats().syncs;
          w.applied_at_end = machines_[i]->applied();
          if (i == kLeader - 1) leader_measuring_ = false;
          break;
        }
        seen_phase = phase;
      }
      if (Clock::now() >= next_tick) {
        d.Tick();
        next_tick += kTick;
      }
      busy = RunOnce(i, busy ? nullptr : &next_tick);
    }
    if (i == kLeader - 1 && (d.node().term() != term || !d.node().is_leader())) ++term_changes_;
  }

  bool leader_measuring_ = false;  // read and written on the leader's thread only
  Proposers proposers_;
  Inbox inboxes_[kNodes];
  InboxTransport transport_;
  std::unique_ptr<CountingStateMachine> machines_[kNodes];
  std::unique_ptr<Driver> drivers_[kNodes];
  std::vector<Message> batches_[kNodes];
  std::vector<std::thread> threads_;
  std::atomic<int> phase_{0};
  Window windows_[kNodes];
  uint64_t term_changes_ = 0;
};

uint32_t Percentile(std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t at = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
  return sorted[at];
}

void BM_DiskCommit(benchmark::State& state) {
  const int proposers = static_cast<int>(state.range(0));
  const std::string dir = BenchDir("raft_disk");
  for (auto _ : state) {
    DiskCluster cluster(proposers, dir);
    cluster.ElectLeader();
    cluster.Run();
    MQ_CHECK_MSG(cluster.leader_term_changes() == 0, "raft_disk_bench: leadership changed");

    const Window& w = cluster.window(kLeader - 1);
    const double seconds = std::chrono::duration<double>(w.end - w.start).count();
    const double entries = static_cast<double>(w.applied_at_end - w.applied_at_start);
    const double syncs = static_cast<double>(w.log_syncs_at_end - w.log_syncs_at_start);
    double follower_syncs = 0;
    for (int i = 0; i < kNodes; ++i) {
      if (i == kLeader - 1) continue;
      const Window& f = cluster.window(i);
      follower_syncs += static_cast<double>(f.log_syncs_at_end - f.log_syncs_at_start) /
                        std::chrono::duration<double>(f.end - f.start).count();
    }
    std::vector<uint32_t>& lat = cluster.latencies_us();
    std::sort(lat.begin(), lat.end());
    state.SetIterationTime(seconds);
    state.counters["entries_per_s"] = entries / seconds;
    state.counters["p50_us"] = Percentile(lat, 0.50);
    state.counters["p99_us"] = Percentile(lat, 0.99);
    state.counters["entries_per_sync"] = syncs > 0 ? entries / syncs : 0;
    state.counters["syncs_per_s"] = syncs / seconds;
    state.counters["follower_syncs_per_s"] = follower_syncs / (kNodes - 1);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_DiskCommit)
    ->ArgName("proposers")
    ->Arg(1)
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mq::raft

BENCHMARK_MAIN();
