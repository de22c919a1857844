#pragma once

// PullConsumer: the application polls for messages and commits its progress.
//
//   auto consumer = PullConsumer::Create({.group = "g", ...});
//   MQ_RETURN_IF_ERROR((*consumer)->Subscribe("orders", "paid || shipped"));
//   while (running) {
//     MQ_ASSIGN_OR_RETURN(auto messages, (*consumer)->Poll(1000));
//     for (auto& m : messages) Process(m);
//     MQ_RETURN_IF_ERROR((*consumer)->Commit());  // or leave it to auto_commit
//   }
//   (*consumer)->Close();
//
// Poll fetches from every queue currently assigned (clustering) or every queue of the
// subscribed topics (broadcasting), long-polling up to the timeout, and returns the messages in
// queue order. The consumer's position in a queue moves past what Poll returned; Commit stores
// those positions (next offset to consume) at the controller. With auto_commit, the positions
// are committed every auto_commit_interval_ms from Poll and at Close: at-least-once (a crash
// between Poll and the commit re-delivers).
//
// Clustering: the first Poll joins the group; heartbeats run in the background; when the group
// rebalances the next Poll commits (auto_commit), syncs the new assignment, and continues from
// the committed offsets of the queues it now owns. A commit fenced by a newer generation
// (FAILED_PRECONDITION / FENCED) means those queues moved to another member.
//
// Lifecycle: Create -> Subscribe* -> Poll/Commit ... -> Close (commits with auto_commit, leaves
// the group; the destructor calls it). Threading: Subscribe/Poll/Commit from one thread at a
// time; Close and Wakeup from any thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/consumer_options.h"
#include "client/protocol/messages.h"
#include "client/received_message.h"

namespace mq::client {

class ConsumerCore;

class PullConsumer {
 public:
  // Validates the options (group name, instance for broadcasting, servers).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PullConsumer>> Create(
      const ConsumerOptions& options);
  ~PullConsumer();
  PullConsumer(const PullConsumer&) = delete;
  PullConsumer& operator=(const PullConsumer&) = delete;

  // Adds a topic with a tag expression ("*" or "a || b"). Before the first Poll only
  // (FAILED_PRECONDITION after).
  [[nodiscard]] absl::Status Subscribe(std::string_view topic,
                                       std::string_view tag_expression = "*");

  // Messages available within `timeout_ms` (empty if none arrived). Failures that leave the
  // consumer usable (a broker briefly unavailable) are retried inside; a returned error is one
  // the application should see (unknown topic, closed consumer, deadline).
  [[nodiscard]] absl::StatusOr<std::vector<ReceivedMessage>> Poll(uint32_t timeout_ms);

  // Commits the position of every queue past the messages Poll returned.
  [[nodiscard]] absl::Status Commit();
  // Commits `next_offset` for one queue (it must be assigned to this consumer).
  [[nodiscard]] absl::Status Commit(std::string_view topic, uint32_t queue_id,
                                    uint64_t next_offset);

  // The queues this consumer reads now.
  std::vector<protocol::QueueRef> Assignment() const;
  // Makes a Poll in progress return early (with what it has). Any thread.
  void Wakeup();
  // Commits (auto_commit), leaves the group, closes connections. Idempotent; any thread.
  void Close();

 private:
  explicit PullConsumer(std::shared_ptr<ConsumerCore> core);
  std::shared_ptr<ConsumerCore> core_;
};

}  // namespace mq::client
