#pragma once

// Server: the broker's listener. One port serves clients and peer brokers alike (a connection
// says which it is in its Hello, see session.h).
//
// Lifecycle: construct, Start() (binds and listens: an error if the address is taken), then it
// accepts until Stop() (or destruction), which closes the acceptor and every open session.
// The handler and the inbox must stay valid until the io_context's threads have stopped (a
// session already reading may still call them while Stop's closes are on their way).
//
// Threading: the acceptor runs on its own strand and each session on its own; Start, Stop,
// port and session_count may be called from any thread.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "asio/io_context.hpp"
#include "broker/net/responder.h"
#include "broker/net/server_options.h"

namespace mq::broker::net {

class Server {
 public:
  Server(asio::io_context& io, ServerOptions options, ClientRequestHandler* handler,
         PeerInbox inbox);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // Binds options.host:options.port and starts accepting. Unavailable (naming the address) if
  // it cannot bind; FailedPrecondition when called twice.
  [[nodiscard]] absl::Status Start();
  // The bound port (the kernel's choice for port 0); 0 before Start.
  uint16_t port() const;
  // Stops accepting and closes every session. Idempotent.
  void Stop();
  // Open sessions (for tests and metrics).
  size_t session_count() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mq::broker::net
