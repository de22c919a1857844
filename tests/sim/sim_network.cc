#include "tests/sim/sim_network.h"

#include <utility>

namespace mq::sim {

SimNetwork::SimNetwork(NetworkOptions options, Prng prng)
    : options_(options), prng_(std::move(prng)) {}

uint64_t SimNetwork::Latency() {
  return static_cast<uint64_t>(prng_.Range(static_cast<int64_t>(options_.latency_us_min),
                                           static_cast<int64_t>(options_.latency_us_max)));
}

SimNetwork::Route SimNetwork::Plan(const raft::Message& m) {
  Route route;
  if (filter_ && !filter_(m)) {
    route.dropped = "filtered";
    return route;
  }
  if (IsCut(m.from, m.to)) {
    route.dropped = "partition";
    return route;
  }
  if (!faults_enabled_) {
    route.delays_us.push_back(Latency());
    return route;
  }
  if (prng_.Chance(options_.drop_per_10k, 10'000)) {
    route.dropped = "lost";
    return route;
  }
  const int copies = prng_.Chance(options_.duplicate_per_10k, 10'000) ? 2 : 1;
  route.duplicated = copies == 2;
  for (int i = 0; i < copies; ++i) {
    uint64_t delay = Latency();
    if (prng_.Chance(options_.delay_per_10k, 10'000)) {
      delay += prng_.Uniform(options_.delay_us_max + 1);
      route.delayed = true;
    }
    route.delays_us.push_back(delay);
  }
  return route;
}

void SimNetwork::Split(const std::vector<raft::NodeId>& a, const std::vector<raft::NodeId>& b) {
  for (raft::NodeId x : a) {
    for (raft::NodeId y : b) {
      if (x == y) continue;
      Cut(x, y);
      Cut(y, x);
    }
  }
}

void SimNetwork::Isolate(raft::NodeId node, const std::vector<raft::NodeId>& others) {
  Split({node}, others);
}

}  // namespace mq::sim
