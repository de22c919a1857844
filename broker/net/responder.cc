#include "broker/net/responder.h"

#include <atomic>
#include <string>
#include <utility>
#include <variant>

#include "absl/strings/str_format.h"
#include "broker/net/session.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"

namespace mq::broker::net {

struct Responder::State {
  std::weak_ptr<Session> session;
  uint64_t session_id = 0;
  uint64_t request_id = 0;
  protocol::ApiKey api_key = protocol::ApiKey::kNone;
  uint16_t api_version = 0;
  std::atomic<bool> answered{false};

  ~State() {
    if (answered.load(std::memory_order_acquire)) return;
    protocol::ResponseHeader header;
    header.error_code = protocol::ErrorCode::kInternal;
    header.message = "request dropped by the broker before it was answered";
    header.definite = false;
    Deliver(protocol::EncodeBuffer(protocol::ErrorResponse{.header = header}));
  }

  void Deliver(flatbuffers::DetachedBuffer payload) {
    if (auto s = session.lock()) {
      s->Answer(request_id, api_key, api_version, std::move(payload));
    }
  }
};

Responder Responder::Make(std::weak_ptr<Session> session, uint64_t session_id, uint64_t request_id,
                          protocol::ApiKey api_key, uint16_t api_version) {
  auto state = std::make_shared<State>();
  state->session = std::move(session);
  state->session_id = session_id;
  state->request_id = request_id;
  state->api_key = api_key;
  state->api_version = api_version;
  return Responder(std::move(state));
}

void Responder::Answer(flatbuffers::DetachedBuffer payload) const {
  MQ_CHECK_MSG(state_ != nullptr, "Responder: answering through an empty Responder");
  bool was = state_->answered.exchange(true, std::memory_order_acq_rel);
  MQ_CHECK_MSG(!was, "Responder: a request was answered twice");
  state_->Deliver(std::move(payload));
}

void Responder::operator()(protocol::Response response) const {
  MQ_CHECK_MSG(state_ != nullptr, "Responder: answering through an empty Responder");
  protocol::ApiKey key = protocol::ApiKeyOf(response);
  if (key != state_->api_key) {
    std::string what = std::holds_alternative<std::monostate>(response)
                           ? std::string("no response")
                           : absl::StrFormat("a %s response", protocol::ApiKeyName(key));
    LogError(absl::StrFormat("session %d: request %d (%s) answered with %s", state_->session_id,
                             state_->request_id, protocol::ApiKeyName(state_->api_key), what));
    protocol::ResponseHeader header;
    header.error_code = protocol::ErrorCode::kInternal;
    header.message = absl::StrFormat("broker answered with %s", what);
    header.definite = false;
    Error(std::move(header));
    return;
  }
  Answer(protocol::EncodeResponseBuffer(response));
}

void Responder::Error(protocol::ResponseHeader header) const {
  Answer(protocol::EncodeBuffer(protocol::ErrorResponse{.header = header}));
}

uint64_t Responder::request_id() const { return state_ ? state_->request_id : 0; }
protocol::ApiKey Responder::api_key() const {
  return state_ ? state_->api_key : protocol::ApiKey::kNone;
}
uint64_t Responder::session_id() const { return state_ ? state_->session_id : 0; }

}  // namespace mq::broker::net
