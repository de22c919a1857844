#include "client/push_consumer.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_format.h"
#include "client/consumer_core.h"
#include "client/status.h"
#include "client/task_runner.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"

namespace mq::client {

// PushConsumerImpl: a poll thread feeds the listener pool and commits acked prefixes.
// Ack bookkeeping (per queue: offsets handed out and not yet acked) is guarded by mu_.
class PushConsumerImpl {
 public:
  using Clock = std::chrono::steady_clock;

  PushConsumerImpl(const PushConsumerOptions& options, MessageListener listener,
                   std::shared_ptr<ConsumerCore> core)
      : options_(options),
        listener_(std::move(listener)),
        core_(std::move(core)),
        pool_(options.consume_threads) {}
  ~PushConsumerImpl() { Shutdown(); }

  absl::Status Subscribe(std::string_view topic, std::string_view tag_expression) {
    if (started_) {
      return MakeClientError(absl::StatusCode::kFailedPrecondition, true, "Subscribe after Start");
    }
    MQ_RETURN_IF_ERROR(core_->Subscribe(topic, tag_expression));
    subscribed_ = true;
    return absl::OkStatus();
  }

  absl::Status Start() {
    if (started_ || stopped_) {
      return MakeClientError(absl::StatusCode::kFailedPrecondition, true, "already started");
    }
    if (!subscribed_) {
      return MakeClientError(absl::StatusCode::kFailedPrecondition, true,
                             "Start without a subscription");
    }
    started_ = true;
    poller_ = std::thread([this] { PollLoop(); });
    return absl::OkStatus();
  }

  void Shutdown() {
    if (stopped_.exchange(true)) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    }
    core_->Wakeup();
    if (poller_.joinable()) poller_.join();
    pool_.Shutdown();  // runs the listener calls already handed out
    CommitAcked();
    core_->Close();
  }

 private:
  using QueueKey = std::pair<std::string, uint32_t>;
  struct Tracker {
    std::set<uint64_t> unacked;
    uint64_t next = 0;  // past the highest offset handed out
    uint64_t committed = 0;
    bool dirty = false;
  };
  struct Delayed {
    ReceivedMessage message;
    uint32_t attempts = 0;
    Clock::time_point due;
  };

  void PollLoop() {
    Clock::time_point last_commit = Clock::now();
    while (!stopped_) {
      DispatchDue();
      {
        std::unique_lock<std::mutex> lock(mu_);
        // Back-pressure: wait while the listener is behind.
        cv_.wait_for(lock, std::chrono::milliseconds(100),
                     [this] { return stopped_ || in_listener_ < options_.pending_messages_max; });
        if (stopped_) break;
        if (in_listener_ >= options_.pending_messages_max) continue;
      }
      absl::StatusOr<std::vector<ReceivedMessage>> messages = core_->Poll(200);
      if (!messages.ok()) {
        if (stopped_) break;
        LogWarning(absl::StrFormat("push consumer %s: %s", options_.consumer.group,
                                   messages.status().message()));
        std::this_thread::sleep_for(
            std::chrono::milliseconds(options_.consumer.client.retry_backoff_max_ms));
        continue;
      }
      for (ReceivedMessage& message : *messages) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          Tracker& t = trackers_[{message.topic, message.queue_id}];
          if (t.unacked.empty() && t.next == 0) t.committed = message.offset;
          t.unacked.insert(message.offset);
          t.next = std::max(t.next, message.offset + 1);
          ++in_listener_;
        }
        Dispatch(std::move(message), 0);
      }
      if (Clock::now() - last_commit >=
          std::chrono::milliseconds(options_.consumer.auto_commit_interval_ms)) {
        CommitAcked();
        last_commit = Clock::now();
      }
    }
  }

  void Dispatch(ReceivedMessage message, uint32_t attempts) {
    pool_.Post([this, message = std::move(message), attempts]() mutable {
      ConsumeResult result = listener_(message);
      if (result == ConsumeResult::kRetryLater && attempts + 1 <= options_.max_local_retries &&
          !stopped_) {
        std::lock_guard<std::mutex> lock(mu_);
        delayed_.push_back(
            {.message = std::move(message),
             .attempts = attempts + 1,
             .due = Clock::now() + std::chrono::milliseconds(options_.retry_delay_ms)});
        return;
      }
      if (result == ConsumeResult::kRetryLater) {
        LogWarning(absl::StrFormat("push consumer %s: giving up on %s after %u retries",
                                   options_.consumer.group, message.msg_id_text(), attempts));
      }
      Ack(message);
    });
  }

  void DispatchDue() {
    std::vector<Delayed> due;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Clock::time_point now = Clock::now();
      for (auto it = delayed_.begin(); it != delayed_.end();) {
        if (it->due <= now) {
          due.push_back(std::move(*it));
          it = delayed_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (Delayed& d : due) Dispatch(std::move(d.message), d.attempts);
  }

  void Ack(const ReceivedMessage& message) {
    std::lock_guard<std::mutex> lock(mu_);
    --in_listener_;
    cv_.notify_all();
    auto it = trackers_.find({message.topic, message.queue_id});
    if (it == trackers_.end()) return;
    it->second.unacked.erase(message.offset);
    it->second.dirty = true;
  }

  // Commits, per queue, the offset before which everything is acked.
  void CommitAcked() {
    std::vector<std::pair<QueueKey, uint64_t>> commits;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [key, t] : trackers_) {
        if (!t.dirty) continue;
        uint64_t point = t.unacked.empty() ? t.next : *t.unacked.begin();
        if (point > t.committed) commits.emplace_back(key, point);
        t.dirty = false;
      }
    }
    for (const auto& [key, point] : commits) {
      absl::Status status = core_->Commit(key.first, key.second, point);
      if (!status.ok()) {
        LogWarning(absl::StrFormat("push consumer %s: commit %s/%u at %u: %s",
                                   options_.consumer.group, key.first, key.second, point,
                                   status.message()));
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      trackers_[key].committed = point;
    }
  }

  const PushConsumerOptions options_;
  MessageListener listener_;
  std::shared_ptr<ConsumerCore> core_;
  TaskRunner pool_;
  std::thread poller_;
  bool started_ = false;
  bool subscribed_ = false;
  std::atomic<bool> stopped_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<QueueKey, Tracker> trackers_;
  std::vector<Delayed> delayed_;
  uint32_t in_listener_ = 0;
};

absl::StatusOr<std::unique_ptr<PushConsumer>> PushConsumer::Create(
    const PushConsumerOptions& options, MessageListener listener) {
  if (!listener) {
    return MakeClientError(absl::StatusCode::kInvalidArgument, true,
                           "PushConsumer needs a listener");
  }
  ConsumerOptions consumer = options.consumer;
  consumer.auto_commit = false;  // commits follow acks, not polls
  MQ_ASSIGN_OR_RETURN(std::shared_ptr<ConsumerCore> core, ConsumerCore::Create(consumer));
  return std::unique_ptr<PushConsumer>(new PushConsumer(
      std::make_unique<PushConsumerImpl>(options, std::move(listener), std::move(core))));
}

PushConsumer::PushConsumer(std::unique_ptr<PushConsumerImpl> impl) : impl_(std::move(impl)) {}
PushConsumer::~PushConsumer() { impl_->Shutdown(); }

absl::Status PushConsumer::Subscribe(std::string_view topic, std::string_view tag_expression) {
  return impl_->Subscribe(topic, tag_expression);
}
absl::Status PushConsumer::Start() { return impl_->Start(); }
void PushConsumer::Shutdown() { impl_->Shutdown(); }

}  // namespace mq::client
