#include "broker/net/group_runner.h"

#include <array>
#include <atomic>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "broker/net/io_pool.h"
#include "broker/net/net_testing.h"
#include "broker/net/peer_transport.h"
#include "broker/net/server.h"
#include "broker/net/ticker.h"
#include "gtest/gtest.h"
#include "storage/fs/filesystem.h"
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

// ---- One replica, ticked by hand ------------------------------------------------------------

class SingleReplicaTest : public ::testing::Test {
 protected:
  SingleReplicaTest() { pool_.Start(); }
  ~SingleReplicaTest() override { pool_.Stop(); }

  std::unique_ptr<GroupRunner> StartRunner(CountingStateMachine* sm) {
    auto runner =
        GroupRunner::Start(pool_.context(), kGroup, storage::PosixFilesystem::Get(), dir_,
                           raft::ConfState{{1}, {}}, Options(1), sm, [](uint64_t, raft::Message m) {
                             ADD_FAILURE() << "a single replica sent " << raft::ToString(m);
                           });
    EXPECT_TRUE(runner.ok()) << runner.status();
    return runner.ok() ? *std::move(runner) : nullptr;
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
      auto runner =
          GroupRunner::Start(pool_.context(), kGroup, storage::PosixFilesystem::Get(),
                             storage::JoinPath(temp_.path(), absl::StrFormat("broker%d", b.id)),
                             raft::ConfState{{1, 2, 3}, {}}, Options(b.id), &b.sm,
                             [transport](uint64_t group, raft::Message m) {
                               uint64_t to = m.to;
                               transport->Send(to, group, std::move(m));
                             });
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

  static std::vector<std::string> Values(std::string_view prefix, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(absl::StrFormat("%s%d", prefix, i));
    return out;
  }

  IoPool pool_{4};
  storage::TempDir temp_;
  Ticker ticker_{pool_.context(), std::chrono::milliseconds(10)};
  std::array<Broker, 3> brokers_;
};

TEST_F(ThreeBrokerTest, ElectsALeaderCommitsEverywhereAndSurvivesAStoppedReplica) {
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
