// Startup errors an operator must get from mqbroker, as one clear line and a non-zero exit:
// a bad flag, a cluster whose other brokers cannot be reached, and a peer that belongs to
// another cluster. Real mqbroker processes on 127.0.0.1.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "client/admin.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/fs/temp_dir.h"
#include "tests/integration/broker_cluster.h"
#include "tests/integration/integration_util.h"

extern char** environ;

namespace mq {
namespace {

using ::testing::HasSubstr;

struct Exit {
  int code = -1;
  std::string stderr_text;
};

// Runs mqbroker with `args` to its exit, stderr captured.
Exit RunBroker(const std::string& args, const std::string& dir) {
  const std::string err = dir + "/stderr.txt";
  const std::string command = absl::StrFormat("%s %s 2> %s > /dev/null", MQBROKER_PATH, args, err);
  const int status = std::system(command.c_str());
  Exit exit;
  if (WIFEXITED(status)) exit.code = WEXITSTATUS(status);
  std::ifstream in(err);
  std::stringstream text;
  text << in.rdbuf();
  exit.stderr_text = text.str();
  return exit;
}

// A broker running in the background until the object dies (SIGKILL).
class BackgroundBroker {
 public:
  explicit BackgroundBroker(std::vector<std::string> args) {
    args.insert(args.begin(), MQBROKER_PATH);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, MQBROKER_PATH, nullptr, nullptr, argv.data(), environ), 0);
  }
  ~BackgroundBroker() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

 private:
  pid_t pid_ = 0;
};

std::string Peers(uint16_t p1, uint16_t p2, uint16_t p3) {
  return absl::StrFormat("1@127.0.0.1:%d,2@127.0.0.1:%d,3@127.0.0.1:%d", p1, p2, p3);
}

TEST(StartupTest, BadFlagIsOneLineAndExitTwo) {
  storage::TempDir dir;
  const Exit exit =
      RunBroker("--id x1 --data " + dir.path() + "/d --peers 1@127.0.0.1:1", dir.path());
  EXPECT_EQ(exit.code, 2);
  EXPECT_EQ(exit.stderr_text, "mqbroker: --id: 'x1' is not a number\n");
}

TEST(StartupTest, UnreachablePeersAreNamedAndTheBrokerExits) {
  storage::TempDir dir;
  const uint16_t p1 = testing::FreePort(), p2 = testing::FreePort(), p3 = testing::FreePort();
  const Exit exit = RunBroker(absl::StrFormat("--id 1 --data %s/b1 --peers %s --peer-wait-ms 1500",
                                              dir.path(), Peers(p1, p2, p3)),
                              dir.path());
  EXPECT_EQ(exit.code, 1);
  EXPECT_THAT(exit.stderr_text, HasSubstr("mqbroker: no majority of the cluster after 1500 ms: "
                                          "1 of 3 brokers reachable, 2 needed"));
  EXPECT_THAT(exit.stderr_text, HasSubstr(absl::StrFormat(
                                    "broker 2 at 127.0.0.1:%d (connect: Connection refused)", p2)));
  EXPECT_THAT(exit.stderr_text, HasSubstr(absl::StrFormat(
                                    "broker 3 at 127.0.0.1:%d (connect: Connection refused)", p3)));
}

TEST(StartupTest, APeerOfAnotherClusterIsAConfigurationError) {
  storage::TempDir dir;
  const uint16_t p1 = testing::FreePort(), p2 = testing::FreePort(), p3 = testing::FreePort();
  // Broker 2 runs, but as a member of cluster 'other'.
  BackgroundBroker other({"--id", "2", "--data", dir.path() + "/b2", "--peers", Peers(p1, p2, p3),
                          "--cluster-id", "other", "--peer-wait-ms", "0"});
  const Exit exit = RunBroker(absl::StrFormat("--id 1 --data %s/b1 --peers %s --peer-wait-ms 20000",
                                              dir.path(), Peers(p1, p2, p3)),
                              dir.path());
  EXPECT_EQ(exit.code, 1);
  EXPECT_THAT(exit.stderr_text, HasSubstr(absl::StrFormat(
                                    "mqbroker: peer broker 2 at 127.0.0.1:%d (Hello refused", p2)));
  EXPECT_THAT(exit.stderr_text, HasSubstr("fix --peers or --cluster-id"));
}

// Once up, `clusterList` shows every replica of every group, whichever broker is asked first:
// the leader's match/lag and each replica's own applied index (the Admin asks every broker).
TEST(StartupTest, ClusterStatusShowsEveryReplica) {
  testing::BrokerCluster cluster(MQBROKER_PATH);
  cluster.StartAll();
  client::ClientOptions options;
  options.servers = cluster.address(3);  // one broker named: the others are found through it
  auto admin = client::Admin::Create(options);
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE(testing::WaitForLeaders(**admin).ok());
  absl::StatusOr<protocol::ClusterStatusResponse> status;
  bool complete = false;
  // Followers learn the commit index with the next heartbeat: allow a few of them.
  for (int attempt = 0; attempt < 50 && !complete; ++attempt) {
    status = (*admin)->ClusterStatus();
    ASSERT_TRUE(status.ok()) << status.status();
    complete = status->groups.size() == 4;
    for (const protocol::GroupStatus& group : status->groups) {
      complete = complete && group.leader_broker_id != 0 && group.replicas.size() == 3;
      for (const protocol::ReplicaStatus& replica : group.replicas) {
        complete = complete && replica.match_index >= 3 && replica.applied_index >= 3 &&
                   replica.lag_entries == 0;
      }
    }
    if (!complete) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(complete) << "groups: " << status->groups.size();
  for (const protocol::BrokerStatus& broker : status->brokers) {
    EXPECT_TRUE(broker.reachable) << broker.broker_id;
  }
  // A broker that is down is reported unreachable, and the rest still answer.
  cluster.Kill(1);
  status = (*admin)->ClusterStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  for (const protocol::BrokerStatus& broker : status->brokers) {
    EXPECT_EQ(broker.reachable, broker.broker_id != 1) << broker.broker_id;
  }
  if (HasFailure()) cluster.DumpLogs();
}

// The positive path (a majority reachable, the broker serves) is every other integration test:
// e.g. failover_test restarts a killed broker while the two others run.

}  // namespace
}  // namespace mq
