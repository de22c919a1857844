#include "client/producer.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "client/client_runtime.h"
#include "client/protocol/limits.h"
#include "client/protocol/record_batch.h"
#include "client/status.h"
#include "client/task_runner.h"
#include "storage/base/status_macros.h"

namespace mq::client {

uint32_t KeyHashQueue(std::string_view key, uint32_t queue_count) {
  MQ_CHECK(queue_count > 0);
  uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a 64
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return static_cast<uint32_t>(hash % queue_count);
}

// ProducerImpl: the producer's state. Batching state lives on the runtime's io thread; the
// back-pressure and flush counters are guarded by mu_ (user threads wait on them).
class ProducerImpl : public std::enable_shared_from_this<ProducerImpl> {
 public:
  using Clock = std::chrono::steady_clock;

  ProducerImpl(const ProducerOptions& options, std::shared_ptr<ClientRuntime> runtime)
      : options_(options), runtime_(std::move(runtime)), callbacks_(1) {}

  // `complete_inline`: run `callback` on the io thread when the result arrives instead of
  // handing it to the callback thread (for callbacks that only fulfil a promise: one thread
  // hop less on every acknowledgement a Send() waits for).
  void Send(std::string_view topic, Message message, SendCallback callback,
            const SendOptions& send_options, bool complete_inline = false);
  void Flush();
  void Close();

 private:
  struct Pending {
    Message message;
    SendCallback callback;
    uint64_t bytes = 0;
    Clock::time_point deadline;
    bool complete_inline = false;
  };
  struct QueueState {
    std::deque<Pending> buffered;
    uint64_t buffered_bytes = 0;
    bool in_flight = false;
    uint64_t next_sequence = 0;
    std::unique_ptr<asio::steady_timer> linger;
    bool linger_armed = false;
  };
  using QueueKey = std::pair<std::string, uint32_t>;
  // A message on its way from a sending thread to the io thread.
  struct Submission {
    std::string topic;
    Pending pending;
    std::optional<uint32_t> queue;
  };

  // io thread.
  void DrainInbox();
  void Route(Submission submission);
  void Place(Submission submission, const protocol::TopicInfo& info);
  void Add(const QueueKey& key, Pending pending);
  void MaybeSend(const QueueKey& key, bool force);
  void SendBatch(const QueueKey& key);
  void EnsureProducerId();
  void OnProduced(const QueueKey& key, std::vector<Pending> batch, uint64_t base_sequence,
                  absl::StatusOr<protocol::ProduceResponse> response);
  uint64_t EffectiveBatchBytesMax() const;

  // Hands each message's result to its callback and releases the messages' budget: inline
  // callbacks run here, the others on the callback thread, as one task for the lot (one hop and
  // one wake per answered batch, not per message).
  void Complete(std::vector<Pending> batch, std::vector<absl::StatusOr<SendResult>> results);
  void Complete(Pending pending, absl::StatusOr<SendResult> result);
  void ReleaseBudget(uint64_t messages, uint64_t bytes);

  const ProducerOptions options_;
  std::shared_ptr<ClientRuntime> runtime_;
  TaskRunner callbacks_;

  // io thread only.
  std::vector<Submission> draining_;
  std::map<QueueKey, QueueState> queues_;
  std::map<std::string, uint32_t, std::less<>> round_robin_;
  enum class PidState { kNone, kFetching, kReady } pid_state_ = PidState::kNone;
  uint64_t producer_id_ = 0;
  bool flushing_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t pending_bytes_ = 0;     // guarded by mu_
  uint64_t pending_messages_ = 0;  // guarded by mu_
  bool closed_ = false;            // guarded by mu_
  // Sent messages the io thread has not taken yet, in send order; guarded by mu_. One drain is
  // posted when the first arrives, so a burst of sends costs one wake of the io thread.
  std::vector<Submission> inbox_;
};

void ProducerImpl::Send(std::string_view topic, Message message, SendCallback callback,
                        const SendOptions& send_options, bool complete_inline) {
  absl::Status valid = protocol::ValidateMessage(message);
  if (!valid.ok()) {
    callback(MakeClientError(absl::StatusCode::kInvalidArgument, /*definite=*/true,
                             absl::StrFormat("message for %s: %s", topic, valid.message())));
    return;
  }
  if (message.born_time_ms == 0) {
    message.born_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  }
  uint64_t bytes = message.body.size() + message.tag.size() + 64;
  for (const std::string& key : message.keys) bytes += key.size() + 2;
  for (const auto& [name, value] : message.properties) bytes += name.size() + value.size() + 4;
  Submission submission{.topic = std::string(topic),
                        .pending = {.message = std::move(message),
                                    .callback = std::move(callback),
                                    .bytes = bytes,
                                    .deadline = {},
                                    .complete_inline = complete_inline},
                        .queue = send_options.queue_id};
  std::unique_lock<std::mutex> lock(mu_);
  // Back-pressure: wait for room (one oversize message may go when nothing else is pending).
  cv_.wait(lock, [&] {
    return closed_ || pending_bytes_ == 0 || pending_bytes_ + bytes <= options_.pending_bytes_max;
  });
  if (closed_) {
    lock.unlock();
    submission.pending.callback(MakeClientError(absl::StatusCode::kFailedPrecondition,
                                                /*definite=*/true, "producer is closed"));
    return;
  }
  pending_bytes_ += bytes;
  ++pending_messages_;
  submission.pending.deadline = runtime_->DefaultDeadline();  // counts from the end of the wait
  const bool first = inbox_.empty();
  inbox_.push_back(std::move(submission));
  lock.unlock();
  if (first) asio::post(runtime_->io(), [self = shared_from_this()] { self->DrainInbox(); });
}

void ProducerImpl::DrainInbox() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    draining_.swap(inbox_);
  }
  for (Submission& submission : draining_) Route(std::move(submission));
  draining_.clear();
}

void ProducerImpl::Route(Submission submission) {
  if (const protocol::TopicInfo* info = runtime_->FreshTopic(submission.topic)) {
    Place(std::move(submission), *info);
    return;
  }
  std::string topic = submission.topic;
  const Clock::time_point deadline = submission.pending.deadline;
  runtime_->ResolveTopic(std::move(topic), deadline,
                         [self = shared_from_this(), submission = std::move(submission)](
                             absl::StatusOr<const protocol::TopicInfo*> info) mutable {
                           if (!info.ok()) {
                             self->Complete(std::move(submission.pending), info.status());
                             return;
                           }
                           self->Place(std::move(submission), **info);
                         });
}

void ProducerImpl::Place(Submission submission, const protocol::TopicInfo& info) {
  const std::string& topic = submission.topic;
  Pending& pending = submission.pending;
  uint32_t count = info.queue_count;
  if (count == 0) count = static_cast<uint32_t>(info.queues.size());
  if (count == 0) {
    Complete(std::move(pending), MakeClientError(absl::StatusCode::kUnavailable, /*definite=*/true,
                                                 absl::StrFormat("topic %s has no queues", topic)));
    return;
  }
  uint32_t queue_id;
  if (submission.queue.has_value()) {
    if (*submission.queue >= count) {
      Complete(std::move(pending),
               MakeClientError(absl::StatusCode::kInvalidArgument, /*definite=*/true,
                               absl::StrFormat("topic %s has %u queues; no queue %u", topic, count,
                                               *submission.queue)));
      return;
    }
    queue_id = *submission.queue;
  } else if (options_.queue_selection == QueueSelection::kKeyHash &&
             !pending.message.keys.empty()) {
    queue_id = KeyHashQueue(pending.message.keys.front(), count);
  } else {
    queue_id = round_robin_[topic]++ % count;
  }
  Add({std::move(submission.topic), queue_id}, std::move(pending));
}

void ProducerImpl::Add(const QueueKey& key, Pending pending) {
  QueueState& q = queues_[key];
  q.buffered_bytes += pending.bytes;
  q.buffered.push_back(std::move(pending));
  bool full = q.buffered_bytes >= EffectiveBatchBytesMax() ||
              q.buffered.size() >= options_.batch_messages_max;
  if (full || options_.linger_ms == 0 || flushing_) {
    MaybeSend(key, /*force=*/true);
    return;
  }
  if (!q.linger_armed && !q.in_flight) {
    if (!q.linger) q.linger = std::make_unique<asio::steady_timer>(runtime_->io());
    q.linger_armed = true;
    q.linger->expires_after(std::chrono::milliseconds(options_.linger_ms));
    q.linger->async_wait([self = shared_from_this(), key](const asio::error_code&) {
      auto it = self->queues_.find(key);
      if (it == self->queues_.end()) return;
      it->second.linger_armed = false;
      self->MaybeSend(key, /*force=*/true);
    });
  }
}

uint64_t ProducerImpl::EffectiveBatchBytesMax() const {
  uint64_t cap = options_.batch_bytes_max;
  uint64_t broker = runtime_->broker_batch_bytes_max();
  if (broker != 0 && broker < cap) cap = broker;
  return cap;
}

void ProducerImpl::MaybeSend(const QueueKey& key, bool force) {
  QueueState& q = queues_[key];
  if (q.in_flight || q.buffered.empty() || !force) return;
  if (options_.idempotent && pid_state_ != PidState::kReady) {
    EnsureProducerId();
    return;  // every queue with buffered messages is sent when the id arrives
  }
  SendBatch(key);
}

void ProducerImpl::EnsureProducerId() {
  if (pid_state_ != PidState::kNone) return;
  pid_state_ = PidState::kFetching;
  runtime_->Call<protocol::InitProducerIdRequest>(
      ClientRuntime::Target::Controller(),
      protocol::InitProducerIdRequest{.producer_group = options_.producer_group}, {},
      [self = shared_from_this()](absl::StatusOr<protocol::InitProducerIdResponse> response) {
        if (!response.ok() || response->producer_id == 0) {
          absl::Status error = response.ok()
                                   ? MakeClientError(absl::StatusCode::kInternal, /*definite=*/true,
                                                     "InitProducerId: the broker returned id 0")
                                   : response.status();
          // Nothing was sent: every buffered message fails definitely. Try again next time.
          self->pid_state_ = PidState::kNone;
          for (auto& [key, q] : self->queues_) {
            if (q.in_flight) continue;
            while (!q.buffered.empty()) {
              self->Complete(std::move(q.buffered.front()),
                             MakeClientError(error.code(), /*definite=*/true,
                                             absl::StrFormat("no producer id: %s", error.message()),
                                             BrokerErrorCode(error)));
              q.buffered.pop_front();
            }
            q.buffered_bytes = 0;
          }
          return;
        }
        self->producer_id_ = response->producer_id;
        self->pid_state_ = PidState::kReady;
        std::vector<QueueKey> keys;
        for (auto& [key, q] : self->queues_) keys.push_back(key);
        for (const QueueKey& key : keys) self->MaybeSend(key, /*force=*/true);
      });
}

void ProducerImpl::SendBatch(const QueueKey& key) {
  QueueState& q = queues_[key];
  protocol::ProtocolLimits limits;
  limits.batch_bytes_max = EffectiveBatchBytesMax();
  uint64_t producer_id = options_.idempotent ? producer_id_ : 0;
  uint64_t base_sequence = options_.idempotent ? q.next_sequence : 0;
  protocol::RecordBatchBuilder builder({.producer_id = producer_id,
                                        .base_sequence = base_sequence,
                                        .compression = options_.compression},
                                       limits);
  std::vector<Pending> batch;
  batch.reserve(std::min<size_t>(q.buffered.size(), options_.batch_messages_max));
  while (!q.buffered.empty() && batch.size() < options_.batch_messages_max) {
    Pending& next = q.buffered.front();
    absl::Status added = builder.Add(next.message);
    if (absl::IsResourceExhausted(added)) break;  // full: the rest goes in the next batch
    Pending taken = std::move(next);
    q.buffered.pop_front();
    q.buffered_bytes -= taken.bytes;
    if (!added.ok()) {
      Complete(std::move(taken),
               MakeClientError(absl::StatusCode::kInvalidArgument, /*definite=*/true,
                               absl::StrFormat("message for %s: %s", key.first, added.message())));
      continue;
    }
    batch.push_back(std::move(taken));
  }
  if (batch.empty()) {
    if (!q.buffered.empty()) MaybeSend(key, /*force=*/true);
    return;
  }
  absl::StatusOr<std::string> bytes = std::move(builder).Build();
  MQ_CHECK_OK(bytes.status());
  q.in_flight = true;
  q.next_sequence += batch.size();
  // The oldest message's deadline bounds the batch: no message waits longer than deadline_ms.
  ClientRuntime::Clock::time_point deadline = batch.front().deadline;
  protocol::ProduceRequest request{.topic = key.first,
                                   .queue_id = key.second,
                                   .producer_id = producer_id,
                                   .sequence = base_sequence,
                                   .record_batch = std::move(*bytes),
                                   .timeout_ms = runtime_->options().request_timeout_ms};
  runtime_->Call<protocol::ProduceRequest>(
      ClientRuntime::Target::Queue(key.first, key.second), std::move(request),
      {.deadline = deadline, .retry_unknown = options_.idempotent},
      [self = shared_from_this(), key, batch = std::move(batch),
       base_sequence](absl::StatusOr<protocol::ProduceResponse> response) mutable {
        self->OnProduced(key, std::move(batch), base_sequence, std::move(response));
      });
}

void ProducerImpl::OnProduced(const QueueKey& key, std::vector<Pending> batch,
                              uint64_t base_sequence,
                              absl::StatusOr<protocol::ProduceResponse> response) {
  QueueState& q = queues_[key];
  q.in_flight = false;
  std::vector<absl::StatusOr<SendResult>> results;
  results.reserve(batch.size());
  if (!response.ok()) {
    // A batch certainly not stored gives its sequences back, so the next one has no gap.
    if (IsDefiniteFailure(response.status()) && options_.idempotent) {
      q.next_sequence = base_sequence;
    }
    results.assign(batch.size(), response.status());
  } else {
    for (size_t i = 0; i < batch.size(); ++i) {
      SendResult result{.topic = key.first,
                        .queue_id = key.second,
                        .offset = response->base_offset + i,
                        .store_time_ms = response->store_time_ms};
      if (response->msg_ids.size() == batch.size()) {
        result.msg_id = response->msg_ids[i];
      } else if (!response->msg_ids.empty()) {
        // One id for the batch: the messages are its slots.
        result.msg_id = response->msg_ids.front();
        result.msg_id.slot += static_cast<uint32_t>(i);
      }
      results.push_back(std::move(result));
    }
  }
  Complete(std::move(batch), std::move(results));
  if (!q.buffered.empty()) MaybeSend(key, /*force=*/true);
}

void ProducerImpl::Complete(std::vector<Pending> batch,
                            std::vector<absl::StatusOr<SendResult>> results) {
  MQ_CHECK(batch.size() == results.size());
  uint64_t inline_messages = 0, inline_bytes = 0, later_bytes = 0;
  std::vector<std::pair<SendCallback, absl::StatusOr<SendResult>>> later;
  later.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].complete_inline) {
      batch[i].callback(std::move(results[i]));
      ++inline_messages;
      inline_bytes += batch[i].bytes;
    } else {
      later.emplace_back(std::move(batch[i].callback), std::move(results[i]));
      later_bytes += batch[i].bytes;
    }
  }
  if (inline_messages > 0) ReleaseBudget(inline_messages, inline_bytes);
  if (later.empty()) return;
  // The budget of these is released after their callbacks ran: Flush waits for the callbacks.
  callbacks_.Post([this, later = std::move(later), later_bytes]() mutable {
    for (auto& [callback, result] : later) callback(std::move(result));
    ReleaseBudget(later.size(), later_bytes);
  });
}

void ProducerImpl::Complete(Pending pending, absl::StatusOr<SendResult> result) {
  std::vector<Pending> batch;
  batch.push_back(std::move(pending));
  std::vector<absl::StatusOr<SendResult>> results;
  results.push_back(std::move(result));
  Complete(std::move(batch), std::move(results));
}

void ProducerImpl::ReleaseBudget(uint64_t messages, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_bytes_ -= bytes;
  pending_messages_ -= messages;
  cv_.notify_all();
}

void ProducerImpl::Flush() {
  asio::post(runtime_->io(), [self = shared_from_this()] {
    self->flushing_ = true;
    for (auto& [key, q] : self->queues_) self->MaybeSend(key, /*force=*/true);
  });
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return pending_messages_ == 0; });
  lock.unlock();
  asio::post(runtime_->io(), [self = shared_from_this()] { self->flushing_ = false; });
}

void ProducerImpl::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    cv_.notify_all();
  }
  Flush();
  // Pending linger timers would keep the io thread alive.
  asio::post(runtime_->io(), [self = shared_from_this()] {
    for (auto& [key, q] : self->queues_) {
      if (q.linger) q.linger->cancel();
    }
  });
  runtime_->Shutdown();
  callbacks_.Shutdown();
}

// ---------------------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(const ProducerOptions& options) {
  if (options.batch_bytes_max < protocol::kBatchHeaderBytes + 64 ||
      options.batch_messages_max == 0) {
    return MakeClientError(absl::StatusCode::kInvalidArgument, /*definite=*/true,
                           "batch_bytes_max must be at least 112 and batch_messages_max > 0");
  }
  MQ_ASSIGN_OR_RETURN(std::shared_ptr<ClientRuntime> runtime,
                      ClientRuntime::Create(options.client));
  return std::unique_ptr<Producer>(
      new Producer(std::make_shared<ProducerImpl>(options, std::move(runtime))));
}

Producer::Producer(std::shared_ptr<ProducerImpl> impl) : impl_(std::move(impl)) {}

Producer::~Producer() { Close(); }

absl::StatusOr<SendResult> Producer::Send(std::string_view topic, Message message,
                                          const SendOptions& options) {
  return SendAsync(topic, std::move(message), options).get();
}

std::future<absl::StatusOr<SendResult>> Producer::SendAsync(std::string_view topic, Message message,
                                                            const SendOptions& options) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<SendResult>>>();
  auto future = promise->get_future();
  impl_->Send(
      topic, std::move(message),
      [promise](absl::StatusOr<SendResult> result) { promise->set_value(std::move(result)); },
      options, /*complete_inline=*/true);
  return future;
}

void Producer::SendAsync(std::string_view topic, Message message, SendCallback callback,
                         const SendOptions& options) {
  impl_->Send(topic, std::move(message), std::move(callback), options);
}

void Producer::Flush() { impl_->Flush(); }

void Producer::Close() { impl_->Close(); }

}  // namespace mq::client
