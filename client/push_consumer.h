#pragma once

// PushConsumer: the client fetches, a listener consumes on a thread pool, acks commit.
//
// The listener runs on `consume_threads` threads, one message per call, concurrently across
// and within queues. kSuccess acks the message; kRetryLater hands it to the listener again after
// retry_delay_ms (up to max_local_retries times, then it is acked and logged: server-side retry
// queues come in a later release). A queue's committed offset only moves past a message when it
// and every earlier message of that queue are acked, so a crash re-delivers at most the
// unacked tail (at-least-once). Committed every auto_commit_interval_ms and at Shutdown.
//
// Fetching pauses for a queue while more than pending_messages_max of its messages await their
// listener. Membership and rebalancing as PullConsumer (client/pull_consumer.h): when a queue is
// taken away, its messages already handed to the listener still run but their acks no longer
// commit.
//
// Lifecycle: Create -> Subscribe* -> Start -> ... -> Shutdown (stops fetching, waits for the
// listener calls in progress, commits, leaves the group; the destructor calls it). Threading:
// Subscribe/Start/Shutdown from one thread; the listener must be thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/consumer_options.h"
#include "client/received_message.h"

namespace mq::client {

class PushConsumerImpl;

enum class ConsumeResult : uint8_t { kSuccess = 0, kRetryLater = 1 };

using MessageListener = std::function<ConsumeResult(const ReceivedMessage& message)>;

struct PushConsumerOptions {
  ConsumerOptions consumer{};
  uint32_t consume_threads = 4;
  uint32_t pending_messages_max = 1000;
  uint32_t retry_delay_ms = 1000;
  uint32_t max_local_retries = 16;
};

class PushConsumer {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PushConsumer>> Create(
      const PushConsumerOptions& options, MessageListener listener);
  ~PushConsumer();
  PushConsumer(const PushConsumer&) = delete;
  PushConsumer& operator=(const PushConsumer&) = delete;

  // Before Start only.
  [[nodiscard]] absl::Status Subscribe(std::string_view topic,
                                       std::string_view tag_expression = "*");
  // Starts fetching and consuming. FAILED_PRECONDITION without a subscription or if started.
  [[nodiscard]] absl::Status Start();
  // Idempotent.
  void Shutdown();

 private:
  explicit PushConsumer(std::unique_ptr<PushConsumerImpl> impl);
  std::unique_ptr<PushConsumerImpl> impl_;
};

}  // namespace mq::client
