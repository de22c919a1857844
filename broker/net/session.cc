#include "broker/net/session.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "asio/dispatch.hpp"
#include "asio/post.hpp"
#include "asio/strand.hpp"
#include "asio/write.hpp"
#include "client/protocol/codec.h"
#include "raft/wire/raft_codec.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"

namespace mq::broker::net {

namespace {

std::string RemoteOf(const asio::ip::tcp::socket& socket) {
  std::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown peer";
  return absl::StrFormat("%s:%d", endpoint.address().to_string(), endpoint.port());
}

}  // namespace

Session::Session(asio::ip::tcp::socket socket, uint64_t id,
                 std::shared_ptr<const SessionContext> context,
                 std::function<void(uint64_t id)> on_closed)
    : socket_(std::move(socket)),
      id_(id),
      context_(std::move(context)),
      options_(&context_->options),
      on_closed_(std::move(on_closed)),
      remote_(RemoteOf(socket_)),
      decoder_(options_->limits),
      read_buffer_(std::max<size_t>(options_->read_buffer_bytes, 1)) {}

Session::~Session() = default;

void Session::Start() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    std::error_code ignored;
    self->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    self->Pump();
  });
}

void Session::Close() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->CloseNow(""); });
}

void Session::Answer(uint64_t request_id, protocol::ApiKey api_key, uint16_t api_version,
                     flatbuffers::DetachedBuffer payload) {
  auto answer = [self = shared_from_this(), request_id, api_key, api_version,
                 payload = std::move(payload)]() mutable {
    MQ_CHECK(self->in_flight_ > 0);
    --self->in_flight_;
    if (self->closed_) return;
    self->WriteResponse(
        {.flags = 0, .api_key = api_key, .api_version = api_version, .request_id = request_id},
        std::move(payload));
    self->Pump();
  };
  // From another strand (a group's, answering a produce): dispatch, so that when this
  // session's strand is idle the response is written right here, on the answering thread,
  // instead of after a thread wake-up. From this session's own strand (a request answered
  // inside HandleFrame): post, so Pump never runs nested inside itself.
  using SessionStrand = asio::strand<asio::io_context::executor_type>;
  const asio::any_io_executor executor = socket_.get_executor();
  const SessionStrand* strand = executor.target<SessionStrand>();
  if (strand != nullptr && !strand->running_in_this_thread()) {
    asio::dispatch(*strand, std::move(answer));
  } else {
    asio::post(executor, std::move(answer));
  }
}

// ---- Reading --------------------------------------------------------------------------------

void Session::DoRead() {
  reading_ = true;
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](const std::error_code& ec, size_t bytes) {
                            self->OnRead(ec, bytes);
                          });
}

void Session::OnRead(const std::error_code& ec, size_t bytes) {
  reading_ = false;
  if (closed_) return;
  if (ec) {
    CloseNow(ec == asio::error::eof ? "" : ec.message());
    return;
  }
  // A decoder error is sticky; the frames completed before it are still served (Pump).
  (void)decoder_.Feed(std::string_view(read_buffer_.data(), bytes));
  Pump();
}

bool Session::CanTakeFrame() const {
  // Answers the session wrote itself (errors) count against the same bound as requests in
  // flight: a client that sends and never reads stalls its own connection, nothing more.
  size_t limit = std::max<size_t>(options_->requests_in_flight_max, 1);
  return in_flight_ < limit && write_queue_.size() < limit;
}

void Session::Pump() {
  while (!closed_ && !closing_ && CanTakeFrame()) {
    std::optional<protocol::Frame> frame = decoder_.Next();
    if (!frame.has_value()) break;
    HandleFrame(*std::move(frame));
  }
  if (closed_ || closing_ || reading_ || decoder_.queued_frames() > 0) return;
  if (!decoder_.status().ok()) {
    CloseNow(absl::StrFormat("bad frame: %s", decoder_.status().message()));
    return;
  }
  if (CanTakeFrame()) DoRead();
}

void Session::HandleFrame(protocol::Frame frame) {
  switch (kind_) {
    case Kind::kAwaitingHello:
      HandleHello(frame);
      return;
    case Kind::kClient:
      HandleClientRequest(std::move(frame));
      return;
    case Kind::kPeer:
      HandlePeerFrame(frame);
      return;
  }
}

void Session::HandleHello(const protocol::Frame& frame) {
  const protocol::FrameHeader& header = frame.header;
  if (header.is_response() || header.api_key != protocol::ApiKey::kHello) {
    WriteError(header, protocol::ErrorCode::kHelloRequired,
               absl::StrFormat("the first frame must be a Hello request, not %s%s",
                               protocol::ApiKeyName(header.api_key),
                               header.is_response() ? " (response)" : ""));
    CloseAfterFlush();
    return;
  }
  auto hello = protocol::Decode<protocol::HelloRequest>(frame.payload.view(), options_->limits);
  if (!hello.ok()) {
    WriteError(header, protocol::ErrorCode::kInvalidArgument,
               std::string(hello.status().message()));
    CloseAfterFlush();
    return;
  }
  protocol::HelloResponse response;
  response.broker_id = options_->broker_id;
  response.cluster_id = options_->cluster_id;
  response.api_versions = protocol::SupportedApiVersions();
  response.frame_bytes_max = options_->limits.frame_bytes_max;
  response.batch_bytes_max = options_->limits.batch_bytes_max;
  bool is_peer = hello->peer_broker_id != 0;
  std::string refusal;
  if ((is_peer || !hello->cluster_id.empty()) && hello->cluster_id != options_->cluster_id) {
    refusal = absl::StrFormat("cluster id \"%s\" does not match this broker's \"%s\"",
                              hello->cluster_id, options_->cluster_id);
  } else if (is_peer && hello->peer_broker_id == options_->broker_id) {
    refusal = absl::StrFormat("peer broker id %d is this broker's own id", hello->peer_broker_id);
  }
  if (!refusal.empty()) {
    LogWarning(absl::StrFormat("session %d (%s): Hello refused: %s", id_, remote_, refusal));
    response.header.error_code = protocol::ErrorCode::kInvalidArgument;
    response.header.message = std::move(refusal);
    response.header.definite = true;
    WriteResponse(header, protocol::EncodeBuffer(response));
    CloseAfterFlush();
    return;
  }
  if (is_peer) {
    kind_ = Kind::kPeer;
    peer_broker_id_ = hello->peer_broker_id;
  } else {
    kind_ = Kind::kClient;
  }
  WriteResponse(header, protocol::EncodeBuffer(response));
}

void Session::HandleClientRequest(protocol::Frame frame) {
  const protocol::FrameHeader& header = frame.header;
  if (header.is_response()) {
    WriteError(header, protocol::ErrorCode::kInvalidArgument,
               "a response frame was sent to the broker");
    return;
  }
  if (!protocol::IsClientApiKey(header.api_key)) {
    WriteError(header, protocol::ErrorCode::kUnsupportedApi,
               absl::StrFormat("%s is not a client api", protocol::ApiKeyName(header.api_key)));
    return;
  }
  if (!protocol::IsSupportedApiVersion(header.api_key, header.api_version)) {
    WriteError(header, protocol::ErrorCode::kUnsupportedVersion,
               absl::StrFormat("%s version %d is not supported",
                               protocol::ApiKeyName(header.api_key), header.api_version));
    return;
  }
  if (header.api_key == protocol::ApiKey::kHello) {
    // A repeated Hello: answer it again; a session never changes kind.
    auto hello = protocol::Decode<protocol::HelloRequest>(frame.payload.view(), options_->limits);
    if (!hello.ok() || hello->peer_broker_id != 0) {
      WriteError(header, protocol::ErrorCode::kInvalidArgument,
                 hello.ok() ? "a client session cannot become a peer session"
                            : std::string(hello.status().message()));
      return;
    }
    kind_ = Kind::kAwaitingHello;
    HandleHello(frame);
    return;
  }
  auto request = protocol::DecodeRequest(header.api_key, frame.payload.view(), options_->limits);
  if (!request.ok()) {
    WriteError(header, protocol::ErrorCode::kInvalidArgument,
               std::string(request.status().message()));
    return;
  }
  if (context_->handler == nullptr) {
    WriteError(header, protocol::ErrorCode::kUnsupportedApi,
               "this listener serves no client requests");
    return;
  }
  ++in_flight_;
  context_->handler->Handle(
      *std::move(request), Responder::Make(weak_from_this(), id_, header.request_id, header.api_key,
                                           header.api_version));
}

void Session::HandlePeerFrame(const protocol::Frame& frame) {
  const protocol::FrameHeader& header = frame.header;
  if (header.is_response() || header.api_key != protocol::ApiKey::kRaftPeerBatch) {
    CloseNow(absl::StrFormat("peer %d sent %s%s on a peer connection", peer_broker_id_,
                             protocol::ApiKeyName(header.api_key),
                             header.is_response() ? " (response)" : ""));
    return;
  }
  auto batch = raft::wire::DecodePeerBatch(frame.payload.view(), options_->peer_limits);
  if (!batch.ok()) {
    LogWarning(absl::StrFormat("session %d: dropped a peer batch from broker %d: %s", id_,
                               peer_broker_id_, batch.status().message()));
    return;
  }
  std::vector<raft::wire::GroupMessage> messages = *std::move(batch);
  size_t kept = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].message.from != peer_broker_id_) continue;
    if (kept != i) messages[kept] = std::move(messages[i]);
    ++kept;
  }
  if (kept != messages.size()) {
    if (dropped_peer_messages_ == 0) {
      LogWarning(
          absl::StrFormat("session %d: broker %d sent messages from another node; dropping them",
                          id_, peer_broker_id_));
    }
    dropped_peer_messages_ += messages.size() - kept;
    messages.resize(kept);
  }
  if (messages.empty() || !context_->inbox) return;
  context_->inbox(peer_broker_id_, std::move(messages));
}

// ---- Writing --------------------------------------------------------------------------------

void Session::WriteError(const protocol::FrameHeader& request, protocol::ErrorCode code,
                         std::string message) {
  protocol::ResponseHeader header;
  header.error_code = code;
  if (message.size() > options_->limits.error_message_bytes_max) {
    message.resize(options_->limits.error_message_bytes_max);
  }
  header.message = std::move(message);
  header.definite = true;
  WriteResponse(request, protocol::EncodeBuffer(protocol::ErrorResponse{.header = header}));
}

void Session::WriteResponse(const protocol::FrameHeader& request,
                            flatbuffers::DetachedBuffer payload) {
  if (closed_) return;
  protocol::FrameHeader header{.flags = protocol::kFrameFlagResponse,
                               .api_key = request.api_key,
                               .api_version = request.api_version,
                               .request_id = request.request_id};
  const std::string_view bytes(reinterpret_cast<const char*>(payload.data()), payload.size());
  write_queue_.push_back(OutFrame{protocol::EncodeFrameHeader(header, bytes), std::move(payload)});
  if (writing_.empty()) DoWrite();
}

void Session::DoWrite() {
  size_t count = std::min(write_queue_.size(), std::max<size_t>(options_->gather_frames_max, 1));
  writing_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    writing_.push_back(std::move(write_queue_.front()));
    write_queue_.pop_front();
  }
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(2 * count);
  for (const OutFrame& frame : writing_) {
    buffers.push_back(asio::buffer(frame.header));
    if (frame.payload.size() != 0) {
      buffers.push_back(asio::buffer(frame.payload.data(), frame.payload.size()));
    }
  }
  asio::async_write(
      socket_, buffers,
      [self = shared_from_this()](const std::error_code& ec, size_t) { self->OnWrite(ec); });
}

void Session::OnWrite(const std::error_code& ec) {
  writing_.clear();
  if (closed_) return;
  if (ec) {
    CloseNow(ec.message());
    return;
  }
  if (!write_queue_.empty()) {
    DoWrite();
  } else if (closing_) {
    CloseNow("");
    return;
  }
  Pump();  // reading may have waited for the write queue to shrink
}

void Session::CloseAfterFlush() {
  closing_ = true;
  if (writing_.empty() && write_queue_.empty()) CloseNow("");
}

void Session::CloseNow(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  if (!why.empty()) {
    LogWarning(absl::StrFormat("session %d (%s): closing: %s", id_, remote_, why));
  }
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  write_queue_.clear();
  if (on_closed_) {
    auto on_closed = std::move(on_closed_);
    on_closed_ = nullptr;
    on_closed(id_);
  }
}

}  // namespace mq::broker::net
