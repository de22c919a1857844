#include "broker/node/peer_wait.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mq::broker {
namespace {

using ::testing::HasSubstr;

ClusterConfig Cluster(int brokers) {
  std::vector<BrokerAddress> list;
  for (int id = 1; id <= brokers; ++id) {
    list.push_back(
        {.id = static_cast<uint64_t>(id), .address = "127.0.0.1:" + std::to_string(9870 + id)});
  }
  auto config = MakeClusterConfig("test", std::move(list), 3);
  EXPECT_TRUE(config.ok()) << config.status();
  return *config;
}

// Links whose state a test sets; sleeping advances the manual clock and counts polls.
struct Fixture {
  ManualClock clock;
  std::map<uint64_t, PeerLinkState> links;
  int sleeps = 0;
  std::function<void(uint64_t polls)> on_poll = [](uint64_t) {};

  absl::Status Wait(const ClusterConfig& config, uint64_t self,
                    PeerWaitOptions options = {.timeout = std::chrono::milliseconds(1000)}) {
    return WaitForPeerQuorum(
        config, self, [&](uint64_t id) { return links[id]; }, options, clock,
        [&](std::chrono::milliseconds ms) {
          ++sleeps;
          clock.Advance(ms.count() * 1000000);
          on_poll(sleeps);
        });
  }
};

TEST(PeerWaitTest, MajorityConnectedReturnsAtOnce) {
  Fixture f;
  f.links[2].connected = true;  // 1 (self) + 2 = 2 of 3
  EXPECT_TRUE(f.Wait(Cluster(3), 1).ok());
  EXPECT_EQ(f.sleeps, 0);
}

TEST(PeerWaitTest, SingleBrokerNeedsNoPeer) {
  Fixture f;
  EXPECT_TRUE(f.Wait(Cluster(1), 1).ok());
}

TEST(PeerWaitTest, WaitsUntilAPeerConnects) {
  Fixture f;
  f.on_poll = [&](uint64_t polls) {
    if (polls == 5) f.links[3].connected = true;
  };
  EXPECT_TRUE(f.Wait(Cluster(3), 1).ok());
  EXPECT_EQ(f.sleeps, 5);
}

TEST(PeerWaitTest, OnePeerOfFiveIsNotAMajority) {
  Fixture f;
  f.links[2].connected = true;  // 2 of 5 < 3
  f.links[3].last_error = "connect: Connection refused";
  absl::Status status = f.Wait(Cluster(5), 1);
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("2 of 5 brokers reachable, 3 needed"));
  EXPECT_THAT(status.message(),
              HasSubstr("broker 3 at 127.0.0.1:9873 (connect: Connection refused)"));
  EXPECT_THAT(status.message(), HasSubstr("broker 4 at 127.0.0.1:9874 (no answer yet)"));
  EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("broker 2 at")));
  EXPECT_THAT(status.message(), HasSubstr("after 1000 ms"));
  EXPECT_EQ(f.sleeps, 10);  // 1000 ms in polls of 100 ms
}

TEST(PeerWaitTest, RefusedHelloFailsAtOnceEvenWithAMajority) {
  Fixture f;
  f.links[2].connected = true;
  f.links[3].refused = true;
  f.links[3].last_error = "Hello refused: CLUSTER_MISMATCH cluster 'other'";
  absl::Status status = f.Wait(Cluster(3), 1);
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("broker 3 at 127.0.0.1:9873 (Hello refused"));
  EXPECT_EQ(f.sleeps, 0);
}

TEST(PeerWaitTest, ZeroTimeoutChecksNothing) {
  Fixture f;
  f.links[2].refused = true;
  EXPECT_TRUE(f.Wait(Cluster(3), 1, {.timeout = std::chrono::milliseconds(0)}).ok());
}

}  // namespace
}  // namespace mq::broker
