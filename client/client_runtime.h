#pragma once

// ClientRuntime: what every client object shares (internal to mq_client): one io_context and
// the thread that runs it, the connections (one per broker address), the route cache, and the
// call loop that routes a request, follows NOT_LEADER hints, refreshes metadata and retries
// with back-off until the deadline.
//
// The call loop, per attempt:
//  1. pick the address: any broker (Metadata, ClusterStatus), the controller leader (group 0),
//     a data group's leader, or the leader of a queue's group (the topic's metadata is fetched
//     when unknown or older than metadata_max_age_ms);
//  2. send on that address's connection with request_timeout_ms (+ extra_timeout_ms);
//  3. OK / DUPLICATE -> done. NOT_LEADER -> take the hint (or refresh metadata) and go again.
//     Retriable (UNAVAILABLE, TIMEOUT, THROTTLED) or a transport failure -> back off and go
//     again, unless the outcome is unknown and the call is not retry_unknown. Anything else,
//     or a code the caller asked to see (return_codes) -> done.
// The final status follows client/status.h: definite only if EVERY attempt was definitely
// rejected (one unknown attempt makes the whole operation unknown).
//
// Threading: Call/CallSync from any thread (CallSync never from the io thread); everything
// else, including every `done` callback, on the io thread, which must never block.
// Lifecycle: Create -> ... -> Shutdown (fails calls in progress, joins the thread; the
// destructor calls it).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "asio.hpp"
#include "client/client_options.h"
#include "client/connection.h"
#include "client/protocol/codec.h"
#include "client/protocol/messages.h"
#include "client/route_cache.h"
#include "client/status.h"
#include "storage/base/status_macros.h"

namespace mq::client {

class ClientRuntime : public std::enable_shared_from_this<ClientRuntime> {
 public:
  using Clock = std::chrono::steady_clock;

  struct Target {
    enum class Kind : uint8_t { kAny, kController, kGroup, kQueue, kAddress };
    Kind kind = Kind::kAny;
    uint64_t group_id = 0;
    std::string topic{};
    uint32_t queue_id = 0;
    std::string address{};  // kAddress: this broker and no other (retries go there too)

    static Target Any() { return {}; }
    static Target Controller() { return {.kind = Kind::kController}; }
    static Target Group(uint64_t group_id) { return {.kind = Kind::kGroup, .group_id = group_id}; }
    static Target Queue(std::string topic, uint32_t queue_id) {
      return {.kind = Kind::kQueue, .topic = std::move(topic), .queue_id = queue_id};
    }
    static Target Address(std::string host_port) {
      return {.kind = Kind::kAddress, .address = std::move(host_port)};
    }
  };

  struct CallPolicy {
    Clock::time_point deadline{};   // default: now + deadline_ms
    bool retry_unknown = true;      // false: an unknown outcome ends the call
    uint32_t extra_timeout_ms = 0;  // added to request_timeout_ms (long polls)
    // Error codes handed back as a response (the caller reads the header) instead of retried
    // or turned into a failure.
    std::vector<protocol::ErrorCode> return_codes{};
  };

  template <typename Req>
  using ResponseOf = typename protocol::ApiTraits<Req>::Response;
  template <typename Req>
  using Done = std::function<void(absl::StatusOr<ResponseOf<Req>>)>;

  [[nodiscard]] static absl::StatusOr<std::shared_ptr<ClientRuntime>> Create(
      const ClientOptions& options);
  ~ClientRuntime();
  ClientRuntime(const ClientRuntime&) = delete;
  ClientRuntime& operator=(const ClientRuntime&) = delete;

  void Shutdown();

  asio::io_context& io() { return io_; }
  bool InIoThread() const { return std::this_thread::get_id() == thread_id_.load(); }
  const ClientOptions& options() const { return options_; }
  const std::string& client_id() const { return client_id_; }
  Clock::time_point DefaultDeadline() const {
    return Clock::now() + std::chrono::milliseconds(options_.deadline_ms);
  }
  // The smallest batch_bytes_max a broker announced (0: none heard yet).
  uint64_t broker_batch_bytes_max() const { return broker_batch_bytes_max_.load(); }

  template <typename Req>
  void Call(Target target, Req request, CallPolicy policy, Done<Req> done) {
    auto response = std::make_shared<std::optional<ResponseOf<Req>>>();
    auto state = std::make_shared<CallState>();
    state->target = std::move(target);
    state->api_key = protocol::ApiTraits<Req>::kApiKey;
    state->name = protocol::ApiTraits<Req>::kName;
    state->payload = EncodeRequestPayload(request);
    state->policy = std::move(policy);
    if (state->policy.deadline == Clock::time_point{}) state->policy.deadline = DefaultDeadline();
    state->decode =
        [response](const protocol::Frame& frame) -> absl::StatusOr<protocol::ResponseHeader> {
      absl::StatusOr<ResponseOf<Req>> decoded =
          protocol::Decode<ResponseOf<Req>>(frame.payload.view());
      if (!decoded.ok()) return decoded.status();
      protocol::ResponseHeader header = decoded->header;
      *response = std::move(*decoded);
      return header;
    };
    state->finish = [response, done = std::move(done)](absl::Status status) {
      if (status.ok()) {
        done(std::move(**response));
      } else {
        done(std::move(status));
      }
    };
    Start(std::move(state));
  }

  template <typename Req>
  absl::StatusOr<ResponseOf<Req>> CallSync(Target target, Req request, CallPolicy policy = {}) {
    MQ_CHECK_MSG(!InIoThread(), "CallSync on the client's io thread would deadlock");
    auto promise = std::make_shared<std::promise<absl::StatusOr<ResponseOf<Req>>>>();
    auto future = promise->get_future();
    Call<Req>(std::move(target), std::move(request), std::move(policy),
              [promise](absl::StatusOr<ResponseOf<Req>> result) {
                promise->set_value(std::move(result));
              });
    return future.get();
  }

  // The route of a topic (io thread): from the cache, or after a metadata refresh if unknown or
  // stale. NOT_FOUND (rejected) for a topic the cluster does not have. The route is the cache's:
  // valid during `done` only.
  void ResolveTopic(std::string topic, Clock::time_point deadline,
                    std::function<void(absl::StatusOr<const protocol::TopicInfo*>)> done);
  // The cached route of a topic if it is known and fresh, else null (io thread; valid until the
  // route cache next changes). The producer routes each message through this first: no callback
  // to build while the cache answers.
  const protocol::TopicInfo* FreshTopic(std::string_view topic) const;
  // io thread only.
  RouteCache& routes() { return routes_; }

 private:
  struct CallState {
    Target target;
    protocol::ApiKey api_key = protocol::ApiKey::kNone;
    const char* name = "";
    RequestPayload payload;
    CallPolicy policy;
    std::function<absl::StatusOr<protocol::ResponseHeader>(const protocol::Frame&)> decode;
    std::function<void(absl::Status)> finish;
    int attempts = 0;
    int not_leader_streak = 0;
    bool any_unknown = false;
    bool refresh_metadata = false;
    absl::Status last_error;
    std::string address;
    std::unique_ptr<asio::steady_timer> timer;
  };

  ClientRuntime(const ClientOptions& options, std::vector<std::string> servers);

  uint64_t NowMs() const;
  void Start(std::shared_ptr<CallState> state);
  void Attempt(std::shared_ptr<CallState> state);
  void SendTo(std::shared_ptr<CallState> state, std::string address);
  void OnFrame(std::shared_ptr<CallState> state, absl::StatusOr<protocol::Frame> frame);
  void Retry(std::shared_ptr<CallState> state, absl::Status error, bool immediately);
  void Finish(std::shared_ptr<CallState> state, absl::Status status);
  // Resolves the address for the state's target (may refresh metadata first).
  void ResolveAddress(std::shared_ptr<CallState> state,
                      std::function<void(absl::StatusOr<std::string>)> done);
  // One metadata refresh at a time; callers that need a topic the one in flight does not ask
  // for wait for the next round.
  void RefreshMetadata(std::optional<std::string> topic, Clock::time_point deadline,
                       std::function<void(absl::Status)> done);
  void StartRefreshRound(Clock::time_point deadline);
  std::shared_ptr<Connection> GetConnection(const std::string& address);

  const ClientOptions options_;
  const std::string client_id_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_;
  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> broker_batch_bytes_max_{0};
  uint64_t jitter_state_;

  // io thread only.
  bool shutdown_ = false;
  RouteCache routes_;
  std::map<std::string, std::shared_ptr<Connection>> connections_;
  std::set<std::shared_ptr<CallState>> waiting_;  // in back-off
  bool refresh_in_flight_ = false;
  std::set<std::string> refresh_topics_;  // asked by the round in flight
  std::vector<std::function<void(absl::Status)>> refresh_waiters_;
  std::set<std::string> next_topics_;
  std::vector<std::function<void(absl::Status)>> next_waiters_;
  bool next_round_ = false;
};

}  // namespace mq::client
