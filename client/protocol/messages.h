#pragma once

// Every request and response of the client protocol, as plain C++ values.
//
// Each struct mirrors the table of the same name in protocol.fbs (field meanings are documented
// there); client/protocol/codec.h turns them into frame payloads and back, verifying and
// checking on the way in. Absent wire fields read as the defaults below. Record batches travel
// as opaque bytes here: client/protocol/record_batch.h builds and reads them.
//
// XRequest is answered by XResponse; every response starts with a ResponseHeader.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "client/protocol/api_key.h"
#include "client/protocol/error_code.h"
#include "client/protocol/message_id.h"

namespace mq::protocol {

// The values equal protocol.fbs's (codec.cc asserts so).
enum class MessageType : uint8_t { kNormal = 0, kFifo = 1, kDelay = 2, kTransaction = 3 };
inline constexpr MessageType kMessageTypeLast = MessageType::kTransaction;
enum class ConsumeMode : uint8_t { kClustering = 0, kBroadcasting = 1 };
inline constexpr ConsumeMode kConsumeModeLast = ConsumeMode::kBroadcasting;
enum class ReplicaRole : uint8_t { kVoter = 0, kLearner = 1 };
inline constexpr ReplicaRole kReplicaRoleLast = ReplicaRole::kLearner;

// "NORMAL", "CLUSTERING", "VOTER", ... (the wire spelling), or "MessageType(9)" for a value
// this build does not know (responses from newer brokers may carry one).
std::string MessageTypeName(MessageType type);
std::string ConsumeModeName(ConsumeMode mode);
std::string ReplicaRoleName(ReplicaRole role);

// No offset committed / none known.
inline constexpr uint64_t kNoOffset = std::numeric_limits<uint64_t>::max();
inline constexpr uint32_t kDefaultMaxRetries = 16;

// ---------------------------------------------------------------------------------------------
// Common response header.

struct LeaderHint {
  uint64_t group_id = 0;
  uint64_t broker_id = 0;  // 0: leader unknown
  std::string address{};
  bool operator==(const LeaderHint&) const = default;
};

struct ResponseHeader {
  ErrorCode error_code = ErrorCode::kOk;
  std::string message{};
  LeaderHint leader_hint{};
  // For a failure: true = certainly did not happen; false = outcome unknown.
  bool definite = false;

  bool ok() const { return IsSuccess(error_code); }
  bool operator==(const ResponseHeader&) const = default;
};

// The generic response: what a broker sends when it cannot tell which response type a request
// wants (unknown api key) or could not parse the request. Any response type decodes from it.
struct ErrorResponse {
  ResponseHeader header{};
  bool operator==(const ErrorResponse&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Session.

struct Auth {
  std::string mechanism{};
  std::string username{};
  std::string secret{};
  bool operator==(const Auth&) const = default;
};

struct HelloRequest {
  std::string client_id{};
  std::string software{};
  std::vector<ApiVersionRange> api_versions{};
  Auth auth{};
  uint64_t peer_broker_id = 0;
  std::string cluster_id{};
  bool operator==(const HelloRequest&) const = default;
};

struct HelloResponse {
  ResponseHeader header{};
  uint64_t broker_id = 0;
  std::string cluster_id{};
  std::vector<ApiVersionRange> api_versions{};
  uint64_t frame_bytes_max = 0;
  uint64_t batch_bytes_max = 0;
  bool operator==(const HelloResponse&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Metadata and topics.

struct MetadataRequest {
  std::vector<std::string> topics{};  // empty: every topic
  bool operator==(const MetadataRequest&) const = default;
};

struct BrokerInfo {
  uint64_t broker_id = 0;
  std::string address{};
  std::string http_address{};
  bool operator==(const BrokerInfo&) const = default;
};

struct GroupInfo {
  uint64_t group_id = 0;
  uint64_t leader_broker_id = 0;
  uint64_t term = 0;
  std::vector<uint64_t> replicas{};
  bool operator==(const GroupInfo&) const = default;
};

struct QueueInfo {
  uint32_t queue_id = 0;
  uint64_t group_id = 0;
  bool operator==(const QueueInfo&) const = default;
};

struct TopicInfo {
  std::string name{};
  ErrorCode error_code = ErrorCode::kOk;
  MessageType message_type = MessageType::kNormal;
  uint32_t queue_count = 0;
  uint64_t retention_ms = 0;
  uint64_t retention_bytes = 0;
  std::vector<QueueInfo> queues{};
  bool operator==(const TopicInfo&) const = default;
};

struct MetadataResponse {
  ResponseHeader header{};
  std::string cluster_id{};
  uint64_t cluster_version = 0;
  uint64_t controller_broker_id = 0;
  std::vector<BrokerInfo> brokers{};
  std::vector<GroupInfo> groups{};
  std::vector<TopicInfo> topics{};
  bool operator==(const MetadataResponse&) const = default;
};

struct CreateTopicRequest {
  std::string name{};
  uint32_t queue_count = 0;
  MessageType message_type = MessageType::kNormal;
  uint64_t retention_ms = 0;
  uint64_t retention_bytes = 0;
  bool operator==(const CreateTopicRequest&) const = default;
};

struct CreateTopicResponse {
  ResponseHeader header{};
  uint64_t cluster_version = 0;
  bool operator==(const CreateTopicResponse&) const = default;
};

struct DeleteTopicRequest {
  std::string name{};
  bool operator==(const DeleteTopicRequest&) const = default;
};

struct DeleteTopicResponse {
  ResponseHeader header{};
  uint64_t cluster_version = 0;
  bool operator==(const DeleteTopicResponse&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Producing, fetching, querying.

struct InitProducerIdRequest {
  std::string producer_group{};
  bool operator==(const InitProducerIdRequest&) const = default;
};

struct InitProducerIdResponse {
  ResponseHeader header{};
  uint64_t producer_id = 0;
  bool operator==(const InitProducerIdResponse&) const = default;
};

struct ProduceRequest {
  std::string topic{};
  uint32_t queue_id = 0;
  uint64_t producer_id = 0;
  uint64_t sequence = 0;
  std::string record_batch{};
  uint32_t timeout_ms = 0;
  bool operator==(const ProduceRequest&) const = default;
};

struct ProduceResponse {
  ResponseHeader header{};
  uint64_t base_offset = 0;
  std::vector<MessageId> msg_ids{};
  uint64_t store_time_ms = 0;
  bool operator==(const ProduceResponse&) const = default;
};

struct FetchRequest {
  std::string topic{};
  uint32_t queue_id = 0;
  uint64_t offset = 0;
  uint32_t max_messages = 0;
  uint32_t max_bytes = 0;
  uint32_t max_wait_ms = 0;
  std::string tag_filter{};
  std::string consumer_group{};
  bool operator==(const FetchRequest&) const = default;
};

struct FetchedBatch {
  uint64_t base_offset = 0;
  uint64_t group_id = 0;
  uint64_t raft_index = 0;
  uint64_t store_time_ms = 0;
  std::string record_batch{};
  std::vector<uint32_t> slots{};  // ascending
  bool operator==(const FetchedBatch&) const = default;
};

struct FetchResponse {
  ResponseHeader header{};
  uint64_t high_watermark = 0;
  uint64_t log_start_offset = 0;
  uint64_t next_offset = 0;
  std::vector<FetchedBatch> batches{};
  bool operator==(const FetchResponse&) const = default;
};

struct QueueRef {
  std::string topic{};
  uint32_t queue_id = 0;
  bool operator==(const QueueRef&) const = default;
};

struct ListOffsetsRequest {
  std::vector<QueueRef> queues{};
  bool operator==(const ListOffsetsRequest&) const = default;
};

struct QueueOffsetRange {
  std::string topic{};
  uint32_t queue_id = 0;
  ErrorCode error_code = ErrorCode::kOk;
  uint64_t min_offset = 0;
  uint64_t max_offset = 0;
  uint64_t last_store_time_ms = 0;
  bool operator==(const QueueOffsetRange&) const = default;
};

struct ListOffsetsResponse {
  ResponseHeader header{};
  std::vector<QueueOffsetRange> queues{};
  bool operator==(const ListOffsetsResponse&) const = default;
};

struct QueryMessageByIdRequest {
  MessageId msg_id{};
  bool operator==(const QueryMessageByIdRequest&) const = default;
};

struct QueryMessageByIdResponse {
  ResponseHeader header{};
  std::string topic{};
  uint32_t queue_id = 0;
  uint64_t queue_offset = 0;
  uint64_t store_time_ms = 0;
  std::string record_batch{};
  bool operator==(const QueryMessageByIdResponse&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Consumer groups.

struct Subscription {
  std::string topic{};
  std::string tag_expression{};
  bool operator==(const Subscription&) const = default;
};

struct SubGroupConfig {
  std::string name{};
  ConsumeMode mode = ConsumeMode::kClustering;
  std::vector<Subscription> subscriptions{};
  uint32_t max_retries = kDefaultMaxRetries;
  std::vector<uint32_t> retry_backoff_ms{};
  bool fifo = false;
  bool operator==(const SubGroupConfig&) const = default;
};

struct UpdateSubGroupRequest {
  SubGroupConfig config{};
  bool operator==(const UpdateSubGroupRequest&) const = default;
};

struct UpdateSubGroupResponse {
  ResponseHeader header{};
  uint64_t cluster_version = 0;
  bool operator==(const UpdateSubGroupResponse&) const = default;
};

struct DeleteSubGroupRequest {
  std::string name{};
  bool operator==(const DeleteSubGroupRequest&) const = default;
};

struct DeleteSubGroupResponse {
  ResponseHeader header{};
  uint64_t cluster_version = 0;
  bool operator==(const DeleteSubGroupResponse&) const = default;
};

struct JoinGroupRequest {
  std::string group{};
  std::string member_id{};
  std::string client_id{};
  std::string instance{};
  std::vector<Subscription> subscriptions{};
  uint32_t session_timeout_ms = 0;
  bool operator==(const JoinGroupRequest&) const = default;
};

struct JoinGroupResponse {
  ResponseHeader header{};
  std::string member_id{};
  uint64_t generation = 0;
  std::vector<QueueRef> assignment{};
  uint32_t heartbeat_interval_ms = 0;
  bool operator==(const JoinGroupResponse&) const = default;
};

struct HeartbeatRequest {
  std::string group{};
  std::string member_id{};
  uint64_t generation = 0;
  bool operator==(const HeartbeatRequest&) const = default;
};

struct HeartbeatResponse {
  ResponseHeader header{};
  uint64_t generation = 0;
  bool operator==(const HeartbeatResponse&) const = default;
};

struct SyncGroupRequest {
  std::string group{};
  std::string member_id{};
  uint64_t generation = 0;
  bool operator==(const SyncGroupRequest&) const = default;
};

struct SyncGroupResponse {
  ResponseHeader header{};
  uint64_t generation = 0;
  std::vector<QueueRef> assignment{};
  bool operator==(const SyncGroupResponse&) const = default;
};

struct LeaveGroupRequest {
  std::string group{};
  std::string member_id{};
  bool operator==(const LeaveGroupRequest&) const = default;
};

struct LeaveGroupResponse {
  ResponseHeader header{};
  bool operator==(const LeaveGroupResponse&) const = default;
};

struct QueueOffset {
  std::string topic{};
  uint32_t queue_id = 0;
  uint64_t offset = kNoOffset;
  bool operator==(const QueueOffset&) const = default;
};

struct CommitOffsetRequest {
  std::string group{};
  std::string member_id{};
  uint64_t generation = 0;
  std::string instance{};
  std::vector<QueueOffset> offsets{};
  bool operator==(const CommitOffsetRequest&) const = default;
};

struct CommitOffsetResponse {
  ResponseHeader header{};
  bool operator==(const CommitOffsetResponse&) const = default;
};

struct FetchOffsetRequest {
  std::string group{};
  std::string instance{};
  std::vector<QueueRef> queues{};
  bool operator==(const FetchOffsetRequest&) const = default;
};

struct FetchOffsetResponse {
  ResponseHeader header{};
  std::vector<QueueOffset> offsets{};
  bool operator==(const FetchOffsetResponse&) const = default;
};

struct ConsumerProgressRequest {
  std::string group{};
  bool operator==(const ConsumerProgressRequest&) const = default;
};

struct MemberInfo {
  std::string member_id{};
  std::string client_id{};
  std::string instance{};
  std::vector<QueueRef> assignment{};
  bool operator==(const MemberInfo&) const = default;
};

struct QueueProgress {
  std::string topic{};
  uint32_t queue_id = 0;
  uint64_t broker_offset = 0;
  uint64_t consumer_offset = kNoOffset;
  std::string member_id{};
  bool operator==(const QueueProgress&) const = default;
};

struct ConsumerProgressResponse {
  ResponseHeader header{};
  SubGroupConfig config{};
  uint64_t generation = 0;
  std::vector<MemberInfo> members{};
  std::vector<QueueProgress> queues{};
  bool operator==(const ConsumerProgressResponse&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Cluster status.

struct ClusterStatusRequest {
  bool operator==(const ClusterStatusRequest&) const = default;
};

struct BrokerStatus {
  uint64_t broker_id = 0;
  std::string address{};
  std::string http_address{};
  bool reachable = false;
  bool operator==(const BrokerStatus&) const = default;
};

struct ReplicaStatus {
  uint64_t broker_id = 0;
  ReplicaRole role = ReplicaRole::kVoter;
  uint64_t match_index = 0;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  uint64_t lag_entries = 0;
  bool operator==(const ReplicaStatus&) const = default;
};

struct GroupStatus {
  uint64_t group_id = 0;
  uint64_t leader_broker_id = 0;
  uint64_t term = 0;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  std::vector<ReplicaStatus> replicas{};
  bool operator==(const GroupStatus&) const = default;
};

struct ClusterStatusResponse {
  ResponseHeader header{};
  std::string cluster_id{};
  uint64_t cluster_version = 0;
  std::vector<BrokerStatus> brokers{};
  std::vector<GroupStatus> groups{};
  bool operator==(const ClusterStatusResponse&) const = default;
};

}  // namespace mq::protocol
