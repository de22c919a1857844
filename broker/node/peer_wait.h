#pragma once

// Startup check of the peer links: a broker that cannot reach a majority of its cluster can
// neither elect leaders nor commit anything, and an operator should hear why at once, with a
// clear error, instead of a broker that runs but answers nothing.
//
// WaitForPeerQuorum polls the links until a majority of the cluster's brokers (this one counts
// as reachable) have a connected link, logging the missing peers and why every report_every.
// It fails at once when a peer refused our Hello (another cluster id, or another broker id at
// that address: a configuration error that waiting will not fix), and at the timeout with an
// error naming every unreachable peer, its address and the last connection error.
//
// Plain function; the clock and the sleep are injected (tests drive them by hand).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "broker/core/controller/cluster_config.h"
#include "storage/base/clock.h"

namespace mq::broker {

// What the wait needs to know of one peer link.
struct PeerLinkState {
  bool connected = false;
  bool refused = false;    // its last Hello was refused: a configuration error
  std::string last_error;  // why the last attempt failed; "" if none yet
};

struct PeerWaitOptions {
  std::chrono::milliseconds timeout{60000};  // 0: do not wait, do not check
  std::chrono::milliseconds poll{100};
  std::chrono::milliseconds report_every{5000};
};

// OK once a majority is reachable; FailedPrecondition for a refused Hello; Unavailable at the
// timeout. `link(id)` is called for every broker id of `config` but `self_id`.
[[nodiscard]] absl::Status WaitForPeerQuorum(
    const ClusterConfig& config, uint64_t self_id,
    const std::function<PeerLinkState(uint64_t broker_id)>& link, const PeerWaitOptions& options,
    const Clock& clock, const std::function<void(std::chrono::milliseconds)>& sleep);

}  // namespace mq::broker
