#pragma once

// Connection: one TCP connection to one broker (internal to mq_client).
//
// Connects (resolve + connect + Hello, within connect_timeout_ms), then carries pipelined
// requests: each Send gets a fresh request id, and its handler is called exactly once with the
// response frame whose id matches, or with a failure. Requests sent before Hello completes
// wait in the write queue; frames are written with gather writes, many per write.
//
// Failure rules (client/status.h): a request never written (connect or Hello failed, or closed
// before its turn) fails REJECTED; one written whose answer did not come (connection lost,
// request_timeout) fails UNKNOWN. A connection that failed stays failed: the owner drops it and
// opens another. A response that does not decode is the caller's business (the handler gets
// the raw frame).
//
// Threading: lives on one io_context run by one thread (ClientRuntime's); every method must be
// called on that thread, and handlers run there.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "asio.hpp"
#include "client/protocol/api_key.h"
#include "client/protocol/codec.h"
#include "client/protocol/frame.h"
#include "client/protocol/messages.h"
#include "flatbuffers/detached_buffer.h"

namespace mq::client {

// A request's encoded payload, shared by every attempt of a call and the write in flight: encoded
// once, never copied.
using RequestPayload = std::shared_ptr<const flatbuffers::DetachedBuffer>;
template <typename Req>
RequestPayload EncodeRequestPayload(const Req& request) {
  return std::make_shared<const flatbuffers::DetachedBuffer>(protocol::EncodeBuffer(request));
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Handler = std::function<void(absl::StatusOr<protocol::Frame>)>;

  Connection(asio::io_context& io, std::string address, protocol::HelloRequest hello,
             uint32_t connect_timeout_ms);
  ~Connection();

  // Starts connecting. Call once, right after construction (needs shared_from_this).
  void Start();
  // Queues a request frame. `timeout_ms` counts from now (0 = none).
  void Send(protocol::ApiKey api_key, RequestPayload payload, uint32_t timeout_ms, Handler handler);
  // Fails every pending request (see the failure rules) and closes the socket.
  void Close(const absl::Status& reason);

  bool failed() const { return failed_; }
  bool ready() const { return ready_; }
  const std::string& address() const { return address_; }
  // From the broker's HelloResponse (0 until ready).
  uint64_t broker_id() const { return broker_id_; }
  uint64_t broker_batch_bytes_max() const { return broker_batch_bytes_max_; }
  size_t pending_requests() const { return pending_.size(); }

 private:
  struct Pending {
    Handler handler;
    bool written = false;
    std::unique_ptr<asio::steady_timer> timer;
  };
  struct Outgoing {
    uint64_t request_id;
    std::array<char, protocol::kFrameHeaderBytes> header;
    RequestPayload payload;
  };

  void OnResolved(const asio::error_code& ec, asio::ip::tcp::resolver::results_type results);
  void OnConnected(const asio::error_code& ec);
  void SendHello();
  void Enqueue(protocol::ApiKey api_key, RequestPayload payload, uint32_t timeout_ms,
               Handler handler, bool front);
  void MaybeWrite();
  void OnWritten(const asio::error_code& ec);
  void ReadMore();
  void OnRead(const asio::error_code& ec, size_t bytes);
  void Deliver(protocol::Frame frame);
  void OnTimeout(uint64_t request_id);

  asio::io_context& io_;
  std::string address_;
  protocol::HelloRequest hello_;
  uint32_t connect_timeout_ms_;
  asio::ip::tcp::resolver resolver_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer connect_timer_;
  protocol::FrameDecoder decoder_;
  std::vector<char> read_buffer_;  // socket reads outside large payloads (one read at a time)

  bool connected_ = false;
  bool ready_ = false;  // Hello answered OK
  bool failed_ = false;
  bool writing_ = false;
  uint64_t next_request_id_ = 1;
  uint64_t hello_request_id_ = 0;
  uint64_t broker_id_ = 0;
  uint64_t broker_batch_bytes_max_ = 0;
  std::deque<Outgoing> queue_;      // not yet written
  std::vector<Outgoing> in_write_;  // being written
  std::map<uint64_t, Pending> pending_;
};

}  // namespace mq::client
