#pragma once

// Session: one accepted TCP connection of a Server, client or peer.
//
// Lifecycle: the Server creates it on accept and calls Start(); it reads frames until the
// connection breaks, the peer misbehaves beyond repair, or Close() is called; then it closes
// the socket and tells the server (on_closed). It stays alive while any of its handlers or
// Responders' deliveries are pending (shared_ptr).
//
// Protocol:
//  - The first frame must be a Hello request; anything else is answered HELLO_REQUIRED and the
//    connection closes once that answer is written.
//  - Hello with peer_broker_id != 0 makes it a peer session: the cluster id must match (else
//    the HelloResponse carries an error and the connection closes). A peer session accepts only
//    kRaftPeerBatch request frames, decodes them (raft/wire) and hands them to the PeerInbox;
//    any other frame closes it. A batch that does not decode is logged and dropped (Raft
//    retries), the connection is kept.
//  - Otherwise it is a client session: each request frame is checked (client api key, else
//    UNSUPPORTED_API; supported version, else UNSUPPORTED_VERSION), decoded (a failure is
//    answered INVALID_ARGUMENT, definite) and handed to the ClientRequestHandler with a
//    Responder. Many requests may be in flight; answers are written in completion order.
//  - A bad frame header or payload crc (frame.h) closes the connection at once.
//
// Threading: everything runs on the session's strand (the socket's executor). Answer() and
// Close() may be called from any thread; they post to the strand. Writes go through one queue,
// drained by one writer that gathers several frames into each socket write.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "asio/ip/tcp.hpp"
#include "broker/net/responder.h"
#include "broker/net/server_options.h"
#include "client/protocol/frame.h"
#include "flatbuffers/detached_buffer.h"

namespace mq::broker::net {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `on_closed` is called once, on the strand, when the connection closes.
  Session(asio::ip::tcp::socket socket, uint64_t id, std::shared_ptr<const SessionContext> context,
          std::function<void(uint64_t id)> on_closed);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  // Starts reading. Call once, after construction, from any thread.
  void Start();
  // Closes the connection (pending answers are dropped). Any thread; idempotent.
  void Close();

  // Queues the answer to a request (called by Responder, any thread).
  void Answer(uint64_t request_id, protocol::ApiKey api_key, uint16_t api_version,
              flatbuffers::DetachedBuffer payload);

  uint64_t id() const { return id_; }

 private:
  enum class Kind { kAwaitingHello, kClient, kPeer };
  struct OutFrame {
    std::array<char, protocol::kFrameHeaderBytes> header;
    flatbuffers::DetachedBuffer payload;  // the builder's buffer: written without a copy
  };

  void DoRead();
  void OnRead(const std::error_code& ec, size_t bytes);
  // Hands queued frames to their handlers while the in-flight limit allows, then reads more.
  void Pump();
  bool CanTakeFrame() const;
  void HandleFrame(protocol::Frame frame);
  void HandleHello(const protocol::Frame& frame);
  void HandleClientRequest(protocol::Frame frame);
  void HandlePeerFrame(const protocol::Frame& frame);

  // Queues an ErrorResponse answering `request`.
  void WriteError(const protocol::FrameHeader& request, protocol::ErrorCode code,
                  std::string message);
  void WriteResponse(const protocol::FrameHeader& request, flatbuffers::DetachedBuffer payload);
  void DoWrite();
  void OnWrite(const std::error_code& ec);
  // Stops reading and closes once everything queued has been written.
  void CloseAfterFlush();
  void CloseNow(std::string_view why);

  asio::ip::tcp::socket socket_;
  const uint64_t id_;
  const std::shared_ptr<const SessionContext> context_;
  const ServerOptions* const options_;  // &context_->options
  std::function<void(uint64_t)> on_closed_;
  std::string remote_;

  // ---- Strand only ----
  Kind kind_ = Kind::kAwaitingHello;
  uint64_t peer_broker_id_ = 0;
  protocol::FrameDecoder decoder_;
  std::vector<char> read_buffer_;
  bool reading_ = false;
  bool closing_ = false;  // no more reads; close when the write queue drains
  bool closed_ = false;
  size_t in_flight_ = 0;
  std::deque<OutFrame> write_queue_;
  std::vector<OutFrame> writing_;  // the frames of the socket write in progress
  uint64_t dropped_peer_messages_ = 0;
};

}  // namespace mq::broker::net
