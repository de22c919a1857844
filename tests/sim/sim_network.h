#pragma once

// SimNetwork: the simulated network's rules, apart from the event queue that carries the
// messages. For every message it decides, from its own seeded stream, whether it is lost,
// delivered once or twice, and after what delay (random latency reorders messages; a long
// extra delay now and then reorders them a lot). Partitions are a matrix of cut directed
// links: cutting only a->b and not b->a makes an asymmetric partition. A message is checked
// against the cuts when it is sent and again when it arrives, so a partition also swallows
// messages already in flight.
//
// Single-threaded, owned by the Simulator.

#include <cstdint>
#include <functional>
#include <set>
#include <utility>
#include <vector>

#include "raft/types.h"
#include "storage/base/prng.h"
#include "tests/sim/sim_options.h"

namespace mq::sim {

class SimNetwork {
 public:
  SimNetwork(NetworkOptions options, Prng prng);

  // What becomes of one message: the delays of its deliveries (none: lost), and why.
  struct Route {
    std::vector<uint64_t> delays_us;
    bool duplicated = false;
    bool delayed = false;           // given a long extra delay
    const char* dropped = nullptr;  // the reason when lost
  };
  Route Plan(const raft::Message& m);

  // Partitions.
  void Cut(raft::NodeId from, raft::NodeId to) { cuts_.insert({from, to}); }
  void Uncut(raft::NodeId from, raft::NodeId to) { cuts_.erase({from, to}); }
  // Cuts both directions between every node of `a` and every node of `b`.
  void Split(const std::vector<raft::NodeId>& a, const std::vector<raft::NodeId>& b);
  // Cuts both directions between `node` and every node of `others`.
  void Isolate(raft::NodeId node, const std::vector<raft::NodeId>& others);
  void HealPartitions() { cuts_.clear(); }
  bool IsCut(raft::NodeId from, raft::NodeId to) const { return cuts_.count({from, to}) != 0; }
  bool partitioned() const { return !cuts_.empty(); }

  // Lossless, prompt delivery (the liveness phase); partitions are healed separately.
  void SetFaultsEnabled(bool enabled) { faults_enabled_ = enabled; }
  const NetworkOptions& options() const { return options_; }

  // Scenario tests: a message for which `filter` returns false is lost ("filtered").
  void SetFilter(std::function<bool(const raft::Message&)> filter) { filter_ = std::move(filter); }

  // Whether the sender's transport notices a lost message (see NetworkOptions).
  bool ReportUnreachable() { return prng_.Chance(options_.unreachable_report_per_10k, 10'000); }

 private:
  uint64_t Latency();

  NetworkOptions options_;
  Prng prng_;
  bool faults_enabled_ = true;
  std::set<std::pair<raft::NodeId, raft::NodeId>> cuts_;
  std::function<bool(const raft::Message&)> filter_;
};

}  // namespace mq::sim
