#include "client/client_runtime.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "client/protocol/api_key.h"
#include "storage/base/status_macros.h"

namespace mq::client {
namespace {

using Kind = ClientRuntime::Target::Kind;

std::string DefaultClientId() {
  static std::atomic<uint64_t> counter{0};
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof(host), "client");
  }
  return absl::StrFormat("%s-%d-%d", host, static_cast<int>(getpid()), ++counter);
}

std::string TargetName(const ClientRuntime::Target& target) {
  switch (target.kind) {
    case Kind::kAny:
      return "any broker";
    case Kind::kController:
      return "the controller leader";
    case Kind::kGroup:
      return absl::StrFormat("the leader of group %u", target.group_id);
    case Kind::kQueue:
      return absl::StrFormat("the leader of %s/%u", target.topic, target.queue_id);
    case Kind::kAddress:
      return absl::StrFormat("the broker at %s", target.address);
  }
  return "?";
}

}  // namespace

absl::StatusOr<std::shared_ptr<ClientRuntime>> ClientRuntime::Create(const ClientOptions& options) {
  absl::StatusOr<std::vector<std::string>> servers = ParseServers(options.servers);
  if (!servers.ok()) {
    return MakeClientError(absl::StatusCode::kInvalidArgument, /*definite=*/true,
                           std::string(servers.status().message()));
  }
  if (options.deadline_ms == 0 || options.request_timeout_ms == 0 ||
      options.connect_timeout_ms == 0) {
    return MakeClientError(absl::StatusCode::kInvalidArgument, /*definite=*/true,
                           "deadline_ms, request_timeout_ms and connect_timeout_ms must be > 0");
  }
  std::shared_ptr<ClientRuntime> runtime(new ClientRuntime(options, std::move(*servers)));
  return runtime;
}

ClientRuntime::ClientRuntime(const ClientOptions& options, std::vector<std::string> servers)
    : options_(options),
      client_id_(options.client_id.empty() ? DefaultClientId() : options.client_id),
      work_(asio::make_work_guard(io_)),
      jitter_state_(reinterpret_cast<uintptr_t>(this) | 1),
      routes_(std::move(servers)) {
  std::promise<std::thread::id> started;
  auto started_future = started.get_future();
  thread_ = std::thread([this, &started] {
    started.set_value(std::this_thread::get_id());
    io_.run();
  });
  thread_id_.store(started_future.get());
}

ClientRuntime::~ClientRuntime() { Shutdown(); }

void ClientRuntime::Shutdown() {
  if (closed_.exchange(true)) return;
  MQ_CHECK_MSG(!InIoThread(), "ClientRuntime::Shutdown on its own io thread");
  asio::post(io_, [this] {
    shutdown_ = true;
    for (auto& [address, connection] : connections_) {
      connection->Close(MakeClientError(absl::StatusCode::kFailedPrecondition, /*definite=*/true,
                                        "client closed"));
    }
    connections_.clear();
    for (const auto& state : waiting_) state->timer->cancel();
  });
  work_.reset();
  thread_.join();
  // Work posted after the thread stopped: run it here (it sees shutdown_ and fails fast).
  thread_id_.store(std::this_thread::get_id());
  io_.restart();
  while (io_.poll() > 0) {
  }
}

uint64_t ClientRuntime::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

void ClientRuntime::Start(std::shared_ptr<CallState> state) {
  if (closed_.load()) {
    state->finish(MakeClientError(absl::StatusCode::kFailedPrecondition, /*definite=*/true,
                                  absl::StrFormat("%s: client closed", state->name)));
    return;
  }
  asio::post(io_, [this, state = std::move(state)]() mutable { Attempt(std::move(state)); });
}

void ClientRuntime::Attempt(std::shared_ptr<CallState> state) {
  if (shutdown_) {
    Finish(state, MakeClientError(absl::StatusCode::kFailedPrecondition, !state->any_unknown,
                                  "client closed"));
    return;
  }
  if (state->attempts > 0 && Clock::now() >= state->policy.deadline) {
    Finish(state,
           MakeClientError(absl::StatusCode::kDeadlineExceeded,
                           !state->any_unknown && IsDefiniteFailure(state->last_error),
                           absl::StrFormat("deadline passed after %d attempt(s); last error: %s",
                                           state->attempts, state->last_error.message())));
    return;
  }
  ++state->attempts;
  ResolveAddress(state, [this, state](absl::StatusOr<std::string> address) {
    if (!address.ok()) {
      // A route that does not exist (unknown topic or queue) ends the call; one that is only
      // unknown for now (no leader) is retried.
      if (absl::IsNotFound(address.status()) || absl::IsInvalidArgument(address.status())) {
        Finish(state, address.status());
      } else {
        Retry(state, address.status(), /*immediately=*/false);
      }
      return;
    }
    SendTo(state, std::move(*address));
  });
}

void ClientRuntime::ResolveAddress(std::shared_ptr<CallState> state,
                                   std::function<void(absl::StatusOr<std::string>)> done) {
  const Target& target = state->target;
  switch (target.kind) {
    case Kind::kAny:
      done(routes_.NextAnyAddress());
      return;
    case Kind::kAddress:
      done(target.address);
      return;
    case Kind::kController:
    case Kind::kGroup: {
      uint64_t group = target.kind == Kind::kController ? 0 : target.group_id;
      if (!state->refresh_metadata) {
        if (std::optional<std::string> address = routes_.LeaderAddress(group)) {
          done(std::move(*address));
          return;
        }
      }
      RefreshMetadata(
          std::nullopt, state->policy.deadline,
          [this, group, state, done = std::move(done)](absl::Status status) {
            state->refresh_metadata = false;
            if (std::optional<std::string> address = routes_.LeaderAddress(group)) {
              done(std::move(*address));
            } else if (group == 0) {
              // Any broker redirects to the controller leader with a hint.
              done(routes_.NextAnyAddress());
            } else {
              done(MakeClientError(
                  absl::StatusCode::kUnavailable, /*definite=*/true,
                  absl::StrFormat(
                      "no known leader for group %u%s", group,
                      status.ok() ? "" : absl::StrFormat(" (metadata: %s)", status.message()))));
            }
          });
      return;
    }
    case Kind::kQueue: {
      auto lookup = [this, state]() -> absl::StatusOr<std::string> {
        const Target& t = state->target;
        const protocol::TopicInfo* topic = routes_.Topic(t.topic);
        if (topic == nullptr) {
          return MakeClientError(absl::StatusCode::kNotFound, /*definite=*/true,
                                 absl::StrFormat("topic %s does not exist", t.topic),
                                 protocol::ErrorCode::kUnknownTopic);
        }
        std::optional<uint64_t> group = routes_.QueueGroup(t.topic, t.queue_id);
        if (!group.has_value()) {
          return MakeClientError(absl::StatusCode::kNotFound, /*definite=*/true,
                                 absl::StrFormat("topic %s has no queue %u (%u queues)", t.topic,
                                                 t.queue_id, topic->queue_count),
                                 protocol::ErrorCode::kUnknownQueue);
        }
        if (std::optional<std::string> address = routes_.LeaderAddress(*group)) {
          return std::move(*address);
        }
        return MakeClientError(absl::StatusCode::kUnavailable, /*definite=*/true,
                               absl::StrFormat("no known leader for group %u", *group));
      };
      bool stale = routes_.TopicStale(target.topic, NowMs(), options_.metadata_max_age_ms);
      if (!stale && !state->refresh_metadata) {
        absl::StatusOr<std::string> address = lookup();
        if (address.ok() || absl::IsNotFound(address.status())) {
          done(std::move(address));
          return;
        }
      }
      RefreshMetadata(target.topic, state->policy.deadline,
                      [state, lookup, done = std::move(done)](absl::Status status) {
                        state->refresh_metadata = false;
                        if (!status.ok()) {
                          done(status);
                          return;
                        }
                        done(lookup());
                      });
      return;
    }
  }
}

std::shared_ptr<Connection> ClientRuntime::GetConnection(const std::string& address) {
  auto it = connections_.find(address);
  if (it != connections_.end() && !it->second->failed()) return it->second;
  protocol::HelloRequest hello{.client_id = client_id_,
                               .software = "raftmq-cpp-client/0.1",
                               .api_versions = protocol::SupportedApiVersions(),
                               .auth = {.mechanism = options_.auth_mechanism,
                                        .username = options_.username,
                                        .secret = options_.secret}};
  auto connection =
      std::make_shared<Connection>(io_, address, std::move(hello), options_.connect_timeout_ms);
  connection->Start();
  connections_[address] = connection;
  return connection;
}

void ClientRuntime::SendTo(std::shared_ptr<CallState> state, std::string address) {
  state->address = address;
  std::shared_ptr<Connection> connection = GetConnection(address);
  auto remaining =
      std::chrono::duration_cast<std::chrono::milliseconds>(state->policy.deadline - Clock::now());
  uint64_t timeout_ms = uint64_t{options_.request_timeout_ms} + state->policy.extra_timeout_ms;
  // Never wait past the deadline (but give a request at least a moment).
  timeout_ms = std::min<uint64_t>(
      timeout_ms, std::max<int64_t>(remaining.count(), 1) + state->policy.extra_timeout_ms);
  connection->Send(state->api_key, state->payload, static_cast<uint32_t>(timeout_ms),
                   [this, state, connection](absl::StatusOr<protocol::Frame> frame) {
                     if (connection->broker_batch_bytes_max() != 0) {
                       uint64_t seen = broker_batch_bytes_max_.load();
                       uint64_t now = connection->broker_batch_bytes_max();
                       if (seen == 0 || now < seen) broker_batch_bytes_max_.store(now);
                     }
                     OnFrame(state, std::move(frame));
                   });
}

void ClientRuntime::OnFrame(std::shared_ptr<CallState> state,
                            absl::StatusOr<protocol::Frame> frame) {
  if (!frame.ok()) {
    // Transport failure: the leader there may be gone; look again before the next attempt.
    if (state->target.kind == Kind::kQueue || state->target.kind == Kind::kGroup ||
        state->target.kind == Kind::kController) {
      state->refresh_metadata = true;
    }
    absl::Status error =
        MakeClientError(frame.status().code(), IsDefiniteFailure(frame.status()),
                        absl::StrFormat("%s to %s (%s): %s", state->name, TargetName(state->target),
                                        state->address, frame.status().message()));
    if (!IsDefiniteFailure(error)) state->any_unknown = true;
    if (!IsDefiniteFailure(error) && !state->policy.retry_unknown) {
      Finish(state, AsUnknown(error));
      return;
    }
    Retry(state, error, /*immediately=*/false);
    return;
  }
  absl::StatusOr<protocol::ResponseHeader> header = state->decode(*frame);
  if (!header.ok()) {
    // The broker answered something we cannot read: whether it acted is unknown.
    Finish(state,
           MakeClientError(absl::StatusCode::kInternal, /*definite=*/false,
                           absl::StrFormat("%s from %s: undecodable response: %s", state->name,
                                           state->address, header.status().message())));
    return;
  }
  protocol::ErrorCode code = header->error_code;
  if (header->ok() ||
      std::find(state->policy.return_codes.begin(), state->policy.return_codes.end(), code) !=
          state->policy.return_codes.end()) {
    Finish(state, absl::OkStatus());
    return;
  }
  bool definite = header->definite;
  if (!definite) state->any_unknown = true;
  absl::Status error = MakeClientError(
      protocol::ToStatusCode(code), definite && !state->any_unknown,
      absl::StrFormat("%s: %s: %s (from %s)", state->name, protocol::ErrorCodeName(code),
                      header->message, state->address),
      code);
  if (code == protocol::ErrorCode::kNotLeader) {
    bool hinted = routes_.ApplyHint(header->leader_hint);
    if (!hinted) state->refresh_metadata = true;
    ++state->not_leader_streak;
    // Follow a fresh hint at once; a leader that keeps moving (or none known) gets a back-off.
    Retry(state, error, /*immediately=*/hinted && state->not_leader_streak <= 2);
    return;
  }
  state->not_leader_streak = 0;
  if (code == protocol::ErrorCode::kUnknownTopic && state->target.kind == Kind::kQueue) {
    routes_.ForgetTopic(state->target.topic);
  }
  bool retriable = code == protocol::ErrorCode::kUnavailable ||
                   code == protocol::ErrorCode::kTimeout || code == protocol::ErrorCode::kThrottled;
  if (retriable && (definite || state->policy.retry_unknown)) {
    if (code == protocol::ErrorCode::kUnavailable) state->refresh_metadata = true;
    Retry(state, error, /*immediately=*/false);
    return;
  }
  Finish(state, error);
}

void ClientRuntime::Retry(std::shared_ptr<CallState> state, absl::Status error, bool immediately) {
  state->last_error = std::move(error);
  if (shutdown_) {
    Attempt(state);
    return;
  }
  uint64_t delay_ms = 0;
  if (!immediately) {
    int exponent = std::min(state->attempts - 1, 20);
    delay_ms = std::min<uint64_t>(uint64_t{options_.retry_backoff_initial_ms} << exponent,
                                  options_.retry_backoff_max_ms);
    // Up to 20% jitter so clients that failed together do not retry together.
    jitter_state_ ^= jitter_state_ << 13;
    jitter_state_ ^= jitter_state_ >> 7;
    jitter_state_ ^= jitter_state_ << 17;
    delay_ms += delay_ms == 0 ? 0 : jitter_state_ % (delay_ms / 5 + 1);
  }
  auto deadline_left = state->policy.deadline - Clock::now();
  auto delay = std::chrono::milliseconds(delay_ms);
  if (delay > deadline_left) {
    delay = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline_left),
                     std::chrono::milliseconds(0));
  }
  if (delay.count() == 0 && immediately) {
    asio::post(io_, [this, state] { Attempt(state); });
    return;
  }
  if (!state->timer) state->timer = std::make_unique<asio::steady_timer>(io_);
  state->timer->expires_after(delay);
  waiting_.insert(state);
  state->timer->async_wait([this, state](const asio::error_code&) {
    waiting_.erase(state);
    Attempt(state);
  });
}

void ClientRuntime::Finish(std::shared_ptr<CallState> state, absl::Status status) {
  auto finish = std::move(state->finish);
  state->finish = nullptr;
  if (finish) finish(std::move(status));
}

const protocol::TopicInfo* ClientRuntime::FreshTopic(std::string_view topic) const {
  MQ_CHECK(InIoThread());
  if (routes_.TopicStale(topic, NowMs(), options_.metadata_max_age_ms)) return nullptr;
  return routes_.Topic(topic);
}

void ClientRuntime::ResolveTopic(
    std::string topic, Clock::time_point deadline,
    std::function<void(absl::StatusOr<const protocol::TopicInfo*>)> done) {
  if (const protocol::TopicInfo* info = FreshTopic(topic)) {
    done(info);
    return;
  }
  RefreshMetadata(topic, deadline, [this, topic, done = std::move(done)](absl::Status status) {
    if (!status.ok()) {
      done(status);
      return;
    }
    const protocol::TopicInfo* info = routes_.Topic(topic);
    if (info == nullptr) {
      done(MakeClientError(absl::StatusCode::kNotFound, /*definite=*/true,
                           absl::StrFormat("topic %s does not exist", topic),
                           protocol::ErrorCode::kUnknownTopic));
      return;
    }
    done(info);
  });
}

void ClientRuntime::RefreshMetadata(std::optional<std::string> topic, Clock::time_point deadline,
                                    std::function<void(absl::Status)> done) {
  if (refresh_in_flight_ &&
      (!topic.has_value() || refresh_topics_.empty() || refresh_topics_.contains(*topic))) {
    refresh_waiters_.push_back(std::move(done));
    return;
  }
  if (refresh_in_flight_) {
    next_topics_.insert(*topic);
    next_waiters_.push_back(std::move(done));
    next_round_ = true;
    return;
  }
  if (topic.has_value()) next_topics_.insert(*topic);
  next_waiters_.push_back(std::move(done));
  StartRefreshRound(deadline);
}

void ClientRuntime::StartRefreshRound(Clock::time_point deadline) {
  refresh_in_flight_ = true;
  next_round_ = false;
  refresh_waiters_ = std::move(next_waiters_);
  next_waiters_.clear();
  refresh_topics_ = std::move(next_topics_);
  next_topics_.clear();
  // Keep the topics already cached current too; none at all asks for every topic.
  for (std::string& name : routes_.TopicNames()) refresh_topics_.insert(std::move(name));
  protocol::MetadataRequest request{
      .topics = std::vector<std::string>(refresh_topics_.begin(), refresh_topics_.end())};
  // A refresh is a short affair: one request timeout, bounded by the caller's deadline.
  auto refresh_deadline =
      std::min(deadline, Clock::now() + std::chrono::milliseconds(options_.request_timeout_ms));
  Call<protocol::MetadataRequest>(
      Target::Any(), std::move(request), CallPolicy{.deadline = refresh_deadline},
      [this, deadline](absl::StatusOr<protocol::MetadataResponse> response) {
        absl::Status status = response.status();
        if (response.ok()) routes_.ApplyMetadata(*response, NowMs());
        std::vector<std::function<void(absl::Status)>> waiters = std::move(refresh_waiters_);
        refresh_waiters_.clear();
        refresh_topics_.clear();
        refresh_in_flight_ = false;
        if (next_round_) StartRefreshRound(deadline);
        for (auto& waiter : waiters) waiter(status);
      });
}

}  // namespace mq::client
