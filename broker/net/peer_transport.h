#pragma once

// PeerTransport: carries Raft messages from this broker to the others.
//
// One outbound TCP connection per peer broker. It connects, says Hello as a peer (this
// broker's id and the cluster id), checks that the HelloResponse comes from the broker it
// meant to reach, and then streams one-way kRaftPeerBatch frames. Messages for a peer queue up
// (all groups together); the peer's single writer takes everything queued, up to a batch
// budget, into ONE PeerBatch frame per socket write. While a write is on the wire the next
// batch accumulates, so the heartbeats of all the groups two brokers share travel together and
// a busy link sends fewer, bigger frames.
//
// Delivery is best effort, as Raft wants it: a broken connection is retried with exponential
// back-off (backoff_min .. backoff_max, reset by a successful Hello); the queue is bounded (by
// messages and bytes) and drops its OLDEST messages beyond the bound, whether connected or not;
// messages written to a connection that breaks are lost. Raft retries what matters.
//
// Lifecycle: construct, AddPeer() each peer (it starts connecting at once), Send() from any
// thread, Stop() (or destroy) to close everything; after Stop, Send drops. Hooks run on the
// peer's strand, never under a lock; none starts once Stop has reached that strand (one
// already running may finish), so the glue stops the transport before destroying what its
// hooks touch. Pending handlers keep the connections' state alive: the io_context must outlive
// them (stop the pool before destroying it).
//
// Threading: Send, AddPeer, Stop and stats are thread-safe. Each peer's connection lives on its
// own strand.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "asio/io_context.hpp"
#include "client/protocol/limits.h"
#include "raft/types.h"

namespace mq::broker::net {

struct PeerTransportOptions {
  // This broker, as it introduces itself to its peers.
  uint64_t broker_id = 0;
  std::string cluster_id;
  // Reconnect delays: the first retry after backoff_min, doubling up to backoff_max.
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{1000};
  // Connect + Hello must complete within this, else the attempt counts as failed.
  std::chrono::milliseconds handshake_timeout{3000};
  // The per-peer queue; beyond either bound the oldest messages are dropped.
  size_t queue_messages_max = 4096;
  uint64_t queue_bytes_max = 64ull << 20;
  // One frame takes queued messages until their estimated size passes this (at least one
  // message) or it holds batch_messages_max; both well inside raft::wire::DecodeLimits.
  uint64_t batch_bytes_target = 8ull << 20;
  size_t batch_messages_max = 4096;
  // For reading the peer's HelloResponse.
  protocol::ProtocolLimits limits{};
};

struct PeerTransportHooks {
  // A connection attempt failed or an established connection broke (called on every failed
  // attempt; the glue may ReportUnreachable to the groups replicating to that peer).
  std::function<void(uint64_t to_broker)> on_unreachable{};
  // A kSnapshot message was written to the socket (ok) or dropped (queue bound, broken
  // connection, Stop): the glue reports it to the group with Driver::ReportSnapshot.
  std::function<void(uint64_t to_broker, uint64_t group_id, bool ok)> on_snapshot_status{};
};

// Counters of one peer link, for tests and metrics.
struct PeerLinkStats {
  bool connected = false;
  // The last Hello was answered with a refusal (another cluster id) or by a broker with
  // another id: a configuration error, not a network one.
  bool refused = false;
  uint64_t connects = 0;          // successful Hello exchanges
  uint64_t connect_failures = 0;  // failed attempts and broken connections
  uint64_t batches_sent = 0;      // PeerBatch frames written
  uint64_t messages_sent = 0;
  uint64_t messages_dropped = 0;  // by the queue bound, a broken connection, or Stop
  std::string last_error;         // why the last attempt failed or the link broke; "" if never
};

class PeerTransport {
 public:
  PeerTransport(asio::io_context& io, PeerTransportOptions options, PeerTransportHooks hooks = {});
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;
  ~PeerTransport();

  // Declares peer `broker_id` at `host_port` and starts connecting. InvalidArgument for a bad
  // address, id 0 or this broker's own id; AlreadyExists for a known id; FailedPrecondition
  // after Stop.
  [[nodiscard]] absl::Status AddPeer(uint64_t broker_id, const std::string& host_port);

  // Queues `message` of group `group_id` for `to_broker`. Any thread; never blocks on the
  // network. Messages for an unknown broker are dropped (logged once per broker). A local
  // message (raft::IsLocalMessage) is a programmer error.
  void Send(uint64_t to_broker, uint64_t group_id, raft::Message message);

  // Closes every connection and drops what is queued. Idempotent.
  void Stop();

  // Zeroes for an unknown broker.
  PeerLinkStats stats(uint64_t broker_id) const;

 private:
  class Peer;
  struct Shared;

  asio::io_context& io_;
  std::shared_ptr<const Shared> shared_;

  mutable std::mutex mu_;
  bool stopped_ = false;
  std::map<uint64_t, std::shared_ptr<Peer>> peers_;
  std::set<uint64_t> warned_unknown_;
};

}  // namespace mq::broker::net
