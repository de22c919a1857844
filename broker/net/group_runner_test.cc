#include "broker/net/group_runner.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "asio/io_context.hpp"
#include "broker/net/io_pool.h"
#include "broker/net/net_testing.h"
#include "broker/net/peer_transport.h"
#include "broker/net/server.h"
#include "broker/net/ticker.h"
#include "gtest/gtest.h"
#include "storage/fs/filesystem.h"
#include "storage/fs/forwarding_filesystem.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/temp_dir.h"

namespace mq::broker::net {
namespace {

using testing::WaitFor;

constexpr uint64_t kGroup = 1;

// Records the distinct payloads applied (proposals may be retried, so duplicates collapse);
// its snapshot is that set. Read from the test thread, hence the mutex.
class CountingStateMachine final : public raft::StateMachine {
 public:
  absl::Status Apply(const raft::Entry& entry) override {
    if (fail_apply) return absl::InternalError("apply failure injected by the test");
    if (entry.type != raft::EntryType::kNormal || entry.data.empty()) return absl::OkStatus();
    std::lock_guard<std::mutex> lock(mu_);
    values_.insert(std::string(entry.data.view()));
    return absl::OkStatus();
  }
  absl::StatusOr<raft::Payload> Snapshot() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const std::string& v : values_) out += v + "\n";
    return raft::Payload(std::move(out));
  }
  absl::Status Restore(const raft::Snapshot& snapshot) override {
    std::lock_guard<std::mutex> lock(mu_);
    values_.clear();
    std::string_view data = snapshot.data.view();
    while (!data.empty()) {
      size_t nl = data.find('\n');
      if (nl == std::string_view::npos) return absl::DataLossError("bad snapshot");
      values_.insert(std::string(data.substr(0, nl)));
      data.remove_prefix(nl + 1);
    }
    return absl::OkStatus();
  }
  void OnSoftState(const raft::SoftState& state) override {
    is_leader = state.role == raft::Role::kLeader;
  }

  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return values_.size();
  }
  bool Has(const std::string& value) {
    std::lock_guard<std::mutex> lock(mu_);
    return values_.count(value) != 0;
  }

  std::atomic<bool> is_leader{false};
  std::atomic<bool> fail_apply{false};

 private:
  std::mutex mu_;
  std::set<std::string> values_;
};

raft::DriverOptions Options(uint64_t id) {
  raft::DriverOptions options;
  options.raft.id = id;
  options.raft.election_timeout_ticks = 10;
  options.raft.heartbeat_timeout_ticks = 1;
  options.prng_seed = 100 + id;
  return options;
}

raft::DriverOptions DeferredOptions(uint64_t id) {
  raft::DriverOptions options = Options(id);
  options.persist_mode = raft::PersistMode::kDeferred;
  return options;
}

// The real filesystem, except that while armed the fdatasync of a log segment (.seg) blocks
// until released: a disk sync held in flight, to stop the runner meanwhile. Counts what
// touched a log segment from other threads while one sync was blocked.
class GatedFilesystem final : public storage::ForwardingFilesystem {
 public:
  GatedFilesystem() : ForwardingFilesystem(storage::PosixFilesystem::Get()) {}
  void Arm() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = true;
  }
  bool blocked() {
    std::lock_guard<std::mutex> lock(mu_);
    return blocked_;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = false;
    cv_.notify_all();
  }
  int touched_while_blocked() {
    std::lock_guard<std::mutex> lock(mu_);
    return touched_while_blocked_;
  }

  absl::StatusOr<std::unique_ptr<storage::File>> Open(const std::string& path,
                                                      storage::OpenMode mode) override {
    auto file = base().Open(path, mode);
    if (!file.ok() || !absl::EndsWith(path, ".seg")) return file;
    return std::unique_ptr<storage::File>(new GatedFile(this, *std::move(file)));
  }

 private:
  class GatedFile final : public storage::ForwardingFile {
   public:
    GatedFile(GatedFilesystem* fs, std::unique_ptr<storage::File> base)
        : ForwardingFile(std::move(base)), fs_(fs) {}
    ~GatedFile() override { fs_->Touch(); }
    absl::Status WriteAt(uint64_t offset, std::string_view data) override {
      fs_->Touch();
      return ForwardingFile::WriteAt(offset, data);
    }
    absl::Status Sync() override {
      fs_->Gate();
      return ForwardingFile::Sync();
    }
    absl::Status Truncate(uint64_t size) override {
      fs_->Touch();
      return ForwardingFile::Truncate(size);
    }

   private:
    GatedFilesystem* const fs_;
  };

  // A sync blocks while armed; any other sync or change meanwhile is counted.
  void Gate() {
    std::unique_lock<std::mutex> lock(mu_);
    if (blocked_) {
      ++touched_while_blocked_;
      return;
    }
    if (!armed_) return;
    blocked_ = true;
    cv_.wait(lock, [this] { return !armed_; });
    blocked_ = false;
  }
  void Touch() {
    std::lock_guard<std::mutex> lock(mu_);
    if (blocked_) ++touched_while_blocked_;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool blocked_ = false;
  int touched_while_blocked_ = 0;
};

// ---- One replica, ticked by hand ------------------------------------------------------------

class SingleReplicaTest : public ::testing::Test {
 protected:
  SingleReplicaTest() { pool_.Start(); }
  ~SingleReplicaTest() override { pool_.Stop(); }

  // kInline without `disk`, kDeferred with it.
  std::unique_ptr<GroupRunner> StartRunner(
      CountingStateMachine* sm, GroupRunner::DiskExecutor disk = {},
      storage::Filesystem& fs = storage::PosixFilesystem::Get()) {
    auto runner = GroupRunner::Start(
        pool_.context(), kGroup, fs, dir_, raft::ConfState{{1}, {}},
        disk ? DeferredOptions(1) : Options(1), sm,
        [](uint64_t, raft::Message m) {
          ADD_FAILURE() << "a single replica sent " << raft::ToString(m);
        },
        disk);
    EXPECT_TRUE(runner.ok()) << runner.status();
    return runner.ok() ? *std::move(runner) : nullptr;
  }

  // Runs `fn` on the runner's strand and waits for it.
  void OnStrand(GroupRunner& runner, std::function<void(raft::Driver&)> fn) {
    std::atomic<bool> done{false};
    runner.Post([&](raft::Driver& driver) {
      fn(driver);
      done = true;
    });
    ASSERT_TRUE(WaitFor([&] { return done.load(); }));
  }

  // Ticks until the replica leads.
  void WaitLeader(GroupRunner& runner, CountingStateMachine& sm) {
    ASSERT_TRUE(WaitFor([&] {
      runner.Tick();
      return sm.is_leader.load();
    }));
  }

  void Propose(GroupRunner& runner, const std::string& value) {
    runner.Post([value](raft::Driver& driver) {
      EXPECT_TRUE(driver.Propose(raft::Payload(std::string_view(value))).ok());
    });
  }

  IoPool pool_{2};
  storage::TempDir temp_;
  std::string dir_ = storage::JoinPath(temp_.path(), "g1");
};

TEST_F(SingleReplicaTest, BootstrapsThenReopensAndReapplies) {
  {
    CountingStateMachine sm;
    auto runner = StartRunner(&sm);
    ASSERT_NE(runner, nullptr);
    WaitLeader(*runner, sm);
    for (int i = 0; i < 20; ++i) Propose(*runner, absl::StrFormat("v%d", i));
    ASSERT_TRUE(WaitFor([&] { return sm.count() == 20; }));
    EXPECT_TRUE(runner->Stop().ok());
    EXPECT_FALSE(runner->running());
    EXPECT_TRUE(runner->Stop().ok());  // idempotent
    // Work after Stop is dropped, not run.
    std::atomic<bool> ran{false};
    runner->Post([&](raft::Driver&) { ran = true; });
    runner->Tick();
    EXPECT_TRUE(runner->Stop().ok());
    EXPECT_FALSE(ran.load());
  }
  {
    // The directory is bootstrapped now: Start opens it and the committed entries are applied
    // to the fresh state machine again.
    CountingStateMachine sm;
    auto runner = StartRunner(&sm);
    ASSERT_NE(runner, nullptr);
    ASSERT_TRUE(WaitFor([&] { return sm.count() == 20; }));
    EXPECT_TRUE(sm.Has("v19"));
    WaitLeader(*runner, sm);
    Propose(*runner, "after-restart");
    ASSERT_TRUE(WaitFor([&] { return sm.Has("after-restart"); }));
  }
}

TEST_F(SingleReplicaTest, ABrokenDriverStopsTheRunner) {
  CountingStateMachine sm;
  auto runner = StartRunner(&sm);
  ASSERT_NE(runner, nullptr);
  WaitLeader(*runner, sm);
  sm.fail_apply = true;
  Propose(*runner, "poison");
  ASSERT_TRUE(WaitFor([&] { return !runner->running(); }));
  absl::Status stopped = runner->Stop();
  EXPECT_FALSE(stopped.ok());
  EXPECT_NE(std::string(stopped.message()).find("group 1"), std::string::npos) << stopped;
}

TEST_F(SingleReplicaTest, StartReportsABadDirectoryWithTheGroup) {
  CountingStateMachine sm;
  // The directory's parent is a regular file.
  std::string blocker = storage::JoinPath(temp_.path(), "blocker");
  std::ofstream(blocker) << "not a directory";
  auto runner = GroupRunner::Start(pool_.context(), 3, storage::PosixFilesystem::Get(),
                                   storage::JoinPath(blocker, "g3"), raft::ConfState{{1}, {}},
                                   Options(1), &sm, [](uint64_t, raft::Message) {});
  ASSERT_FALSE(runner.ok());
  EXPECT_NE(std::string(runner.status().message()).find("group 3"), std::string::npos)
      << runner.status();
}

// ---- Deferred persistence: log syncs on a disk executor ---------------------------------------

TEST_F(SingleReplicaTest, DeferredSyncsOnTheDiskExecutorCommitAndReopen) {
  IoPool disk(1);
  disk.Start();
  {
    CountingStateMachine sm;
    auto runner = StartRunner(&sm, disk.context().get_executor());
    ASSERT_NE(runner, nullptr);
    WaitLeader(*runner, sm);
    for (int i = 0; i < 200; ++i) Propose(*runner, absl::StrFormat("v%d", i));
    ASSERT_TRUE(WaitFor([&] { return sm.count() == 200; }));
    OnStrand(*runner, [](raft::Driver& driver) {
      EXPECT_GT(driver.stats().durable_completions, 0u);
      EXPECT_GT(driver.log().stats().syncs, 0u);
      EXPECT_EQ(driver.stats().syncs, 0u);  // no sync on the strand
    });
    EXPECT_TRUE(runner->Stop().ok());
  }
  {
    CountingStateMachine sm;
    auto runner = StartRunner(&sm, disk.context().get_executor());
    ASSERT_NE(runner, nullptr);
    ASSERT_TRUE(WaitFor([&] { return sm.count() == 200; }));
    WaitLeader(*runner, sm);
    Propose(*runner, "after-restart");
    ASSERT_TRUE(WaitFor([&] { return sm.Has("after-restart"); }));
    EXPECT_TRUE(runner->Stop().ok());
  }
  disk.Stop();
}

TEST_F(SingleReplicaTest, DeferredPersistenceNeedsADiskExecutor) {
  CountingStateMachine sm;
  auto runner = GroupRunner::Start(pool_.context(), 4, storage::PosixFilesystem::Get(), dir_,
                                   raft::ConfState{{1}, {}}, DeferredOptions(1), &sm,
                                   [](uint64_t, raft::Message) {});
  ASSERT_FALSE(runner.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(runner.status()));
  EXPECT_NE(std::string(runner.status().message()).find("group 4"), std::string::npos)
      << runner.status();
}

TEST_F(SingleReplicaTest, StopWaitsForADiskSyncInFlightBeforeClosing) {
  IoPool disk(1);
  disk.Start();
  GatedFilesystem fs;
  {
    CountingStateMachine sm;
    auto runner = StartRunner(&sm, disk.context().get_executor(), fs);
    ASSERT_NE(runner, nullptr);
    WaitLeader(*runner, sm);
    Propose(*runner, "before");
    ASSERT_TRUE(WaitFor([&] { return sm.Has("before"); }));

    fs.Arm();
    Propose(*runner, "in-flight");
    ASSERT_TRUE(WaitFor([&] { return fs.blocked(); }));  // its fdatasync, on the disk thread
    std::atomic<bool> stopped{false};
    absl::Status stop_status;
    std::thread stopper([&] {
      stop_status = runner->Stop();
      stopped = true;
    });
    ASSERT_TRUE(WaitFor([&] { return !runner->running(); }));
    // Close cannot start while the sync runs: the log is untouched, Stop has not returned.
    EXPECT_FALSE(stopped.load());
    EXPECT_EQ(fs.touched_while_blocked(), 0);
    fs.Release();
    stopper.join();
    EXPECT_TRUE(stop_status.ok()) << stop_status;
    EXPECT_EQ(fs.touched_while_blocked(), 0);
  }
  {
    // Nothing was lost: Close completed the entry, and the new term commits it.
    CountingStateMachine sm;
    auto runner = StartRunner(&sm, disk.context().get_executor());
    ASSERT_NE(runner, nullptr);
    WaitLeader(*runner, sm);
    ASSERT_TRUE(WaitFor([&] { return sm.Has("in-flight"); }));
    EXPECT_TRUE(runner->Stop().ok());
  }
  disk.Stop();
}

TEST_F(SingleReplicaTest, StopDoesNotNeedTheDiskExecutorToRun) {
  asio::io_context disk;
  auto work = asio::make_work_guard(disk);
  std::thread disk_thread([&] { disk.run(); });
  CountingStateMachine sm;
  auto runner = StartRunner(&sm, disk.get_executor());
  ASSERT_NE(runner, nullptr);
  WaitLeader(*runner, sm);
  Propose(*runner, "a");
  ASSERT_TRUE(WaitFor([&] { return sm.Has("a"); }));
  disk.stop();  // the disk thread stops: syncs now stay queued
  disk_thread.join();
  Propose(*runner, "b");
  // Its cycle has run (a ProcessReady follows the last input of a burst) and waits for a sync.
  ASSERT_TRUE(WaitFor([&] {
    size_t pending = 0;
    OnStrand(*runner, [&](raft::Driver& driver) { pending = driver.persists_pending(); });
    return pending == 1;
  }));
  EXPECT_TRUE(runner->Stop().ok());  // Close completes "b" itself
  runner.reset();
  // The queued sync runs after Close: it must leave the closed driver alone.
  disk.restart();
  work.reset();
  disk.run();
  // "b" is durable: a reopened replica commits it.
  IoPool disk2(1);
  disk2.Start();
  CountingStateMachine sm2;
  auto reopened = StartRunner(&sm2, disk2.context().get_executor());
  ASSERT_NE(reopened, nullptr);
  WaitLeader(*reopened, sm2);
  ASSERT_TRUE(WaitFor([&] { return sm2.Has("b"); }));
  EXPECT_TRUE(reopened->Stop().ok());
  disk2.Stop();
}

// ---- Three brokers over loopback TCP --------------------------------------------------------

struct Broker {
  uint64_t id = 0;
  std::unique_ptr<Server> server;
  std::unique_ptr<PeerTransport> transport;
  CountingStateMachine sm;
  std::atomic<GroupRunner*> runner_ptr{nullptr};
  std::unique_ptr<GroupRunner> runner;
};

class ThreeBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_.Start();
    disk_.Start();
    for (int i = 0; i < 3; ++i) {
      Broker& b = brokers_[i];
      b.id = static_cast<uint64_t>(i + 1);
      ServerOptions options;
      options.host = "127.0.0.1";
      options.broker_id = b.id;
      options.cluster_id = "raft-test";
      b.server =
          std::make_unique<Server>(pool_.context(), options, nullptr,
                                   [&b](uint64_t, std::vector<raft::wire::GroupMessage> messages) {
                                     GroupRunner* runner = b.runner_ptr.load();
                                     if (runner == nullptr) return;
                                     for (auto& gm : messages) {
                                       if (gm.group_id == kGroup)
                                         runner->Step(std::move(gm.message));
                                     }
                                   });
      ASSERT_TRUE(b.server->Start().ok());
    }
    for (Broker& b : brokers_) {
      PeerTransportOptions options;
      options.broker_id = b.id;
      options.cluster_id = "raft-test";
      b.transport = std::make_unique<PeerTransport>(pool_.context(), options);
      for (Broker& other : brokers_) {
        if (other.id == b.id) continue;
        ASSERT_TRUE(
            b.transport->AddPeer(other.id, absl::StrFormat("127.0.0.1:%d", other.server->port()))
                .ok());
      }
    }
    for (Broker& b : brokers_) {
      PeerTransport* transport = b.transport.get();
      auto runner = GroupRunner::Start(
          pool_.context(), kGroup, storage::PosixFilesystem::Get(),
          storage::JoinPath(temp_.path(), absl::StrFormat("broker%d", b.id)),
          raft::ConfState{{1, 2, 3}, {}}, deferred_ ? DeferredOptions(b.id) : Options(b.id), &b.sm,
          [transport](uint64_t group, raft::Message m) {
            uint64_t to = m.to;
            transport->Send(to, group, std::move(m));
          },
          deferred_ ? GroupRunner::DiskExecutor(disk_.context().get_executor())
                    : GroupRunner::DiskExecutor());
      ASSERT_TRUE(runner.ok()) << runner.status();
      b.runner = *std::move(runner);
      b.runner_ptr = b.runner.get();
      ticker_.Add(b.runner.get());
    }
    ticker_.Start();
  }

  void TearDown() override {
    ticker_.Stop();
    for (Broker& b : brokers_) {
      if (b.runner) ticker_.Remove(b.runner.get());
    }
    for (Broker& b : brokers_) {
      if (b.runner) {
        EXPECT_TRUE(b.runner->Stop().ok());
      }
    }
    for (Broker& b : brokers_) {
      if (b.transport) b.transport->Stop();
      if (b.server) b.server->Stop();
    }
    disk_.Stop();
    pool_.Stop();
  }

  // The leader among the running replicas, or null.
  Broker* Leader() {
    for (Broker& b : brokers_) {
      if (b.runner && b.runner->running() && b.sm.is_leader.load()) return &b;
    }
    return nullptr;
  }

  // Proposes every value at the current leader until all `live` replicas applied them all
  // (a proposal lost to a leader change is proposed again; the state machine ignores repeats).
  void CommitEverywhere(const std::vector<std::string>& values, const std::vector<Broker*>& live) {
    auto all_applied = [&] {
      for (Broker* b : live) {
        for (const std::string& v : values) {
          if (!b->sm.Has(v)) return false;
        }
      }
      return true;
    };
    for (int round = 0; round < 20 && !all_applied(); ++round) {
      Broker* leader = nullptr;
      ASSERT_TRUE(WaitFor([&] { return (leader = Leader()) != nullptr; }));
      std::vector<std::string> missing;
      for (const std::string& v : values) {
        if (!leader->sm.Has(v)) missing.push_back(v);
      }
      // One Post per proposal: they arrive as a burst and share Ready cycles (group commit).
      for (const std::string& v : missing) {
        leader->runner->Post([v](raft::Driver& driver) {
          (void)driver.Propose(raft::Payload(std::string_view(v)));
        });
      }
      WaitFor(all_applied, std::chrono::seconds(10));
    }
    ASSERT_TRUE(all_applied());
  }

  void ElectCommitAndSurviveAStoppedReplica();

  static std::vector<std::string> Values(std::string_view prefix, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(absl::StrFormat("%s%d", prefix, i));
    return out;
  }

  IoPool pool_{4};
  // The disk threads of every broker's group, when deferred_ (kDeferred persistence).
  IoPool disk_{2};
  bool deferred_ = false;
  storage::TempDir temp_;
  Ticker ticker_{pool_.context(), std::chrono::milliseconds(10)};
  std::array<Broker, 3> brokers_;
};

// The same cluster with kDeferred persistence: every log sync on the disk threads.
class ThreeBrokerDeferredTest : public ThreeBrokerTest {
 protected:
  ThreeBrokerDeferredTest() { deferred_ = true; }
};

TEST_F(ThreeBrokerTest, ElectsALeaderCommitsEverywhereAndSurvivesAStoppedReplica) {
  ElectCommitAndSurviveAStoppedReplica();
}

TEST_F(ThreeBrokerDeferredTest, ElectsALeaderCommitsEverywhereAndSurvivesAStoppedReplica) {
  ElectCommitAndSurviveAStoppedReplica();
}

void ThreeBrokerTest::ElectCommitAndSurviveAStoppedReplica() {
  std::vector<Broker*> all{&brokers_[0], &brokers_[1], &brokers_[2]};
  CommitEverywhere(Values("a", 1000), all);
  for (Broker* b : all) EXPECT_EQ(b->sm.count(), 1000u) << "broker " << b->id;

  // Stop the leader's runner: the other two elect a new leader and keep committing.
  Broker* leader = nullptr;
  ASSERT_TRUE(WaitFor([&] { return (leader = Leader()) != nullptr; }));
  ticker_.Remove(leader->runner.get());
  EXPECT_TRUE(leader->runner->Stop().ok());
  std::vector<Broker*> live;
  for (Broker* b : all) {
    if (b != leader) live.push_back(b);
  }
  CommitEverywhere(Values("b", 100), live);
  for (Broker* b : live) EXPECT_EQ(b->sm.count(), 1100u) << "broker " << b->id;
  EXPECT_EQ(leader->sm.count(), 1000u);

  // Heartbeats of the group crossed as peer batches on every link.
  for (Broker* b : live) {
    for (Broker* other : all) {
      if (other == b) continue;
      EXPECT_GT(b->transport->stats(other->id).batches_sent, 0u);
    }
  }
}

}  // namespace
}  // namespace mq::broker::net
