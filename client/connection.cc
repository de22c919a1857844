#include "client/connection.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "client/protocol/codec.h"
#include "client/status.h"
#include "storage/base/status_macros.h"

namespace mq::client {
namespace {

constexpr size_t kReadChunkBytes = 64 << 10;

// Splits "host:port" at the last colon (ParseServers validated it; hints come from brokers).
std::pair<std::string, std::string> SplitHostPort(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return {address, ""};
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return {host, address.substr(colon + 1)};
}

}  // namespace

Connection::Connection(asio::io_context& io, std::string address, protocol::HelloRequest hello,
                       uint32_t connect_timeout_ms)
    : io_(io),
      address_(std::move(address)),
      hello_(std::move(hello)),
      connect_timeout_ms_(connect_timeout_ms),
      resolver_(io),
      socket_(io),
      connect_timer_(io) {}

Connection::~Connection() { MQ_CHECK(pending_.empty() || failed_); }

void Connection::Start() {
  auto self = shared_from_this();
  connect_timer_.expires_after(std::chrono::milliseconds(connect_timeout_ms_));
  connect_timer_.async_wait([self](const asio::error_code& ec) {
    if (ec || self->ready_ || self->failed_) return;
    self->Close(MakeClientError(absl::StatusCode::kUnavailable, /*definite=*/true,
                                absl::StrFormat("connect to %s: no Hello answer within %u ms",
                                                self->address_, self->connect_timeout_ms_)));
  });
  auto [host, port] = SplitHostPort(address_);
  resolver_.async_resolve(
      host, port,
      [self](const asio::error_code& ec, asio::ip::tcp::resolver::results_type results) {
        self->OnResolved(ec, std::move(results));
      });
  SendHello();
}

void Connection::OnResolved(const asio::error_code& ec,
                            asio::ip::tcp::resolver::results_type results) {
  if (failed_) return;
  if (ec) {
    Close(MakeClientError(absl::StatusCode::kUnavailable, /*definite=*/true,
                          absl::StrFormat("resolve %s: %s", address_, ec.message())));
    return;
  }
  auto self = shared_from_this();
  asio::async_connect(socket_, results,
                      [self](const asio::error_code& ec, const asio::ip::tcp::endpoint&) {
                        self->OnConnected(ec);
                      });
}

void Connection::OnConnected(const asio::error_code& ec) {
  if (failed_) return;
  if (ec) {
    Close(MakeClientError(absl::StatusCode::kUnavailable, /*definite=*/true,
                          absl::StrFormat("connect to %s: %s", address_, ec.message())));
    return;
  }
  connected_ = true;
  asio::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  ReadMore();
  MaybeWrite();
}

void Connection::SendHello() {
  auto self = shared_from_this();
  hello_request_id_ = next_request_id_;
  Enqueue(
      protocol::ApiKey::kHello, EncodeRequestPayload(hello_), 0,
      [self](absl::StatusOr<protocol::Frame> frame) {
        if (!frame.ok()) return;  // Close already runs
        absl::StatusOr<protocol::HelloResponse> hello =
            protocol::Decode<protocol::HelloResponse>(frame->payload.view());
        if (!hello.ok() || !hello->header.ok()) {
          std::string why =
              hello.ok()
                  ? absl::StrFormat("%s: %s", protocol::ErrorCodeName(hello->header.error_code),
                                    hello->header.message)
                  : std::string(hello.status().message());
          // Nothing but Hello was written: every other request certainly did not happen.
          self->Close(
              MakeClientError(absl::StatusCode::kUnavailable, /*definite=*/true,
                              absl::StrFormat("Hello to %s: %s", self->address_, why),
                              hello.ok() ? std::optional(hello->header.error_code) : std::nullopt));
          return;
        }
        self->ready_ = true;
        self->broker_id_ = hello->broker_id;
        self->broker_batch_bytes_max_ = hello->batch_bytes_max;
        self->connect_timer_.cancel();
        self->MaybeWrite();
      },
      /*front=*/true);
}

void Connection::Send(protocol::ApiKey api_key, RequestPayload payload, uint32_t timeout_ms,
                      Handler handler) {
  if (failed_) {
    // Never inline: the caller may be inside a handler of this connection.
    asio::post(io_, [handler = std::move(handler), address = address_]() {
      handler(MakeClientError(absl::StatusCode::kUnavailable, /*definite=*/true,
                              absl::StrFormat("connection to %s is closed", address)));
    });
    return;
  }
  Enqueue(api_key, std::move(payload), timeout_ms, std::move(handler), /*front=*/false);
  MaybeWrite();
}

void Connection::Enqueue(protocol::ApiKey api_key, RequestPayload payload, uint32_t timeout_ms,
                         Handler handler, bool front) {
  uint64_t id = next_request_id_++;
  const std::string_view bytes(reinterpret_cast<const char*>(payload->data()), payload->size());
  Outgoing out{.request_id = id,
               .header = protocol::EncodeFrameHeader(
                   {.flags = 0, .api_key = api_key, .api_version = 0, .request_id = id}, bytes),
               .payload = std::move(payload)};
  Pending pending{.handler = std::move(handler), .written = false, .timer = nullptr};
  if (timeout_ms > 0) {
    pending.timer = std::make_unique<asio::steady_timer>(io_);
    pending.timer->expires_after(std::chrono::milliseconds(timeout_ms));
    auto self = shared_from_this();
    pending.timer->async_wait([self, id](const asio::error_code& ec) {
      if (!ec) self->OnTimeout(id);
    });
  }
  pending_.emplace(id, std::move(pending));
  if (front) {
    queue_.push_front(std::move(out));
  } else {
    queue_.push_back(std::move(out));
  }
}

void Connection::MaybeWrite() {
  if (failed_ || writing_ || queue_.empty() || !connected_) return;
  // Until Hello is answered only Hello goes out.
  if (!ready_ && queue_.front().request_id != hello_request_id_) return;
  in_write_.clear();
  std::vector<asio::const_buffer> buffers;
  size_t bytes = 0;
  while (!queue_.empty() && (ready_ || in_write_.empty()) && bytes < (1u << 20)) {
    in_write_.push_back(std::move(queue_.front()));
    queue_.pop_front();
    bytes += protocol::kFrameHeaderBytes + in_write_.back().payload->size();
  }
  for (Outgoing& out : in_write_) {
    auto it = pending_.find(out.request_id);
    if (it != pending_.end()) it->second.written = true;
    buffers.push_back(asio::buffer(out.header));
    buffers.push_back(asio::buffer(out.payload->data(), out.payload->size()));
  }
  writing_ = true;
  auto self = shared_from_this();
  asio::async_write(socket_, buffers,
                    [self](const asio::error_code& ec, size_t) { self->OnWritten(ec); });
}

void Connection::OnWritten(const asio::error_code& ec) {
  writing_ = false;
  in_write_.clear();
  if (failed_) return;
  if (ec) {
    Close(MakeClientError(absl::StatusCode::kUnavailable, /*definite=*/false,
                          absl::StrFormat("write to %s: %s", address_, ec.message())));
    return;
  }
  MaybeWrite();
}

void Connection::ReadMore() {
  auto self = shared_from_this();
  // Inside a large payload (a fetch response), the socket reads straight into the frame's
  // buffer: no copy. Otherwise into read_buffer_ (one read may carry many small frames).
  const std::span<char> direct = decoder_.ReadBuffer();
  const bool into_frame = direct.size() >= kReadChunkBytes;
  if (!into_frame && read_buffer_.size() != kReadChunkBytes) read_buffer_.resize(kReadChunkBytes);
  const asio::mutable_buffer target = into_frame
                                          ? asio::buffer(direct.data(), direct.size())
                                          : asio::buffer(read_buffer_.data(), read_buffer_.size());
  socket_.async_read_some(target, [self, into_frame](const asio::error_code& ec, size_t bytes) {
    if (!ec && !self->failed_) {
      absl::Status fed =
          into_frame ? self->decoder_.Commit(bytes)
                     : self->decoder_.Feed(std::string_view(self->read_buffer_.data(), bytes));
      if (!fed.ok()) {
        self->Close(MakeClientError(
            absl::StatusCode::kUnavailable, /*definite=*/false,
            absl::StrFormat("bad frame from %s: %s", self->address_, fed.message())));
        return;
      }
    }
    self->OnRead(ec, bytes);
  });
}

void Connection::OnRead(const asio::error_code& ec, size_t bytes) {
  if (failed_) return;
  while (std::optional<protocol::Frame> frame = decoder_.Next()) {
    Deliver(std::move(*frame));
    if (failed_) return;
  }
  if (ec) {
    Close(MakeClientError(absl::StatusCode::kUnavailable, /*definite=*/false,
                          absl::StrFormat("connection to %s lost: %s", address_, ec.message())));
    return;
  }
  ReadMore();
}

void Connection::Deliver(protocol::Frame frame) {
  if (!frame.header.is_response()) {
    Close(MakeClientError(absl::StatusCode::kUnavailable, /*definite=*/false,
                          absl::StrFormat("%s sent a request frame (%s) to a client", address_,
                                          protocol::ApiKeyName(frame.header.api_key))));
    return;
  }
  auto it = pending_.find(frame.header.request_id);
  if (it == pending_.end()) return;  // timed out earlier
  Handler handler = std::move(it->second.handler);
  if (it->second.timer) it->second.timer->cancel();
  pending_.erase(it);
  handler(std::move(frame));
}

void Connection::OnTimeout(uint64_t request_id) {
  auto it = pending_.find(request_id);
  if (it == pending_.end()) return;
  bool written = it->second.written;
  Handler handler = std::move(it->second.handler);
  pending_.erase(it);
  // Drop it from the write queue if it never left.
  for (auto q = queue_.begin(); q != queue_.end(); ++q) {
    if (q->request_id == request_id) {
      queue_.erase(q);
      break;
    }
  }
  handler(MakeClientError(absl::StatusCode::kDeadlineExceeded, /*definite=*/!written,
                          absl::StrFormat("no answer from %s in time", address_)));
}

void Connection::Close(const absl::Status& reason) {
  if (failed_) return;
  failed_ = true;
  ready_ = false;
  asio::error_code ignored;
  connect_timer_.cancel();
  resolver_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  std::map<uint64_t, Pending> pending = std::move(pending_);
  pending_.clear();
  queue_.clear();
  for (auto& [id, p] : pending) {
    if (p.timer) p.timer->cancel();
    p.handler(p.written ? AsUnknown(reason)
                        : MakeClientError(reason.code(), /*definite=*/true,
                                          std::string(reason.message()), BrokerErrorCode(reason)));
  }
}

}  // namespace mq::client
