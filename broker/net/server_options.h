#pragma once

// What a Server (and each of its Sessions) is configured with.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client/protocol/limits.h"
#include "raft/wire/raft_codec.h"

namespace mq::broker::net {

// Receives the Raft messages a peer broker sent, one decoded PeerBatch at a time, in arrival
// order per connection. `from_broker` is the peer's broker id from its Hello; every message's
// `from` equals it (others are dropped before this is called). Runs on the peer session's
// strand: it must not block (route each message to its group's runner, which queues it).
using PeerInbox =
    std::function<void(uint64_t from_broker, std::vector<raft::wire::GroupMessage> messages)>;

struct ServerOptions {
  // Where to listen. Port 0: the kernel picks one (Server::port() tells which).
  std::string host = "0.0.0.0";
  uint16_t port = 0;
  // This broker, as HelloResponse tells it; a peer must Hello with the same cluster id.
  uint64_t broker_id = 0;
  std::string cluster_id;
  // Frame and payload limits of every connection (frame_bytes_max and batch_bytes_max are
  // announced in HelloResponse).
  protocol::ProtocolLimits limits{};
  // What a peer's PeerBatch may hold.
  raft::wire::DecodeLimits peer_limits{};
  // Requests of one client connection handed to the handler and not answered yet, and
  // answers queued for writing: at either limit the session stops reading (back-pressure on
  // that client only).
  size_t requests_in_flight_max = 1024;
  // Bytes read from the socket per read.
  size_t read_buffer_bytes = 64 << 10;
  // Response frames gathered into one socket write.
  size_t gather_frames_max = 64;
};

class ClientRequestHandler;

// What every session of one server shares; it lives as long as the last of them.
struct SessionContext {
  ServerOptions options;
  ClientRequestHandler* handler = nullptr;  // may be null: client requests get UNSUPPORTED_API
  PeerInbox inbox;                          // may be empty: peer batches are dropped
};

}  // namespace mq::broker::net
