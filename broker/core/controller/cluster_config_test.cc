#include "broker/core/controller/cluster_config.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "storage/base/crc32c.h"

namespace mq::broker {
namespace {

std::vector<BrokerAddress> Brokers(int n) {
  std::vector<BrokerAddress> brokers;
  for (int i = 1; i <= n; ++i) {
    brokers.push_back({.id = static_cast<uint64_t>(i),
                       .address = "127.0.0.1:" + std::to_string(9000 + i),
                       .http_address = ""});
  }
  return brokers;
}

ClusterConfig Make(int n, uint64_t groups, uint64_t rf = 3) {
  absl::StatusOr<ClusterConfig> config = MakeClusterConfig("test", Brokers(n), groups, rf);
  EXPECT_TRUE(config.ok()) << config.status();
  return *config;
}

// ---- ParsePeers -----------------------------------------------------------------------------

TEST(ParsePeersTest, ParsesInOrder) {
  absl::StatusOr<std::vector<BrokerAddress>> peers =
      ParsePeers("2@127.0.0.1:9002, 1@host-a:9001 ,3@[::1]:9003");
  ASSERT_TRUE(peers.ok()) << peers.status();
  ASSERT_EQ(peers->size(), 3u);
  EXPECT_EQ((*peers)[0], (BrokerAddress{2, "127.0.0.1:9002", ""}));
  EXPECT_EQ((*peers)[1], (BrokerAddress{1, "host-a:9001", ""}));
  EXPECT_EQ((*peers)[2], (BrokerAddress{3, "[::1]:9003", ""}));
}

TEST(ParsePeersTest, RejectsBadInputWithAClearMessage) {
  struct Case {
    const char* peers;
    const char* message_part;
  };
  const Case cases[] = {
      {"", "empty"},
      {"  ", "empty"},
      {"1@a:1,", "item 2 is empty"},
      {"1@a:1,,2@b:2", "item 2 is empty"},
      {"1a:1", "missing '@'"},
      {"0@a:1", "id 0"},
      {"x@a:1", "not a decimal"},
      {"-1@a:1", "not a decimal"},
      {"@a:1", "not a decimal"},
      {"99999999999999999999@a:1", "not a decimal"},
      {"1@a", "no port"},
      {"1@:9001", "no host"},
      {"1@a:0", "1..65535"},
      {"1@a:65536", "1..65535"},
      {"1@a:", "1..65535"},
      {"1@a:9x", "1..65535"},
      {"1@a b:1", "byte 0x20"},
      {"1@a:1,1@b:2", "appears twice"},
      {"1@a:1,2@a:1", "given to brokers 1 and 2"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<BrokerAddress>> peers = ParsePeers(c.peers);
    ASSERT_FALSE(peers.ok()) << c.peers;
    EXPECT_EQ(peers.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(peers.status().message().find(c.message_part), absl::string_view::npos)
        << c.peers << " -> " << peers.status();
  }
}

TEST(ParsePeersTest, AcceptsTheLargestId) {
  absl::StatusOr<std::vector<BrokerAddress>> peers = ParsePeers("18446744073709551615@a:65535");
  ASSERT_TRUE(peers.ok()) << peers.status();
  EXPECT_EQ((*peers)[0].id, UINT64_MAX);
}

// ---- MakeClusterConfig ----------------------------------------------------------------------

TEST(MakeClusterConfigTest, ThreeBrokersEveryGroupOnAllAndLeadersSpread) {
  ClusterConfig config = Make(3, 3);
  ASSERT_EQ(config.groups.size(), 4u);
  EXPECT_EQ(config.groups[0], (GroupPlacement{0, {1, 2, 3}, 1}));
  EXPECT_EQ(config.groups[1], (GroupPlacement{1, {1, 2, 3}, 1}));
  EXPECT_EQ(config.groups[2], (GroupPlacement{2, {1, 2, 3}, 2}));
  EXPECT_EQ(config.groups[3], (GroupPlacement{3, {1, 2, 3}, 3}));
  EXPECT_EQ(config.DataGroupIds(), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_TRUE(ValidateClusterConfig(config).ok());
}

TEST(MakeClusterConfigTest, SingleBroker) {
  ClusterConfig config = Make(1, 2);
  for (const GroupPlacement& g : config.groups) {
    EXPECT_EQ(g.replicas, (std::vector<uint64_t>{1}));
    EXPECT_EQ(g.preferred_leader, 1u);
  }
}

TEST(MakeClusterConfigTest, MoreBrokersThanReplicasUseConsecutiveBrokersRoundRobin) {
  ClusterConfig config = Make(5, 6);
  EXPECT_EQ(config.groups[0], (GroupPlacement{0, {1, 2, 3}, 1}));
  EXPECT_EQ(config.groups[1], (GroupPlacement{1, {1, 2, 3}, 1}));
  EXPECT_EQ(config.groups[2], (GroupPlacement{2, {2, 3, 4}, 2}));
  EXPECT_EQ(config.groups[3], (GroupPlacement{3, {3, 4, 5}, 3}));
  EXPECT_EQ(config.groups[4], (GroupPlacement{4, {4, 5, 1}, 4}));
  EXPECT_EQ(config.groups[5], (GroupPlacement{5, {5, 1, 2}, 5}));
  EXPECT_EQ(config.groups[6], (GroupPlacement{6, {1, 2, 3}, 1}));
  EXPECT_EQ(config.GroupsOfBroker(4), (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_TRUE(ValidateClusterConfig(config).ok());
}

TEST(MakeClusterConfigTest, LeadersSpreadOverEveryBroker) {
  for (int n = 1; n <= 7; ++n) {
    ClusterConfig config = Make(n, static_cast<uint64_t>(n));
    std::set<uint64_t> leaders;
    for (uint64_t g : config.DataGroupIds()) leaders.insert(config.FindGroup(g)->preferred_leader);
    EXPECT_EQ(leaders.size(), static_cast<size_t>(n)) << n << " brokers";
  }
}

TEST(MakeClusterConfigTest, SortsBrokersSoEveryBrokerComputesTheSameConfig) {
  std::vector<BrokerAddress> reversed = Brokers(4);
  std::reverse(reversed.begin(), reversed.end());
  absl::StatusOr<ClusterConfig> a = MakeClusterConfig("test", reversed, 3);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, Make(4, 3));
}

TEST(MakeClusterConfigTest, ReplicationFactorOneAndFive) {
  ClusterConfig one = Make(3, 3, 1);
  EXPECT_EQ(one.groups[0].replicas, (std::vector<uint64_t>{1}));
  EXPECT_EQ(one.groups[2].replicas, (std::vector<uint64_t>{2}));
  ClusterConfig five = Make(5, 2, 5);
  EXPECT_EQ(five.groups[1].replicas, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(five.groups[2].preferred_leader, 2u);
}

TEST(MakeClusterConfigTest, RejectsBadArguments) {
  EXPECT_FALSE(MakeClusterConfig("", Brokers(3), 3).ok());
  EXPECT_FALSE(MakeClusterConfig("a b", Brokers(3), 3).ok());
  EXPECT_FALSE(MakeClusterConfig(std::string(128, 'a'), Brokers(3), 3).ok());
  EXPECT_TRUE(MakeClusterConfig(std::string(127, 'a'), Brokers(3), 3).ok());
  EXPECT_FALSE(MakeClusterConfig("c", {}, 3).ok());
  EXPECT_FALSE(MakeClusterConfig("c", Brokers(3), 0).ok());
  EXPECT_FALSE(MakeClusterConfig("c", Brokers(3), kDataGroupsMax + 1).ok());
  EXPECT_TRUE(MakeClusterConfig("c", Brokers(3), kDataGroupsMax).ok());
  EXPECT_FALSE(MakeClusterConfig("c", Brokers(3), 3, 0).ok());
  std::vector<BrokerAddress> dup = Brokers(3);
  dup[2].id = 1;
  EXPECT_FALSE(MakeClusterConfig("c", dup, 3).ok());
  std::vector<BrokerAddress> zero = Brokers(3);
  zero[0].id = 0;
  EXPECT_FALSE(MakeClusterConfig("c", zero, 3).ok());
  std::vector<BrokerAddress> bad_http = Brokers(3);
  bad_http[0].http_address = "nohost";
  EXPECT_FALSE(MakeClusterConfig("c", bad_http, 3).ok());
}

TEST(ValidateClusterConfigTest, RejectsBrokenStructure) {
  const ClusterConfig good = Make(3, 2);
  ClusterConfig c = good;
  c.groups.erase(c.groups.begin() + 1);
  EXPECT_FALSE(ValidateClusterConfig(c).ok()) << "group ids not 0..G";
  c = good;
  c.groups.resize(1);
  EXPECT_FALSE(ValidateClusterConfig(c).ok()) << "no data group";
  c = good;
  c.groups[1].replicas.clear();
  EXPECT_FALSE(ValidateClusterConfig(c).ok()) << "no replicas";
  c = good;
  c.groups[1].replicas = {1, 9};
  EXPECT_FALSE(ValidateClusterConfig(c).ok()) << "unknown replica";
  c = good;
  c.groups[1].replicas = {1, 1};
  EXPECT_FALSE(ValidateClusterConfig(c).ok()) << "duplicate replica";
  c = good;
  c.groups[1].preferred_leader = 9;
  EXPECT_FALSE(ValidateClusterConfig(c).ok()) << "preferred not a replica";
  c = good;
  std::swap(c.brokers[0], c.brokers[1]);
  EXPECT_FALSE(ValidateClusterConfig(c).ok()) << "brokers unsorted";
}

// ---- cluster.meta and Fingerprint -----------------------------------------------------------

TEST(ClusterMetaTest, RoundTripsWithAndWithoutHttpAddresses) {
  ClusterConfig config = Make(5, 4);
  config.brokers[1].http_address = "10.0.0.2:8081";
  const std::string text = EncodeClusterMeta(config);
  absl::StatusOr<ClusterConfig> decoded = DecodeClusterMeta(text);
  ASSERT_TRUE(decoded.ok()) << decoded.status() << "\n" << text;
  EXPECT_EQ(*decoded, config);
  EXPECT_NE(text.find("broker 2 127.0.0.1:9002 10.0.0.2:8081\n"), std::string::npos) << text;
  EXPECT_NE(text.find("broker 1 127.0.0.1:9001 -\n"), std::string::npos) << text;
  EXPECT_NE(text.find("group 3 preferred 3 replicas 3,4,5\n"), std::string::npos) << text;
}

TEST(ClusterMetaTest, EveryTruncationAndByteFlipIsRefused) {
  const std::string text = EncodeClusterMeta(Make(3, 3));
  for (size_t size = 0; size < text.size(); ++size) {
    absl::StatusOr<ClusterConfig> d = DecodeClusterMeta(text.substr(0, size));
    ASSERT_FALSE(d.ok()) << size;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss);
  }
  for (size_t i = 0; i < text.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = text;
      bad[i] ^= static_cast<char>(1 << bit);
      ASSERT_FALSE(DecodeClusterMeta(bad).ok()) << "byte " << i << " bit " << bit;
    }
  }
}

// A file with a valid CRC over `body`.
std::string Sealed(const std::string& body) {
  char crc[32];
  std::snprintf(crc, sizeof(crc), "crc32c %08x\n", Crc32c(body));
  return body + crc;
}

TEST(ClusterMetaTest, RefusesWellSealedButWrongContent) {
  EXPECT_TRUE(DecodeClusterMeta(Sealed("format 1\ncluster_id c\nbroker 1 a:1 -\n"
                                       "group 0 preferred 1 replicas 1\n"
                                       "group 1 preferred 1 replicas 1\n"))
                  .ok());
  const char* bodies[] = {
      "",
      "cluster_id c\n",
      "format 2\ncluster_id c\n",
      "format 1\ncluster_id c\nbroker 1 a:1 -\ngroup 0 preferred 1 replicas 1\n",
      "format 1\ncluster_id c\nbroker 1 a:1 -\ngroup 0 preferred 1 replicas 1\n"
      "group 1 preferred 2 replicas 1\n",
      "format 1\ncluster_id c\nbroker 1 a:1\ngroup 0 preferred 1 replicas 1\n",
      "format 1\ncluster_id c\nbroker 1 a:1 -\ngroup 0 preferred 1 replicas 1\n"
      "group 1 preferred 1 replicas 1,\n",
      "format 1\ncluster_id c\ncluster_id d\n",
      "format 1\nfrobnicate\n",
  };
  for (const char* body : bodies) {
    absl::StatusOr<ClusterConfig> d = DecodeClusterMeta(Sealed(body));
    ASSERT_FALSE(d.ok()) << body;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss) << d.status();
  }
}

TEST(FingerprintTest, NamesTheDataLayoutNotTheAddresses) {
  const ClusterConfig base = Make(3, 3);
  EXPECT_EQ(base.Fingerprint(), Make(3, 3).Fingerprint());
  ClusterConfig moved = base;
  moved.brokers[0].address = "10.9.9.9:1";
  moved.brokers[0].http_address = "10.9.9.9:2";
  EXPECT_EQ(moved.Fingerprint(), base.Fingerprint());
  EXPECT_NE(Make(3, 4).Fingerprint(), base.Fingerprint());
  EXPECT_NE(Make(4, 3).Fingerprint(), base.Fingerprint());
  EXPECT_NE(Make(3, 3, 1).Fingerprint(), base.Fingerprint());
  absl::StatusOr<ClusterConfig> other = MakeClusterConfig("other", Brokers(3), 3);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->Fingerprint(), base.Fingerprint());
}

}  // namespace
}  // namespace mq::broker
