#pragma once

// The contract between a client session and the code that serves requests.
//
// A client session decodes each request frame and hands the request to
// ClientRequestHandler::Handle together with a Responder. The handler answers when it can, from
// any thread: at once (metadata), after a commit (produce), after a long poll (fetch). Many
// requests of one connection are in flight at once, and responses go out in completion order,
// each echoing its request's id and api key.
//
// A Responder is a small copyable handle. Exactly one of its copies must be invoked, once; a
// second answer is a programmer error and aborts. If every copy is destroyed unanswered (a
// handler dropped the request, a group stopped before running the work that held it), the
// client still gets an answer: INTERNAL "request dropped", definite = false (its outcome is
// unknown). Answering after the connection closed is harmless: the bytes are dropped.

#include <cstdint>
#include <memory>

#include "client/protocol/api_key.h"
#include "client/protocol/codec.h"
#include "client/protocol/messages.h"
#include "flatbuffers/detached_buffer.h"

namespace mq::broker::net {

class Session;

class Responder {
 public:
  // A Responder that answers nothing (for tests of handlers); Valid() is false.
  Responder() = default;

  // Writes `response` as the answer. Its type must be the request's response type (or
  // std::monostate, which is answered as INTERNAL); a mismatch is logged and answered INTERNAL.
  void operator()(protocol::Response response) const;
  // Answers with an ErrorResponse carrying `header` (readable as any response type): for
  // failures found before a typed response exists.
  void Error(protocol::ResponseHeader header) const;

  bool Valid() const { return state_ != nullptr; }
  uint64_t request_id() const;
  protocol::ApiKey api_key() const;
  // The connection the request came on (unique per server), e.g. to find a producer's
  // connection again.
  uint64_t session_id() const;

 private:
  friend class Session;
  struct State;
  explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}
  static Responder Make(std::weak_ptr<Session> session, uint64_t session_id, uint64_t request_id,
                        protocol::ApiKey api_key, uint16_t api_version);
  void Answer(flatbuffers::DetachedBuffer payload) const;

  std::shared_ptr<State> state_;
};

// Serves decoded client requests (everything but Hello, which the session answers itself).
// Handle runs on the session's strand, one request at a time per connection but concurrently
// across connections: it must not block. It must outlive the io_context's threads.
class ClientRequestHandler {
 public:
  virtual ~ClientRequestHandler() = default;
  virtual void Handle(protocol::Request request, Responder respond) = 0;
};

}  // namespace mq::broker::net
