#include "broker/node/peer_wait.h"

#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "storage/base/logging.h"

namespace mq::broker {
namespace {

// "broker 2 at 127.0.0.1:9872 (connect: Connection refused)"
std::string Describe(const BrokerAddress& broker, const PeerLinkState& state) {
  return absl::StrFormat("broker %d at %s (%s)", broker.id, broker.address,
                         state.last_error.empty() ? "no answer yet" : state.last_error);
}

}  // namespace

absl::Status WaitForPeerQuorum(const ClusterConfig& config, uint64_t self_id,
                               const std::function<PeerLinkState(uint64_t broker_id)>& link,
                               const PeerWaitOptions& options, const Clock& clock,
                               const std::function<void(std::chrono::milliseconds)>& sleep) {
  if (options.timeout.count() == 0) return absl::OkStatus();
  const size_t majority = config.brokers.size() / 2 + 1;
  const int64_t start_ms = clock.MonotonicNanos() / 1000000;
  int64_t next_report_ms = start_ms + options.report_every.count();
  while (true) {
    size_t reachable = 1;  // this broker
    std::vector<std::string> missing;
    for (const BrokerAddress& broker : config.brokers) {
      if (broker.id == self_id) continue;
      const PeerLinkState state = link(broker.id);
      if (state.refused) {
        return absl::FailedPreconditionError(absl::StrFormat(
            "peer %s: fix --peers or --cluster-id so that every broker of the cluster is given "
            "the same ones",
            Describe(broker, state)));
      }
      if (state.connected) {
        ++reachable;
      } else {
        missing.push_back(Describe(broker, state));
      }
    }
    if (reachable >= majority) return absl::OkStatus();
    const int64_t now_ms = clock.MonotonicNanos() / 1000000;
    const std::string what =
        absl::StrFormat("%d of %d brokers reachable, %d needed; unreachable: %s", reachable,
                        config.brokers.size(), majority, absl::StrJoin(missing, ", "));
    if (now_ms - start_ms >= options.timeout.count()) {
      return absl::UnavailableError(absl::StrFormat(
          "no majority of the cluster after %d ms: %s. Start the other brokers (or raise "
          "--peer-wait-ms), and check --peers",
          options.timeout.count(), what));
    }
    if (now_ms >= next_report_ms) {
      LogWarning(absl::StrFormat("waiting for peers: %s", what));
      next_report_ms = now_ms + options.report_every.count();
    }
    sleep(options.poll);
  }
}

}  // namespace mq::broker
