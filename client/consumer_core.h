#pragma once

// ConsumerCore: the consuming machinery PullConsumer and PushConsumer share (internal).
//
// Per assigned queue: a fetch position, at most one fetch in flight (a long poll to the
// queue's leader), a buffer of fetched messages Poll has not returned yet, and the consumed
// position (past what Poll returned; what Commit stores). Fetches are issued by Poll for every
// queue whose buffer is empty, so a slow queue never delays a busy one; a fetch that brought
// messages is followed at once by the next one from the io thread (read-ahead) while the
// queue's buffer holds at most fetch_messages_max messages. Auto commits go out from Poll in
// the background, one at a time.
//
// Group protocol (clustering): JoinGroup on the first Poll; heartbeats every
// heartbeat_interval_ms on the io thread; a heartbeat answering REBALANCE_IN_PROGRESS or a newer
// generation makes the next Poll SyncGroup (retrying REBALANCE_IN_PROGRESS within the poll's
// time); UNKNOWN_MEMBER makes it JoinGroup again. A new assignment keeps the positions of the
// queues it keeps and reads the committed offsets of the new ones (FetchOffset; a queue without
// one starts at the configured start position). Commits carry member id + generation; FENCED
// or UNKNOWN_MEMBER mark the consumer for a rejoin. Broadcasting: the assignment is every queue
// of the subscribed topics; offsets are fetched and committed under the instance name.
//
// Threading: Subscribe/Poll/Commit from one user thread at a time; Wakeup/Close from any;
// io-thread completions update the shared state under mu_. Lifecycle: Create -> Subscribe* ->
// Poll* -> Close.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/client_runtime.h"
#include "client/consumer_options.h"
#include "client/received_message.h"

namespace mq::client {

class ConsumerCore : public std::enable_shared_from_this<ConsumerCore> {
 public:
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<ConsumerCore>> Create(
      const ConsumerOptions& options);
  ~ConsumerCore();

  absl::Status Subscribe(std::string_view topic, std::string_view tag_expression);
  absl::StatusOr<std::vector<ReceivedMessage>> Poll(uint32_t timeout_ms);
  absl::Status Commit();
  absl::Status Commit(std::string_view topic, uint32_t queue_id, uint64_t next_offset);
  std::vector<protocol::QueueRef> Assignment() const;
  void Wakeup();
  void Close();

  const ConsumerOptions& options() const { return options_; }

 private:
  using QueueKey = std::pair<std::string, uint32_t>;
  struct QueueState {
    uint64_t fetch_offset = 0;  // where the next fetch starts
    uint64_t consumed = 0;      // past what Poll returned
    uint64_t committed = protocol::kNoOffset;
    bool initialized = false;  // position known (committed offset or start position)
    bool in_flight = false;
    std::deque<ReceivedMessage> buffer;
    uint64_t buffer_next_offset = 0;  // consumed once the buffer has been returned
    absl::Status last_error;
  };

  ConsumerCore(const ConsumerOptions& options, std::shared_ptr<ClientRuntime> runtime);

  // User thread, without mu_.
  absl::Status EnsureMembership(ClientRuntime::Clock::time_point until);
  absl::Status Join();
  absl::Status Sync();
  absl::Status AssignAllQueues();
  absl::Status InitPositions(const std::vector<QueueKey>& queues);
  absl::Status CommitOffsets(std::vector<protocol::QueueOffset> offsets);
  protocol::CommitOffsetRequest CommitRequestLocked(
      std::vector<protocol::QueueOffset> offsets) const;
  // Records a commit's outcome (positions committed, or a rebalance/rejoin to do).
  absl::Status FinishCommitLocked(const std::vector<protocol::QueueOffset>& offsets,
                                  const protocol::ResponseHeader& header);
  // Auto commit without blocking Poll: one in flight at a time.
  void StartAutoCommitLocked();
  void SetAssignment(const std::vector<protocol::QueueRef>& assignment, uint64_t generation);

  // Under mu_ (posts async work).
  void StartFetchLocked(const QueueKey& key);
  void OnFetched(const QueueKey& key, uint64_t epoch, uint64_t offset,
                 absl::StatusOr<protocol::FetchResponse> response);
  void ScheduleHeartbeat(uint32_t delay_ms);
  void Heartbeat();
  std::string TagFilterFor(const std::string& topic) const;

  const ConsumerOptions options_;
  std::shared_ptr<ClientRuntime> runtime_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<protocol::Subscription> subscriptions_;  // guarded by mu_
  bool started_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool wakeup_ = false;
  bool rebalance_needed_ = false;
  bool rejoin_needed_ = false;
  bool commit_in_flight_ = false;  // an auto commit awaits its answer
  std::string member_id_;
  uint64_t generation_ = 0;
  uint32_t heartbeat_interval_ms_ = 0;
  uint64_t epoch_ = 0;  // bumped when the assignment changes: stale fetches are dropped
  std::map<QueueKey, QueueState> queues_;
  ClientRuntime::Clock::time_point last_auto_commit_{};
  std::unique_ptr<asio::steady_timer> heartbeat_timer_;  // io thread
};

}  // namespace mq::client
