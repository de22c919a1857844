#pragma once

// Test-only: a blocking client that speaks frames to a Server on 127.0.0.1, and a wait helper.
// Library mq_broker_net_testing.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "asio/io_context.hpp"
#include "asio/ip/tcp.hpp"
#include "client/protocol/codec.h"
#include "client/protocol/frame.h"

namespace mq::broker::net::testing {

class FrameClient {
 public:
  FrameClient() : socket_(io_), decoder_(protocol::ProtocolLimits()) {}

  [[nodiscard]] absl::Status Connect(uint16_t port);
  [[nodiscard]] absl::Status Write(std::string_view bytes);
  template <typename T>
  [[nodiscard]] absl::Status Send(uint64_t request_id, const T& request) {
    return Write(protocol::EncodeRequestFrame(request_id, request));
  }
  // Blocks until a whole frame arrived. An error when the connection closed first.
  [[nodiscard]] absl::StatusOr<protocol::Frame> ReadFrame();
  // Reads a frame and decodes it as a response of its api key.
  [[nodiscard]] absl::StatusOr<protocol::Response> ReadResponse(protocol::Frame* frame = nullptr);
  // Sends a client Hello (request id `request_id`) and reads the answer.
  [[nodiscard]] absl::StatusOr<protocol::HelloResponse> Hello(uint64_t request_id = 1,
                                                              std::string cluster_id = "");
  // Reads and discards until the server closes the connection (returns true then).
  bool WaitClosed();

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  protocol::FrameDecoder decoder_;
};

// Polls `done` every millisecond until it holds; false after `limit` (a liveness bound for a
// test that would otherwise hang, not a timing assertion).
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds limit = std::chrono::seconds(60));

}  // namespace mq::broker::net::testing
