#pragma once

// ControllerState: the replicated state machine of the controller group (group 0).
//
// Holds the cluster's metadata (topics with their queue placement, subscription groups), the
// producer id counter and the committed consumer offsets. Every replica applies the same
// committed commands (controller_command.h) in the same order and reaches the same state:
// Apply is deterministic and judges each command only by the state and the static
// ClusterConfig. A rejected command changes nothing and answers the same error everywhere.
//
// Lifecycle: constructed with the static ClusterConfig (its data groups are where queues go),
// empty; Restore(snapshot) replaces everything; Apply(entry) for each committed entry in log
// order; Snapshot() gives all of it. Single-threaded: owned by the controller group's strand.
// The only thing meant for other threads is View(): an immutable ClusterView, rebuilt after
// each metadata change, shared by pointer.
//
// Rules at apply (the outcome's code):
//   CreateTopic     queue_count outside 1..kControllerQueuesPerTopicMax or an empty name ->
//                   kInvalidArgument; an existing topic with the same definition -> kOk, no
//                   change (a retried create is harmless); with another definition ->
//                   kAlreadyExists. Every message type is accepted as metadata. Placement: the
//                   k-th topic ever created (k = 0, 1, ...) puts queue q on data group
//                   DataGroupIds()[(k + q) % G], so queues of consecutive topics spread.
//   DeleteTopic     unknown -> kUnknownTopic. Its committed offsets go with it (a topic created
//                   again under the name starts with none).
//   UpdateSubGroup  creates or replaces; an empty name -> kInvalidArgument; max_retries above
//                   kControllerMaxRetriesMax -> kInvalidArgument; identical -> kOk, no change.
//   DeleteSubGroup  unknown -> kUnknownGroup; its committed offsets go with it.
//   AllocateProducerId  the next id (1, 2, ...; never reused), in outcome.producer_id.
//   CommitOffsets   strict, all or nothing: unknown group -> kUnknownGroup; instance not ""
//                   for a clustering group, or "" for a broadcasting group -> kInvalidArgument;
//                   unknown topic -> kUnknownTopic; queue beyond the topic -> kUnknownQueue;
//                   offset kNoOffset -> kInvalidArgument. Offsets may move backwards (a reset).
// Groups are never created implicitly here: a consumer that joins or commits for an unknown
// group gets its group created by the glue, which proposes UpdateSubGroup with
// DefaultSubGroupConfig first (automatic creation, as users of the model product expect).
// cluster_version is bumped by every change to topics or subscription groups, not by producer
// ids or offsets.
//
// Snapshot layout (little-endian; str = u32 length + bytes), the CRC32C covers every byte
// before it:
//
//   +-------+---------+------------------------------------------------------+--------+
//   | magic | version | body                                                 | crc32c |
//   +-------+---------+------------------------------------------------------+--------+
//     u32     u32
//   body: cluster_version u64, next_producer_id u64, topics_created u64,
//         topics u32 x (name str, message type u8, queue_count u32, retention_ms u64,
//                       retention_bytes u64, queue_count x data group u64),  names ascending
//         sub groups u32 x SubGroupConfig (controller_command.h),             names ascending
//         offsets u32 x (group str, instance str, topic str, queue u32, offset u64), ascending

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "broker/core/controller/cluster_config.h"
#include "broker/core/controller/cluster_view.h"
#include "broker/core/controller/controller_command.h"
#include "client/protocol/messages.h"
#include "raft/payload.h"
#include "raft/types.h"

namespace mq::broker {

inline constexpr uint32_t kControllerQueuesPerTopicMax = 1024;
inline constexpr uint64_t kControllerTopicsMax = 1 << 16;
inline constexpr uint64_t kControllerSubGroupsMax = 1 << 16;
inline constexpr uint32_t kControllerMaxRetriesMax = 64;
inline constexpr uint32_t kControllerSnapshotMagic = 0x5343514d;  // "MQCS" as LE bytes
inline constexpr uint32_t kControllerSnapshotVersion = 1;

// What applying one entry did. The leader's glue answers the proposing request with it.
struct ControllerOutcome {
  protocol::ErrorCode code = protocol::ErrorCode::kOk;
  std::string message{};
  uint64_t cluster_version = 0;  // after the entry
  uint64_t producer_id = 0;      // AllocateProducerId only
  bool operator==(const ControllerOutcome&) const = default;
};

// One committed offset, for ConsumerProgress.
struct CommittedOffset {
  std::string instance{};  // "" for a clustering group
  std::string topic{};
  uint32_t queue_id = 0;
  uint64_t offset = 0;
  bool operator==(const CommittedOffset&) const = default;
};

class ControllerState {
 public:
  // `config` must be valid (ValidateClusterConfig): its data groups receive the queues.
  explicit ControllerState(ClusterConfig config);

  ControllerState(const ControllerState&) = delete;
  ControllerState& operator=(const ControllerState&) = delete;

  // A committed entry of group 0. Empty normal entries (a new leader's no-op) and conf changes
  // are no-ops (kOk). Never fails as a call: a bad command is an outcome (see the top).
  ControllerOutcome Apply(const raft::Entry& entry);
  // The same for a bare command payload.
  ControllerOutcome ApplyCommand(std::string_view payload);

  // All of the state, encoded (see the top).
  raft::Payload Snapshot() const;
  // Replaces the whole state. DataLoss (state unchanged) for bytes that are not a valid
  // snapshot of this cluster: bad magic, version or CRC, malformed body, names out of order,
  // queues on groups that are not data groups of the ClusterConfig.
  [[nodiscard]] absl::Status Restore(const raft::Snapshot& snapshot);
  [[nodiscard]] absl::Status RestoreBytes(std::string_view bytes);

  // The current metadata; never null. Safe to hand to other threads.
  std::shared_ptr<const ClusterView> View() const { return view_; }
  uint64_t cluster_version() const { return view_->cluster_version; }
  const ClusterConfig& config() const { return config_; }
  // The id the next AllocateProducerId will return.
  uint64_t next_producer_id() const { return next_producer_id_; }

  // The committed offset of each queue, in request order; kNoOffset where none is committed
  // (including for an unknown group).
  std::vector<protocol::QueueOffset> FetchOffsets(
      std::string_view group, std::string_view instance,
      const std::vector<protocol::QueueRef>& queues) const;
  // Every committed offset of `group` (all instances), sorted by (instance, topic, queue).
  std::vector<CommittedOffset> GroupOffsets(std::string_view group) const;
  size_t offset_count() const { return offsets_.size(); }

 private:
  // (group, instance, topic, queue)
  using OffsetKey = std::tuple<std::string, std::string, std::string, uint32_t>;

  ControllerOutcome Outcome(protocol::ErrorCode code, std::string message) const;
  ControllerOutcome ApplyCreateTopic(const protocol::CreateTopicRequest& c);
  ControllerOutcome ApplyDeleteTopic(const protocol::DeleteTopicRequest& c);
  ControllerOutcome ApplyUpdateSubGroup(const protocol::UpdateSubGroupRequest& c);
  ControllerOutcome ApplyDeleteSubGroup(const protocol::DeleteSubGroupRequest& c);
  ControllerOutcome ApplyAllocateProducerId();
  ControllerOutcome ApplyCommitOffsets(const CommitOffsetsCommand& c);
  // Publishes `next` as the view, with the version bumped.
  void Publish(std::shared_ptr<ClusterView> next);
  // Drop the committed offsets of a deleted group / topic.
  void EraseOffsetsOfGroup(std::string_view group);
  void EraseOffsetsOfTopic(std::string_view topic);

  const ClusterConfig config_;
  const std::vector<uint64_t> data_groups_;
  std::shared_ptr<const ClusterView> view_;
  uint64_t next_producer_id_ = 1;
  uint64_t topics_created_ = 0;
  std::map<OffsetKey, uint64_t> offsets_;
};

}  // namespace mq::broker
