#pragma once

// Producer: sends messages to topics, batched per queue, idempotent by default.
//
// Routing: a message goes to SendOptions::queue_id if given; else, under
// QueueSelection::kKeyHash, to KeyHashQueue(first key, queue count) when it has a key (the same
// key always lands on the same queue while the queue count stays), round robin when it has
// none; under kRoundRobin always round robin.
//
// Batching: messages for one queue gather in a batch that is sent when it reaches
// batch_bytes_max (clamped to the broker's limit from Hello) or batch_messages_max, or when
// linger_ms passed since its first message (linger_ms = 0: as soon as the previous batch of that
// queue is answered). One batch per queue is in flight at a time, so a queue's messages are
// stored in send order.
//
// Idempotence (default on): the producer gets a producer id (InitProducerId) and numbers each
// queue's messages 0, 1, 2, ...; a retried batch keeps its base sequence, so the broker stores it
// once and answers the original offsets. Off: a failure with an unknown outcome is not retried.
//
// Results: every message gets a SendResult or a failure per client/status.h (rejected = not
// stored; unknown = may be stored). Callbacks run on the producer's callback thread, in send
// order per queue; they may call SendAsync but must not block for long. The futures of Send and
// the future-returning SendAsync are fulfilled on the io thread directly (no callback-thread
// hop on the acknowledgement path).
//
// Lifecycle: Create -> Send* -> Close (flushes, waits for every result; the destructor calls
// it). Thread-safe: any thread may send. Back-pressure: SendAsync blocks while more than
// pending_bytes_max bytes await results.

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/client_options.h"
#include "client/protocol/message_id.h"
#include "client/protocol/record_batch.h"

namespace mq::client {

class ClientRuntime;
class ProducerImpl;

// What a producer sends: body, tag, keys, properties (born_time_ms 0 = now).
using Message = protocol::Message;

enum class QueueSelection : uint8_t { kKeyHash = 0, kRoundRobin = 1 };

struct ProducerOptions {
  ClientOptions client{};
  std::string producer_group = "DEFAULT_PRODUCER_GROUP";
  bool idempotent = true;
  uint32_t linger_ms = 5;
  uint64_t batch_bytes_max = 1ull << 20;
  uint32_t batch_messages_max = 4096;
  protocol::Compression compression = protocol::Compression::kNone;  // kLz4: LZ4 batches
  QueueSelection queue_selection = QueueSelection::kKeyHash;
  uint64_t pending_bytes_max = 64ull << 20;
};

struct SendOptions {
  std::optional<uint32_t> queue_id{};  // explicit queue; must be < the topic's queue count
};

struct SendResult {
  protocol::MessageId msg_id{};
  std::string topic{};
  uint32_t queue_id = 0;
  uint64_t offset = 0;
  uint64_t store_time_ms = 0;
  std::string msg_id_text() const { return protocol::FormatMessageId(msg_id); }
};

using SendCallback = std::function<void(absl::StatusOr<SendResult>)>;

// The queue of a message key: FNV-1a 64 of the key bytes, modulo queue_count (> 0). Fixed
// forever: producers in every language must agree.
uint32_t KeyHashQueue(std::string_view key, uint32_t queue_count);

class Producer {
 public:
  // Validates the options; connects lazily (the producer id is fetched with the first batch).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Producer>> Create(
      const ProducerOptions& options);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Sends and waits for the result (the message still travels in a batch with others).
  [[nodiscard]] absl::StatusOr<SendResult> Send(std::string_view topic, Message message,
                                                const SendOptions& options = {});
  std::future<absl::StatusOr<SendResult>> SendAsync(std::string_view topic, Message message,
                                                    const SendOptions& options = {});
  void SendAsync(std::string_view topic, Message message, SendCallback callback,
                 const SendOptions& options = {});

  // Sends every lingering batch now and waits until every message sent before has its result.
  void Flush();
  // Flush, then refuse further sends (FAILED_PRECONDITION, rejected). Idempotent.
  void Close();

 private:
  explicit Producer(std::shared_ptr<ProducerImpl> impl);
  std::shared_ptr<ProducerImpl> impl_;
};

}  // namespace mq::client
