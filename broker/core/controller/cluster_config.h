#pragma once

// The static shape of a cluster: its brokers and where each Raft group's replicas live.
//
// v1 clusters are static: every broker computes the same ClusterConfig from the same `--peers`
// list (MakeClusterConfig is a pure function of its arguments), and stores it in its data
// directory as `cluster.meta` (EncodeClusterMeta) so a restart with a different peer list, or a
// data directory from another cluster, is refused (compare Fingerprint()).
//
// Placement, brokers sorted by id, n brokers, replication factor rf:
//   - group 0 (the controller): the first min(n, rf) brokers; preferred leader the first one.
//   - data group g (1..G): all brokers when n <= rf, else the rf consecutive brokers starting
//     at index (g - 1) % n (wrapping). Preferred leader: the broker at index (g - 1) % n, so
//     leaders spread over the brokers (when n <= rf that is replicas[(g - 1) % n]).
//
// cluster.meta is a text file, one record per line, the last line a CRC32C of every byte
// before it (so an operator can read it, and a torn or edited file is refused):
//
//   # RaftMQ cluster.meta: the cluster this data directory belongs to. Do not edit.
//   format 1
//   cluster_id prod-eu
//   broker 1 10.0.0.1:9001 10.0.0.1:8081          (http address "-" when none)
//   group 0 preferred 1 replicas 1,2,3
//   group 1 preferred 1 replicas 1,2,3
//   crc32c 9a3c44e1                               (8 lowercase hex digits)
//
// Plain values; no threads.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mq::broker {

struct BrokerAddress {
  uint64_t id = 0;
  std::string address{};       // host:port of the client/peer port
  std::string http_address{};  // host:port of the HTTP bridge; "" when not (yet) known
  bool operator==(const BrokerAddress&) const = default;
};

struct GroupPlacement {
  uint64_t group_id = 0;
  std::vector<uint64_t> replicas{};  // broker ids, ascending placement order (see above)
  uint64_t preferred_leader = 0;     // one of replicas
  bool operator==(const GroupPlacement&) const = default;
};

struct ClusterConfig {
  std::string cluster_id{};
  std::vector<BrokerAddress> brokers{};  // ascending id
  std::vector<GroupPlacement> groups{};  // group 0 = controller, then data groups 1..G in order

  const BrokerAddress* FindBroker(uint64_t id) const;
  const GroupPlacement* FindGroup(uint64_t group_id) const;
  // 1..G.
  std::vector<uint64_t> DataGroupIds() const;
  // The groups with a replica on `broker_id`, ascending.
  std::vector<uint64_t> GroupsOfBroker(uint64_t broker_id) const;
  // Identity of the data layout: FNV-1a 64 over cluster id, broker ids and each group's id and
  // replicas. Addresses and preferred leaders are left out: a broker may move to a new address
  // and keep its data.
  uint64_t Fingerprint() const;

  bool operator==(const ClusterConfig&) const = default;
};

inline constexpr uint32_t kClusterMetaFormatVersion = 1;
inline constexpr uint64_t kDefaultReplicationFactor = 3;
inline constexpr uint64_t kDataGroupsMax = 1024;
inline constexpr uint64_t kBrokersMax = 1024;
inline constexpr size_t kClusterIdBytesMax = 127;
// An upper bound on a valid cluster.meta (for reading the whole file).
inline constexpr uint64_t kClusterMetaBytesMax = 1 << 20;

// "1@127.0.0.1:9001,2@host-b:9001" (spaces around items are ignored) in the order given.
// InvalidArgument naming the item for: an empty list or item, a missing '@', an id that is not
// a decimal number in 1..2^64-1, a host:port without host, a port outside 1..65535, a
// duplicate id or address. http addresses are left empty.
[[nodiscard]] absl::StatusOr<std::vector<BrokerAddress>> ParsePeers(std::string_view peers);

// OK when `host_port` is HOST:PORT with a non-empty host, no spaces, and a port 1..65535
// ("[::1]:9001" works: the port follows the last ':').
[[nodiscard]] absl::Status ValidateHostPort(std::string_view host_port);

// The placement described at the top of this file. InvalidArgument for: a cluster id that is
// empty, longer than kClusterIdBytesMax or not made of A-Z a-z 0-9 . _ -; no brokers or more
// than kBrokersMax; a bad broker (id 0, duplicate id, bad address); data_group_count outside
// 1..kDataGroupsMax; replication_factor 0.
[[nodiscard]] absl::StatusOr<ClusterConfig> MakeClusterConfig(
    std::string cluster_id, std::vector<BrokerAddress> brokers, uint64_t data_group_count,
    uint64_t replication_factor = kDefaultReplicationFactor);

// Structural checks of any config (made here or decoded): cluster id, brokers ascending and
// valid, groups numbered 0..G with G >= 1, replicas non-empty, distinct, known brokers,
// preferred leader among them. InvalidArgument naming the problem.
[[nodiscard]] absl::Status ValidateClusterConfig(const ClusterConfig& config);

// The cluster.meta text (see the top of this file).
std::string EncodeClusterMeta(const ClusterConfig& config);
// DataLoss naming the line for a file that is torn, edited (bad CRC), of an unknown format,
// malformed, or that fails ValidateClusterConfig.
[[nodiscard]] absl::StatusOr<ClusterConfig> DecodeClusterMeta(std::string_view text);

}  // namespace mq::broker
