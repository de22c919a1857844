#include "client/consumer_core.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_format.h"
#include "client/status.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"

namespace mq::client {
namespace {

using Clock = ClientRuntime::Clock;
using Target = ClientRuntime::Target;

bool IsBroadcast(const ConsumerOptions& options) {
  return options.mode == protocol::ConsumeMode::kBroadcasting;
}

// CommitOffset answers the consumer handles itself (a rebalance or a rejoin follows).
std::vector<protocol::ErrorCode> CommitReturnCodes() {
  return {protocol::ErrorCode::kFenced, protocol::ErrorCode::kUnknownMember,
          protocol::ErrorCode::kRebalanceInProgress};
}

absl::Status Rejected(absl::StatusCode code, std::string message) {
  return MakeClientError(code, /*definite=*/true, message);
}

}  // namespace

absl::StatusOr<std::shared_ptr<ConsumerCore>> ConsumerCore::Create(const ConsumerOptions& options) {
  if (options.group.empty()) {
    return Rejected(absl::StatusCode::kInvalidArgument, "consumer: group name is required");
  }
  if (IsBroadcast(options) && options.instance.empty()) {
    return Rejected(absl::StatusCode::kInvalidArgument,
                    "consumer: broadcasting needs an instance name");
  }
  if (options.fetch_messages_max == 0 || options.fetch_bytes_max == 0) {
    return Rejected(absl::StatusCode::kInvalidArgument,
                    "consumer: fetch_messages_max and fetch_bytes_max must be > 0");
  }
  MQ_ASSIGN_OR_RETURN(std::shared_ptr<ClientRuntime> runtime,
                      ClientRuntime::Create(options.client));
  return std::shared_ptr<ConsumerCore>(new ConsumerCore(options, std::move(runtime)));
}

ConsumerCore::ConsumerCore(const ConsumerOptions& options, std::shared_ptr<ClientRuntime> runtime)
    : options_(options), runtime_(std::move(runtime)) {}

// Owners (PullConsumer, PushConsumer) Close before the last reference goes.
ConsumerCore::~ConsumerCore() = default;

absl::Status ConsumerCore::Subscribe(std::string_view topic, std::string_view tag_expression) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Rejected(absl::StatusCode::kFailedPrecondition, "consumer is closed");
  if (started_) {
    return Rejected(absl::StatusCode::kFailedPrecondition,
                    "Subscribe after the first Poll: create another consumer");
  }
  if (topic.empty()) return Rejected(absl::StatusCode::kInvalidArgument, "Subscribe: empty topic");
  std::string expression = tag_expression.empty() ? "*" : std::string(tag_expression);
  for (protocol::Subscription& s : subscriptions_) {
    if (s.topic == topic) {
      s.tag_expression = expression;
      return absl::OkStatus();
    }
  }
  subscriptions_.push_back({.topic = std::string(topic), .tag_expression = expression});
  return absl::OkStatus();
}

std::string ConsumerCore::TagFilterFor(const std::string& topic) const {
  for (const protocol::Subscription& s : subscriptions_) {
    if (s.topic == topic) return s.tag_expression == "*" ? "" : s.tag_expression;
  }
  return "";
}

std::vector<protocol::QueueRef> ConsumerCore::Assignment() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<protocol::QueueRef> out;
  for (const auto& [key, q] : queues_) out.push_back({.topic = key.first, .queue_id = key.second});
  return out;
}

void ConsumerCore::Wakeup() {
  std::lock_guard<std::mutex> lock(mu_);
  wakeup_ = true;
  cv_.notify_all();
}

// --- Membership ------------------------------------------------------------------------------

absl::Status ConsumerCore::Join() {
  protocol::JoinGroupRequest request;
  {
    std::lock_guard<std::mutex> lock(mu_);
    request = {.group = options_.group,
               .member_id = member_id_,
               .client_id = runtime_->client_id(),
               .instance = options_.instance,
               .subscriptions = subscriptions_,
               .session_timeout_ms = options_.session_timeout_ms};
  }
  absl::StatusOr<protocol::JoinGroupResponse> response = runtime_->CallSync(
      Target::Controller(), request, {.return_codes = {protocol::ErrorCode::kUnknownMember}});
  if (response.ok() && response->header.error_code == protocol::ErrorCode::kUnknownMember) {
    // Our member id expired: join as a new member.
    request.member_id.clear();
    response = runtime_->CallSync(Target::Controller(), request);
  }
  MQ_RETURN_IF_ERROR(response.status());
  {
    std::lock_guard<std::mutex> lock(mu_);
    member_id_ = response->member_id;
    rejoin_needed_ = false;
    rebalance_needed_ = false;
    heartbeat_interval_ms_ = response->heartbeat_interval_ms != 0
                                 ? response->heartbeat_interval_ms
                                 : std::max<uint32_t>(options_.session_timeout_ms / 3, 10);
  }
  SetAssignment(response->assignment, response->generation);
  ScheduleHeartbeat(heartbeat_interval_ms_);
  return absl::OkStatus();
}

absl::Status ConsumerCore::Sync() {
  protocol::SyncGroupRequest request;
  {
    std::lock_guard<std::mutex> lock(mu_);
    request = {.group = options_.group, .member_id = member_id_, .generation = generation_};
  }
  MQ_ASSIGN_OR_RETURN(
      protocol::SyncGroupResponse response,
      runtime_->CallSync(Target::Controller(), request,
                         {.return_codes = {protocol::ErrorCode::kRebalanceInProgress,
                                           protocol::ErrorCode::kUnknownMember}}));
  if (response.header.error_code == protocol::ErrorCode::kUnknownMember) {
    std::lock_guard<std::mutex> lock(mu_);
    rejoin_needed_ = true;
    return Rejected(absl::StatusCode::kUnavailable, "SyncGroup: member unknown; rejoining");
  }
  if (response.header.error_code == protocol::ErrorCode::kRebalanceInProgress) {
    return Rejected(absl::StatusCode::kUnavailable, "SyncGroup: rebalance in progress");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    rebalance_needed_ = false;
  }
  SetAssignment(response.assignment, response.generation);
  return absl::OkStatus();
}

absl::Status ConsumerCore::AssignAllQueues() {
  protocol::MetadataRequest request;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const protocol::Subscription& s : subscriptions_) request.topics.push_back(s.topic);
  }
  MQ_ASSIGN_OR_RETURN(protocol::MetadataResponse metadata,
                      runtime_->CallSync(Target::Any(), request));
  std::vector<protocol::QueueRef> all;
  for (const std::string& topic : request.topics) {
    const protocol::TopicInfo* info = nullptr;
    for (const protocol::TopicInfo& t : metadata.topics) {
      if (t.name == topic && t.error_code == protocol::ErrorCode::kOk) info = &t;
    }
    if (info == nullptr) {
      return MakeClientError(absl::StatusCode::kNotFound, /*definite=*/true,
                             absl::StrFormat("topic %s does not exist", topic),
                             protocol::ErrorCode::kUnknownTopic);
    }
    for (const protocol::QueueInfo& queue : info->queues) {
      all.push_back({.topic = topic, .queue_id = queue.queue_id});
    }
  }
  SetAssignment(all, 0);
  return absl::OkStatus();
}

void ConsumerCore::SetAssignment(const std::vector<protocol::QueueRef>& assignment,
                                 uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  ++epoch_;
  generation_ = generation;
  std::map<QueueKey, QueueState> next;
  for (const protocol::QueueRef& ref : assignment) {
    QueueKey key{ref.topic, ref.queue_id};
    QueueState state;
    auto it = queues_.find(key);
    if (it != queues_.end() && it->second.initialized) {
      // Kept: continue from what the application consumed; fetched-but-unreturned data is
      // dropped with the old epoch and fetched again.
      state.consumed = it->second.consumed;
      state.fetch_offset = it->second.consumed;
      state.committed = it->second.committed;
      state.initialized = true;
    }
    next.emplace(std::move(key), std::move(state));
  }
  queues_ = std::move(next);
  cv_.notify_all();
}

absl::Status ConsumerCore::InitPositions(const std::vector<QueueKey>& keys) {
  if (keys.empty()) return absl::OkStatus();
  protocol::FetchOffsetRequest request{.group = options_.group,
                                       .instance = IsBroadcast(options_) ? options_.instance : ""};
  for (const QueueKey& key : keys)
    request.queues.push_back({.topic = key.first, .queue_id = key.second});
  MQ_ASSIGN_OR_RETURN(protocol::FetchOffsetResponse committed,
                      runtime_->CallSync(Target::Controller(), request));
  std::map<QueueKey, uint64_t> offsets;
  for (const protocol::QueueOffset& o : committed.offsets) {
    offsets[{o.topic, o.queue_id}] = o.offset;
  }
  for (const QueueKey& key : keys) {
    uint64_t position = protocol::kNoOffset;
    auto it = offsets.find(key);
    if (it != offsets.end()) position = it->second;
    uint64_t committed_offset = position;
    if (position == protocol::kNoOffset) {
      MQ_ASSIGN_OR_RETURN(
          protocol::ListOffsetsResponse ranges,
          runtime_->CallSync(Target::Queue(key.first, key.second),
                             protocol::ListOffsetsRequest{
                                 .queues = {{.topic = key.first, .queue_id = key.second}}}));
      uint64_t min = 0, max = 0;
      for (const protocol::QueueOffsetRange& range : ranges.queues) {
        if (range.topic == key.first && range.queue_id == key.second) {
          min = range.min_offset;
          max = range.max_offset;
        }
      }
      switch (options_.start_position) {
        case StartPosition::kEarliest:
          position = min;
          break;
        case StartPosition::kLatest:
          position = max;
          break;
        case StartPosition::kOffset:
          position = std::clamp(options_.start_offset, min, std::max(min, max));
          break;
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto q = queues_.find(key);
    if (q == queues_.end()) continue;  // reassigned meanwhile
    q->second.fetch_offset = position;
    q->second.consumed = position;
    q->second.committed = committed_offset;
    q->second.initialized = true;
  }
  return absl::OkStatus();
}

absl::Status ConsumerCore::EnsureMembership(Clock::time_point until) {
  bool started;
  {
    std::lock_guard<std::mutex> lock(mu_);
    started = started_;
  }
  if (!started) {
    MQ_RETURN_IF_ERROR(IsBroadcast(options_) ? AssignAllQueues() : Join());
    std::lock_guard<std::mutex> lock(mu_);
    started_ = true;
    last_auto_commit_ = Clock::now();
  }
  uint32_t backoff_ms = options_.client.retry_backoff_initial_ms;
  for (;;) {
    bool rejoin, rebalance;
    {
      std::lock_guard<std::mutex> lock(mu_);
      rejoin = rejoin_needed_;
      rebalance = rebalance_needed_;
    }
    if (!rejoin && !rebalance) break;
    if (options_.auto_commit) (void)Commit();  // may be fenced: the new owner re-reads
    absl::Status status = rejoin ? Join() : Sync();
    if (status.ok()) continue;
    if (!absl::IsUnavailable(status) || Clock::now() >= until) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min(backoff_ms * 2, options_.client.retry_backoff_max_ms);
  }
  std::vector<QueueKey> uninitialized;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, q] : queues_) {
      if (!q.initialized) uninitialized.push_back(key);
    }
  }
  return InitPositions(uninitialized);
}

void ConsumerCore::ScheduleHeartbeat(uint32_t delay_ms) {
  if (IsBroadcast(options_)) return;
  asio::post(runtime_->io(), [self = shared_from_this(), delay_ms] {
    if (!self->heartbeat_timer_) {
      self->heartbeat_timer_ = std::make_unique<asio::steady_timer>(self->runtime_->io());
    }
    self->heartbeat_timer_->expires_after(std::chrono::milliseconds(delay_ms));
    self->heartbeat_timer_->async_wait([self](const asio::error_code& ec) {
      if (!ec) self->Heartbeat();
    });
  });
}

void ConsumerCore::Heartbeat() {
  protocol::HeartbeatRequest request;
  uint32_t interval;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || member_id_.empty()) return;
    request = {.group = options_.group, .member_id = member_id_, .generation = generation_};
    interval = heartbeat_interval_ms_;
  }
  runtime_->Call<protocol::HeartbeatRequest>(
      Target::Controller(), request,
      {.deadline = Clock::now() + std::chrono::milliseconds(options_.session_timeout_ms),
       .return_codes = {protocol::ErrorCode::kRebalanceInProgress,
                        protocol::ErrorCode::kUnknownMember, protocol::ErrorCode::kFenced}},
      [self = shared_from_this(), interval,
       sent_generation = request.generation](absl::StatusOr<protocol::HeartbeatResponse> response) {
        {
          std::lock_guard<std::mutex> lock(self->mu_);
          if (self->closed_) return;
          if (!response.ok()) {
            LogWarning(absl::StrFormat("consumer %s: heartbeat failed: %s", self->options_.group,
                                       response.status().message()));
          } else if (response->header.error_code == protocol::ErrorCode::kUnknownMember ||
                     response->header.error_code == protocol::ErrorCode::kFenced) {
            self->rejoin_needed_ = true;
            self->cv_.notify_all();
          } else if (response->header.error_code == protocol::ErrorCode::kRebalanceInProgress ||
                     response->generation > sent_generation) {
            self->rebalance_needed_ = true;
            self->cv_.notify_all();
          }
        }
        self->ScheduleHeartbeat(interval);
      });
}

// --- Fetching --------------------------------------------------------------------------------

void ConsumerCore::StartFetchLocked(const QueueKey& key) {
  QueueState& q = queues_[key];
  if (q.in_flight || closed_) return;
  q.in_flight = true;
  uint32_t wait_ms = options_.fetch_wait_ms_max;
  protocol::FetchRequest request{.topic = key.first,
                                 .queue_id = key.second,
                                 .offset = q.fetch_offset,
                                 .max_messages = options_.fetch_messages_max,
                                 .max_bytes = options_.fetch_bytes_max,
                                 .max_wait_ms = wait_ms,
                                 .tag_filter = TagFilterFor(key.first),
                                 .consumer_group = options_.group};
  runtime_->Call<protocol::FetchRequest>(
      Target::Queue(key.first, key.second), std::move(request),
      {.deadline = Clock::now() + std::chrono::milliseconds(options_.client.deadline_ms + wait_ms),
       .extra_timeout_ms = wait_ms,
       .return_codes = {protocol::ErrorCode::kOffsetOutOfRange}},
      [self = shared_from_this(), key, epoch = epoch_,
       offset = q.fetch_offset](absl::StatusOr<protocol::FetchResponse> response) {
        self->OnFetched(key, epoch, offset, std::move(response));
      });
}

void ConsumerCore::OnFetched(const QueueKey& key, uint64_t epoch, uint64_t offset,
                             absl::StatusOr<protocol::FetchResponse> response) {
  // Decoded before taking mu_ (this verifies and copies every message), so a Poll draining
  // the other queues is not held up behind it.
  std::vector<ReceivedMessage> decoded;
  absl::Status decode_error;
  uint64_t decode_stop = 0;  // with decode_error: where the batch that failed starts
  if (response.ok() && response->header.error_code != protocol::ErrorCode::kOffsetOutOfRange) {
    size_t slots = 0;
    for (const protocol::FetchedBatch& batch : response->batches) slots += batch.slots.size();
    decoded.reserve(slots);
    for (const protocol::FetchedBatch& batch : response->batches) {
      absl::Status status = DecodeFetchedBatchInto(key.first, key.second, batch, decoded);
      if (!status.ok()) {
        // A batch that does not verify cannot be skipped silently: stop before it, report,
        // and let the next Poll fetch it again.
        decode_error = std::move(status);
        decode_stop = batch.base_offset + (batch.slots.empty() ? 0 : batch.slots.front());
        break;
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (epoch != epoch_ || closed_) return;
  auto it = queues_.find(key);
  if (it == queues_.end()) return;
  QueueState& q = it->second;
  q.in_flight = false;
  if (!response.ok()) {
    // Poll starts the next fetch; the runtime already retried within the deadline.
    q.last_error = response.status();
    LogWarning(absl::StrFormat("consumer %s: fetch %s/%u at %u: %s", options_.group, key.first,
                               key.second, offset, response.status().message()));
    cv_.notify_all();
    return;
  }
  if (response->header.error_code == protocol::ErrorCode::kOffsetOutOfRange) {
    uint64_t reset =
        offset < response->log_start_offset ? response->log_start_offset : response->high_watermark;
    LogWarning(absl::StrFormat("consumer %s: %s/%u offset %u out of range [%u, %u]; moving to %u",
                               options_.group, key.first, key.second, offset,
                               response->log_start_offset, response->high_watermark, reset));
    q.fetch_offset = reset;
    if (q.buffer.empty()) q.consumed = reset;
    cv_.notify_all();
    return;
  }
  q.last_error = absl::OkStatus();
  size_t added = 0;
  uint64_t next = std::max(response->next_offset, offset);
  if (!decode_error.ok()) {
    q.last_error = decode_error;
    LogError(absl::StrFormat("consumer %s: %s", options_.group, decode_error.message()));
    next = std::max(decode_stop, offset);
  }
  for (ReceivedMessage& m : decoded) {
    if (m.offset < offset) continue;  // before what we asked for
    next = std::max(next, m.offset + 1);
    q.buffer.push_back(std::move(m));
    ++added;
  }
  q.fetch_offset = next;
  q.buffer_next_offset = next;
  if (q.buffer.empty()) {
    // Everything up to `next` was filtered out: nothing to hand out, the position moves.
    q.consumed = std::max(q.consumed, next);
  }
  // Read ahead: a fetch that brought messages is followed at once by the next one (from here,
  // the io thread), so the broker reads and sends while the application processes, instead of
  // waiting for the next Poll. Bounded: only while the queue holds at most one fetch's worth,
  // so an application that stops polling stops the fetching after one more fetch.
  if (added > 0 && q.last_error.ok() && !closing_ &&
      q.buffer.size() <= options_.fetch_messages_max) {
    StartFetchLocked(key);
  }
  cv_.notify_all();
}

absl::StatusOr<std::vector<ReceivedMessage>> ConsumerCore::Poll(uint32_t timeout_ms) {
  Clock::time_point until = Clock::now() + std::chrono::milliseconds(timeout_ms);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Rejected(absl::StatusCode::kFailedPrecondition, "consumer is closed");
    if (subscriptions_.empty()) {
      return Rejected(absl::StatusCode::kFailedPrecondition, "Poll before Subscribe");
    }
  }
  MQ_RETURN_IF_ERROR(EnsureMembership(until));
  if (options_.auto_commit) {
    // In the background: a commit is a replicated write at the controller (a majority fsync),
    // and waiting for it here would hold back messages that are already fetched.
    std::lock_guard<std::mutex> lock(mu_);
    if (!commit_in_flight_ && Clock::now() - last_auto_commit_ >=
                                  std::chrono::milliseconds(options_.auto_commit_interval_ms)) {
      last_auto_commit_ = Clock::now();
      StartAutoCommitLocked();
    }
  }
  std::unique_lock<std::mutex> lock(mu_);
  // Fetches run while a Poll waits: an empty answer (a long poll that timed out) starts the next
  // one from here, never from the io thread, so a consumer nobody polls stops fetching.
  auto idle = [](const QueueState& q) {
    return q.initialized && !q.in_flight && q.buffer.empty() && q.last_error.ok();
  };
  bool first = true;
  for (;;) {
    for (auto& [key, q] : queues_) {
      if (q.initialized && !q.in_flight && q.buffer.empty() && (first || q.last_error.ok())) {
        q.last_error = absl::OkStatus();
        StartFetchLocked(key);
      }
    }
    first = false;
    auto ready = [&] {
      if (closed_ || wakeup_ || rebalance_needed_ || rejoin_needed_) return true;
      for (const auto& [key, q] : queues_) {
        if (!q.buffer.empty() || idle(q)) return true;
      }
      return false;
    };
    cv_.wait_until(lock, until, ready);
    if (Clock::now() >= until || closed_ || wakeup_ || rebalance_needed_ || rejoin_needed_) break;
    bool data = false;
    for (const auto& [key, q] : queues_) data = data || !q.buffer.empty();
    if (data) break;
  }
  wakeup_ = false;
  std::vector<ReceivedMessage> out;
  for (auto& [key, q] : queues_) {
    if (q.buffer.empty()) continue;
    for (ReceivedMessage& m : q.buffer) out.push_back(std::move(m));
    q.buffer.clear();
    q.consumed = q.buffer_next_offset;
  }
  return out;
}

// --- Commits ---------------------------------------------------------------------------------

absl::Status ConsumerCore::Commit() {
  std::vector<protocol::QueueOffset> offsets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, q] : queues_) {
      if (!q.initialized || q.consumed == q.committed) continue;
      offsets.push_back({.topic = key.first, .queue_id = key.second, .offset = q.consumed});
    }
  }
  return CommitOffsets(std::move(offsets));
}

absl::Status ConsumerCore::Commit(std::string_view topic, uint32_t queue_id, uint64_t next_offset) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!queues_.contains(QueueKey{std::string(topic), queue_id})) {
      return Rejected(
          absl::StatusCode::kFailedPrecondition,
          absl::StrFormat("Commit: %s/%u is not assigned to this consumer", topic, queue_id));
    }
  }
  return CommitOffsets(
      {{.topic = std::string(topic), .queue_id = queue_id, .offset = next_offset}});
}

protocol::CommitOffsetRequest ConsumerCore::CommitRequestLocked(
    std::vector<protocol::QueueOffset> offsets) const {
  return {.group = options_.group,
          .member_id = IsBroadcast(options_) ? "" : member_id_,
          .generation = generation_,
          .instance = IsBroadcast(options_) ? options_.instance : "",
          .offsets = std::move(offsets)};
}

absl::Status ConsumerCore::FinishCommitLocked(const std::vector<protocol::QueueOffset>& offsets,
                                              const protocol::ResponseHeader& header) {
  const protocol::ErrorCode code = header.error_code;
  if (code != protocol::ErrorCode::kOk) {
    if (code == protocol::ErrorCode::kUnknownMember) {
      rejoin_needed_ = true;
    } else {
      rebalance_needed_ = true;
    }
    cv_.notify_all();
    return MakeClientError(
        protocol::ToStatusCode(code), /*definite=*/true,
        absl::StrFormat("CommitOffset: %s: %s", protocol::ErrorCodeName(code), header.message),
        code);
  }
  for (const protocol::QueueOffset& o : offsets) {
    auto it = queues_.find({o.topic, o.queue_id});
    if (it != queues_.end()) it->second.committed = o.offset;
  }
  return absl::OkStatus();
}

void ConsumerCore::StartAutoCommitLocked() {
  std::vector<protocol::QueueOffset> offsets;
  for (const auto& [key, q] : queues_) {
    if (!q.initialized || q.consumed == q.committed) continue;
    offsets.push_back({.topic = key.first, .queue_id = key.second, .offset = q.consumed});
  }
  if (offsets.empty() || closed_) return;
  commit_in_flight_ = true;
  runtime_->Call<protocol::CommitOffsetRequest>(
      Target::Controller(), CommitRequestLocked(offsets), {.return_codes = CommitReturnCodes()},
      [self = shared_from_this(),
       offsets](absl::StatusOr<protocol::CommitOffsetResponse> response) {
        std::lock_guard<std::mutex> lock(self->mu_);
        self->commit_in_flight_ = false;
        self->cv_.notify_all();
        absl::Status status =
            response.ok() ? self->FinishCommitLocked(offsets, response->header) : response.status();
        if (!status.ok()) {
          LogWarning(absl::StrFormat("consumer %s: auto commit: %s", self->options_.group,
                                     status.message()));
        }
      });
}

absl::Status ConsumerCore::CommitOffsets(std::vector<protocol::QueueOffset> offsets) {
  if (offsets.empty()) return absl::OkStatus();
  protocol::CommitOffsetRequest request;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // An auto commit still in flight carries older positions: let it land first, so it cannot
    // overwrite these at the controller.
    cv_.wait_for(lock, std::chrono::milliseconds(options_.client.deadline_ms),
                 [&] { return !commit_in_flight_; });
    request = CommitRequestLocked(offsets);
  }
  MQ_ASSIGN_OR_RETURN(protocol::CommitOffsetResponse response,
                      runtime_->CallSync(Target::Controller(), std::move(request),
                                         {.return_codes = CommitReturnCodes()}));
  std::lock_guard<std::mutex> lock(mu_);
  return FinishCommitLocked(offsets, response.header);
}

void ConsumerCore::Close() {
  bool started;
  std::string member;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return;
    closing_ = true;
    started = started_;
    member = member_id_;
    cv_.notify_all();
  }
  if (started && options_.auto_commit) {
    absl::Status committed = Commit();
    if (!committed.ok()) {
      LogWarning(
          absl::StrFormat("consumer %s: commit at close: %s", options_.group, committed.message()));
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  if (started && !IsBroadcast(options_) && !member.empty()) {
    absl::StatusOr<protocol::LeaveGroupResponse> left = runtime_->CallSync(
        Target::Controller(),
        protocol::LeaveGroupRequest{.group = options_.group, .member_id = member},
        {.deadline = Clock::now() + std::chrono::milliseconds(options_.client.request_timeout_ms)});
    if (!left.ok()) {
      LogWarning(
          absl::StrFormat("consumer %s: LeaveGroup: %s", options_.group, left.status().message()));
    }
  }
  // A pending heartbeat timer would keep the io thread alive.
  asio::post(runtime_->io(), [self = shared_from_this()] {
    if (self->heartbeat_timer_) self->heartbeat_timer_->cancel();
  });
  runtime_->Shutdown();
}

}  // namespace mq::client
