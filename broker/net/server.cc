#include "broker/net/server.h"

#include <atomic>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "asio/ip/tcp.hpp"
#include "asio/post.hpp"
#include "asio/strand.hpp"
#include "broker/net/session.h"
#include "storage/base/logging.h"

namespace mq::broker::net {

class Server::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, ServerOptions options, ClientRequestHandler* handler, PeerInbox inbox)
      : io_(io),
        context_(std::make_shared<SessionContext>(
            SessionContext{std::move(options), handler, std::move(inbox)})),
        options_(context_->options),
        acceptor_(asio::make_strand(io)) {}

  absl::Status Start() {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_ || stopped_) {
      return absl::FailedPreconditionError("Server::Start called twice or after Stop");
    }
    started_ = true;
    std::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrFormat("listen address \"%s\": %s", options_.host, ec.message()));
    }
    asio::ip::tcp::endpoint endpoint(address, options_.port);
    auto fail = [&](std::string_view what) {
      std::error_code ignored;
      acceptor_.close(ignored);
      return absl::UnavailableError(absl::StrFormat("listen on %s:%d: %s: %s", options_.host,
                                                    options_.port, what, ec.message()));
    };
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) return fail("open");
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return fail("option");
    acceptor_.bind(endpoint, ec);
    if (ec) return fail("bind");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen");
    port_.store(acceptor_.local_endpoint(ec).port());
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->Accept(); });
    return absl::OkStatus();
  }

  void Stop() {
    std::vector<std::shared_ptr<Session>> sessions;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      for (auto& [id, session] : sessions_) sessions.push_back(std::move(session));
      sessions_.clear();
    }
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      std::error_code ignored;
      self->acceptor_.close(ignored);
    });
    for (auto& session : sessions) session->Close();
  }

  uint16_t port() const { return port_.load(); }

  size_t session_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sessions_.size();
  }

 private:
  void Accept() {
    acceptor_.async_accept(
        asio::make_strand(io_),
        [self = shared_from_this()](const std::error_code& ec, asio::ip::tcp::socket socket) {
          self->OnAccept(ec, std::move(socket));
        });
  }

  void OnAccept(const std::error_code& ec, asio::ip::tcp::socket socket) {
    if (!acceptor_.is_open()) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // EMFILE and friends: log, and keep accepting (the condition may pass).
      LogWarning(absl::StrFormat("accept on port %d: %s", port(), ec.message()));
      Accept();
      return;
    }
    std::shared_ptr<Session> session;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;  // `socket` closes as it goes out of scope
      uint64_t id = ++last_session_id_;
      std::weak_ptr<Impl> weak = weak_from_this();
      session =
          std::make_shared<Session>(std::move(socket), id, context_, [weak](uint64_t closed_id) {
            if (auto self = weak.lock()) self->Remove(closed_id);
          });
      sessions_.emplace(id, session);
    }
    session->Start();
    Accept();
  }

  void Remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.erase(id);
  }

  asio::io_context& io_;
  const std::shared_ptr<const SessionContext> context_;
  const ServerOptions& options_;
  asio::ip::tcp::acceptor acceptor_;  // its strand only, after Start
  std::atomic<uint16_t> port_{0};

  mutable std::mutex mu_;
  bool started_ = false;
  bool stopped_ = false;
  uint64_t last_session_id_ = 0;
  std::map<uint64_t, std::shared_ptr<Session>> sessions_;
};

Server::Server(asio::io_context& io, ServerOptions options, ClientRequestHandler* handler,
               PeerInbox inbox)
    : impl_(std::make_shared<Impl>(io, std::move(options), handler, std::move(inbox))) {}

Server::~Server() { impl_->Stop(); }

absl::Status Server::Start() { return impl_->Start(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::Stop() { impl_->Stop(); }
size_t Server::session_count() const { return impl_->session_count(); }

}  // namespace mq::broker::net
