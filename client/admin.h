#pragma once

// Admin: cluster and metadata administration over the wire protocol (what mqadmin uses).
//
// Every call is synchronous, routed to the broker that must answer it (metadata and cluster
// status: any broker; topic and group changes, consumer progress: the controller leader; queue
// offsets and message queries: the data group leader), following NOT_LEADER hints and retrying
// retriable failures with back-off until ClientOptions::deadline_ms. Failures follow
// client/status.h (rejected vs unknown).
//
// Lifecycle: Create, call, destroy (destruction closes connections; calls in progress on other
// threads fail). Thread-safe: calls may come from any number of threads.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/client_options.h"
#include "client/protocol/message_id.h"
#include "client/protocol/messages.h"
#include "client/received_message.h"

namespace mq::client {

class ClientRuntime;

class Admin {
 public:
  // Validates the options (servers list); connects lazily, on the first call.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Admin>> Create(const ClientOptions& options);
  ~Admin();
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  // Brokers, groups (leader, term, replicas), topics (empty list: every topic).
  [[nodiscard]] absl::StatusOr<protocol::MetadataResponse> Metadata(
      const std::vector<std::string>& topics = {});
  // Returns the cluster version after the change. Creating an existing topic with the same
  // definition is OK; with another one, ALREADY_EXISTS.
  [[nodiscard]] absl::StatusOr<uint64_t> CreateTopic(const protocol::CreateTopicRequest& request);
  [[nodiscard]] absl::StatusOr<uint64_t> DeleteTopic(std::string_view name);
  [[nodiscard]] absl::StatusOr<uint64_t> UpdateSubGroup(const protocol::SubGroupConfig& config);
  [[nodiscard]] absl::StatusOr<uint64_t> DeleteSubGroup(std::string_view name);
  // Brokers (reachable) and every Raft group's leader, term, indexes and replica lag: every
  // broker is asked for its own view (2 s each at most) and the views are merged
  // (cluster_status_merge.h); a broker that does not answer is reported unreachable.
  [[nodiscard]] absl::StatusOr<protocol::ClusterStatusResponse> ClusterStatus();
  // Min/max offset and last store time of every queue of `topic`, in queue order (each asked of
  // its data group's leader). A queue whose leader could not answer carries its error code.
  [[nodiscard]] absl::StatusOr<std::vector<protocol::QueueOffsetRange>> ListOffsets(
      std::string_view topic);
  // The group's configuration, generation, members and per-queue broker/consumer offsets.
  [[nodiscard]] absl::StatusOr<protocol::ConsumerProgressResponse> ConsumerProgress(
      std::string_view group);
  // The message with this id, decoded; NOT_FOUND if it is not (or no longer) stored.
  [[nodiscard]] absl::StatusOr<ReceivedMessage> QueryMessageById(const protocol::MessageId& id);
  // The same, with the id in its 32-hex-digit form (InvalidArgument if malformed).
  [[nodiscard]] absl::StatusOr<ReceivedMessage> QueryMessageById(std::string_view id_text);

 private:
  explicit Admin(std::shared_ptr<ClientRuntime> runtime);
  std::shared_ptr<ClientRuntime> runtime_;
};

}  // namespace mq::client
