#include "broker/net/net_testing.h"

#include <array>
#include <thread>

#include "absl/strings/str_format.h"
#include "asio/connect.hpp"
#include "asio/read.hpp"
#include "asio/write.hpp"

namespace mq::broker::net::testing {

absl::Status FrameClient::Connect(uint16_t port) {
  std::error_code ec;
  socket_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return absl::UnavailableError(absl::StrFormat("connect: %s", ec.message()));
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  return absl::OkStatus();
}

absl::Status FrameClient::Write(std::string_view bytes) {
  std::error_code ec;
  asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec) return absl::UnavailableError(absl::StrFormat("write: %s", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<protocol::Frame> FrameClient::ReadFrame() {
  std::array<char, 4096> buffer;
  while (true) {
    if (auto frame = decoder_.Next()) return *std::move(frame);
    if (!decoder_.status().ok()) return decoder_.status();
    std::error_code ec;
    size_t n = socket_.read_some(asio::buffer(buffer), ec);
    if (ec) return absl::UnavailableError(absl::StrFormat("read: %s", ec.message()));
    (void)decoder_.Feed(std::string_view(buffer.data(), n));
  }
}

absl::StatusOr<protocol::Response> FrameClient::ReadResponse(protocol::Frame* out) {
  absl::StatusOr<protocol::Frame> frame = ReadFrame();
  if (!frame.ok()) return frame.status();
  if (!frame->header.is_response()) return absl::InternalError("not a response frame");
  auto response = protocol::DecodeResponse(frame->header.api_key, frame->payload.view());
  if (out != nullptr) *out = *std::move(frame);
  return response;
}

absl::StatusOr<protocol::HelloResponse> FrameClient::Hello(uint64_t request_id,
                                                           std::string cluster_id) {
  protocol::HelloRequest hello;
  hello.client_id = "test-client";
  hello.api_versions = protocol::SupportedApiVersions();
  hello.cluster_id = std::move(cluster_id);
  if (absl::Status s = Send(request_id, hello); !s.ok()) return s;
  absl::StatusOr<protocol::Frame> frame = ReadFrame();
  if (!frame.ok()) return frame.status();
  if (frame->header.api_key != protocol::ApiKey::kHello || !frame->header.is_response() ||
      frame->header.request_id != request_id) {
    return absl::InternalError("unexpected frame in answer to Hello");
  }
  return protocol::Decode<protocol::HelloResponse>(frame->payload.view());
}

bool FrameClient::WaitClosed() {
  std::array<char, 4096> buffer;
  while (true) {
    std::error_code ec;
    socket_.read_some(asio::buffer(buffer), ec);
    if (ec) return true;
  }
}

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace mq::broker::net::testing
