// Codec of the session, metadata, topic, offset-listing and cluster-status tables.

#include "client/protocol/codec_internal.h"

namespace mq::protocol::internal {
namespace {

flatbuffers::Offset<flatbuffers::Vector<const fb::ApiVersionRange*>> WriteVersions(
    Builder& b, const std::vector<ApiVersionRange>& v) {
  if (v.empty()) return 0;
  std::vector<fb::ApiVersionRange> ranges;
  ranges.reserve(v.size());
  for (const ApiVersionRange& r : v) {
    ranges.emplace_back(static_cast<uint16_t>(r.api_key), r.min_version, r.max_version);
  }
  return b.CreateVectorOfStructs(ranges);
}

absl::Status ReadVersions(const flatbuffers::Vector<const fb::ApiVersionRange*>* v,
                          std::vector<ApiVersionRange>& out, DecodeContext& ctx) {
  if (v == nullptr) return absl::OkStatus();
  MQ_RETURN_IF_ERROR(CheckElementsAligned("api_versions", v->Data(), alignof(fb::ApiVersionRange)));
  MQ_RETURN_IF_ERROR(
      ctx.Count("api_versions", v->size(), ctx.limits().items_per_list_max, "items_per_list_max"));
  MQ_RETURN_IF_ERROR(ctx.Charge(4 + uint64_t{sizeof(fb::ApiVersionRange)} * v->size()));
  out.reserve(v->size());
  for (flatbuffers::uoffset_t i = 0; i < v->size(); ++i) {
    const fb::ApiVersionRange* r = v->Get(i);
    ApiVersionRange& range = out.emplace_back();
    range.api_key = static_cast<ApiKey>(r->api_key());
    range.min_version = r->min_version();
    range.max_version = r->max_version();
    if (!ctx.response() && range.min_version > range.max_version) {
      return absl::InvalidArgumentError(
          absl::StrFormat("api_versions[%d]: min_version %d is above max_version %d", i,
                          range.min_version, range.max_version));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadClusterId(const flatbuffers::String* s, std::string& out, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("cluster_id", s, out, ctx));
  return ctx.Text("cluster_id", out, ctx.limits().name_bytes_max, "name_bytes_max");
}

absl::Status ReadAddress(std::string_view field, const flatbuffers::String* s, std::string& out,
                         DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString(field, s, out, ctx));
  return ctx.Text(field, out, ctx.limits().address_bytes_max, "address_bytes_max");
}

}  // namespace

// --- Hello ------------------------------------------------------------------------------------

flatbuffers::Offset<fb::Auth> Write(Builder& b, const Auth& m) {
  const auto mechanism = WriteString(b, m.mechanism);
  const auto username = WriteString(b, m.username);
  const auto secret = WriteBytes(b, m.secret);
  fb::AuthBuilder t(b);
  t.add_mechanism(mechanism);
  t.add_username(username);
  t.add_secret(secret);
  return t.Finish();
}

absl::Status Read(const fb::Auth& f, Auth& m, DecodeContext& ctx) {
  const uint64_t max = ctx.limits().auth_bytes_max;
  MQ_RETURN_IF_ERROR(ReadString("mechanism", f.mechanism(), m.mechanism, ctx));
  MQ_RETURN_IF_ERROR(ctx.Text("mechanism", m.mechanism, max, "auth_bytes_max"));
  MQ_RETURN_IF_ERROR(ReadString("username", f.username(), m.username, ctx));
  MQ_RETURN_IF_ERROR(ctx.Text("username", m.username, max, "auth_bytes_max"));
  MQ_RETURN_IF_ERROR(ReadBytes("secret", f.secret(), m.secret, ctx));
  return ctx.Text("secret", m.secret, max, "auth_bytes_max");
}

flatbuffers::Offset<fb::HelloRequest> Write(Builder& b, const HelloRequest& m) {
  const auto client_id = WriteString(b, m.client_id);
  const auto software = WriteString(b, m.software);
  const auto versions = WriteVersions(b, m.api_versions);
  const bool has_auth = m.auth != Auth();
  const auto auth = has_auth ? Write(b, m.auth) : 0;
  const auto cluster_id = WriteString(b, m.cluster_id);
  fb::HelloRequestBuilder t(b);
  t.add_client_id(client_id);
  t.add_software(software);
  t.add_api_versions(versions);
  if (has_auth) t.add_auth(auth);
  t.add_peer_broker_id(m.peer_broker_id);
  t.add_cluster_id(cluster_id);
  return t.Finish();
}

absl::Status Read(const fb::HelloRequest& f, HelloRequest& m, DecodeContext& ctx) {
  const uint64_t id_max = ctx.limits().client_id_bytes_max;
  MQ_RETURN_IF_ERROR(ReadString("client_id", f.client_id(), m.client_id, ctx));
  MQ_RETURN_IF_ERROR(ctx.Text("client_id", m.client_id, id_max, "client_id_bytes_max"));
  MQ_RETURN_IF_ERROR(ReadString("software", f.software(), m.software, ctx));
  MQ_RETURN_IF_ERROR(ctx.Text("software", m.software, id_max, "client_id_bytes_max"));
  MQ_RETURN_IF_ERROR(ReadVersions(f.api_versions(), m.api_versions, ctx));
  MQ_RETURN_IF_ERROR(ReadTable("auth", f.auth(), m.auth, ctx));
  m.peer_broker_id = f.peer_broker_id();
  return ReadClusterId(f.cluster_id(), m.cluster_id, ctx);
}

flatbuffers::Offset<fb::HelloResponse> Write(Builder& b, const HelloResponse& m) {
  const auto header = WriteHeader(b, m.header);
  const auto cluster_id = WriteString(b, m.cluster_id);
  const auto versions = WriteVersions(b, m.api_versions);
  fb::HelloResponseBuilder t(b);
  t.add_header(header);
  t.add_broker_id(m.broker_id);
  t.add_cluster_id(cluster_id);
  t.add_api_versions(versions);
  t.add_frame_bytes_max(m.frame_bytes_max);
  t.add_batch_bytes_max(m.batch_bytes_max);
  return t.Finish();
}

absl::Status Read(const fb::HelloResponse& f, HelloResponse& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  m.broker_id = f.broker_id();
  MQ_RETURN_IF_ERROR(ReadClusterId(f.cluster_id(), m.cluster_id, ctx));
  MQ_RETURN_IF_ERROR(ReadVersions(f.api_versions(), m.api_versions, ctx));
  m.frame_bytes_max = f.frame_bytes_max();
  m.batch_bytes_max = f.batch_bytes_max();
  return absl::OkStatus();
}

// --- Metadata ---------------------------------------------------------------------------------

flatbuffers::Offset<fb::MetadataRequest> Write(Builder& b, const MetadataRequest& m) {
  const auto topics = WriteStrings(b, m.topics);
  fb::MetadataRequestBuilder t(b);
  t.add_topics(topics);
  return t.Finish();
}

absl::Status Read(const fb::MetadataRequest& f, MetadataRequest& m, DecodeContext& ctx) {
  const auto* topics = f.topics();
  if (topics == nullptr) return absl::OkStatus();
  MQ_RETURN_IF_ERROR(
      ctx.Count("topics", topics->size(), ctx.limits().items_per_list_max, "items_per_list_max"));
  MQ_RETURN_IF_ERROR(ctx.Charge(4));
  m.topics.resize(topics->size());
  for (flatbuffers::uoffset_t i = 0; i < topics->size(); ++i) {
    const std::string field = absl::StrFormat("topics[%d]", i);
    MQ_RETURN_IF_ERROR(ReadString(field, topics->Get(i), m.topics[i], ctx));
    MQ_RETURN_IF_ERROR(ctx.Name(field, m.topics[i]));
  }
  return absl::OkStatus();
}

flatbuffers::Offset<fb::BrokerInfo> Write(Builder& b, const BrokerInfo& m) {
  const auto address = WriteString(b, m.address);
  const auto http_address = WriteString(b, m.http_address);
  fb::BrokerInfoBuilder t(b);
  t.add_broker_id(m.broker_id);
  t.add_address(address);
  t.add_http_address(http_address);
  return t.Finish();
}

absl::Status Read(const fb::BrokerInfo& f, BrokerInfo& m, DecodeContext& ctx) {
  m.broker_id = f.broker_id();
  MQ_RETURN_IF_ERROR(ReadAddress("address", f.address(), m.address, ctx));
  return ReadAddress("http_address", f.http_address(), m.http_address, ctx);
}

flatbuffers::Offset<fb::GroupInfo> Write(Builder& b, const GroupInfo& m) {
  const auto replicas = WriteScalars(b, m.replicas);
  fb::GroupInfoBuilder t(b);
  t.add_group_id(m.group_id);
  t.add_leader_broker_id(m.leader_broker_id);
  t.add_term(m.term);
  t.add_replicas(replicas);
  return t.Finish();
}

absl::Status Read(const fb::GroupInfo& f, GroupInfo& m, DecodeContext& ctx) {
  m.group_id = f.group_id();
  m.leader_broker_id = f.leader_broker_id();
  m.term = f.term();
  return ReadScalars("replicas", f.replicas(), m.replicas, ctx.limits().items_per_list_max,
                     "items_per_list_max", ctx);
}

flatbuffers::Offset<fb::QueueInfo> Write(Builder& b, const QueueInfo& m) {
  fb::QueueInfoBuilder t(b);
  t.add_queue_id(m.queue_id);
  t.add_group_id(m.group_id);
  return t.Finish();
}

absl::Status Read(const fb::QueueInfo& f, QueueInfo& m, DecodeContext& ctx) {
  m.queue_id = f.queue_id();
  m.group_id = f.group_id();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::TopicInfo> Write(Builder& b, const TopicInfo& m) {
  const auto name = WriteString(b, m.name);
  const auto queues = WriteList(b, m.queues);
  fb::TopicInfoBuilder t(b);
  t.add_name(name);
  t.add_error_code(static_cast<fb::ErrorCode>(m.error_code));
  t.add_message_type(static_cast<fb::MessageType>(m.message_type));
  t.add_queue_count(m.queue_count);
  t.add_retention_ms(m.retention_ms);
  t.add_retention_bytes(m.retention_bytes);
  t.add_queues(queues);
  return t.Finish();
}

absl::Status Read(const fb::TopicInfo& f, TopicInfo& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("name", f.name(), m.name, ctx));
  MQ_RETURN_IF_ERROR(ctx.Name("name", m.name));
  m.error_code = static_cast<ErrorCode>(f.error_code());
  m.message_type = static_cast<MessageType>(f.message_type());
  m.queue_count = f.queue_count();
  m.retention_ms = f.retention_ms();
  m.retention_bytes = f.retention_bytes();
  return ReadList("queues", f.queues(), m.queues, ctx);
}

flatbuffers::Offset<fb::MetadataResponse> Write(Builder& b, const MetadataResponse& m) {
  const auto header = WriteHeader(b, m.header);
  const auto cluster_id = WriteString(b, m.cluster_id);
  const auto brokers = WriteList(b, m.brokers);
  const auto groups = WriteList(b, m.groups);
  const auto topics = WriteList(b, m.topics);
  fb::MetadataResponseBuilder t(b);
  t.add_header(header);
  t.add_cluster_id(cluster_id);
  t.add_cluster_version(m.cluster_version);
  t.add_controller_broker_id(m.controller_broker_id);
  t.add_brokers(brokers);
  t.add_groups(groups);
  t.add_topics(topics);
  return t.Finish();
}

absl::Status Read(const fb::MetadataResponse& f, MetadataResponse& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  MQ_RETURN_IF_ERROR(ReadClusterId(f.cluster_id(), m.cluster_id, ctx));
  m.cluster_version = f.cluster_version();
  m.controller_broker_id = f.controller_broker_id();
  MQ_RETURN_IF_ERROR(ReadList("brokers", f.brokers(), m.brokers, ctx));
  MQ_RETURN_IF_ERROR(ReadList("groups", f.groups(), m.groups, ctx));
  return ReadList("topics", f.topics(), m.topics, ctx);
}

// --- Topics -----------------------------------------------------------------------------------

flatbuffers::Offset<fb::CreateTopicRequest> Write(Builder& b, const CreateTopicRequest& m) {
  const auto name = WriteString(b, m.name);
  fb::CreateTopicRequestBuilder t(b);
  t.add_name(name);
  t.add_queue_count(m.queue_count);
  t.add_message_type(static_cast<fb::MessageType>(m.message_type));
  t.add_retention_ms(m.retention_ms);
  t.add_retention_bytes(m.retention_bytes);
  return t.Finish();
}

absl::Status Read(const fb::CreateTopicRequest& f, CreateTopicRequest& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("name", f.name(), m.name, ctx));
  MQ_RETURN_IF_ERROR(ctx.Name("name", m.name));
  m.queue_count = f.queue_count();
  if (m.queue_count == 0 || m.queue_count > ctx.limits().queues_per_topic_max) {
    return absl::InvalidArgumentError(
        absl::StrFormat("queue_count: %d, want 1 to queues_per_topic_max %d", m.queue_count,
                        ctx.limits().queues_per_topic_max));
  }
  m.message_type = static_cast<MessageType>(f.message_type());
  MQ_RETURN_IF_ERROR(ctx.Enum("message_type", m.message_type, kMessageTypeLast, &MessageTypeName));
  m.retention_ms = f.retention_ms();
  m.retention_bytes = f.retention_bytes();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::CreateTopicResponse> Write(Builder& b, const CreateTopicResponse& m) {
  const auto header = WriteHeader(b, m.header);
  fb::CreateTopicResponseBuilder t(b);
  t.add_header(header);
  t.add_cluster_version(m.cluster_version);
  return t.Finish();
}

absl::Status Read(const fb::CreateTopicResponse& f, CreateTopicResponse& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  m.cluster_version = f.cluster_version();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::DeleteTopicRequest> Write(Builder& b, const DeleteTopicRequest& m) {
  const auto name = WriteString(b, m.name);
  fb::DeleteTopicRequestBuilder t(b);
  t.add_name(name);
  return t.Finish();
}

absl::Status Read(const fb::DeleteTopicRequest& f, DeleteTopicRequest& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("name", f.name(), m.name, ctx));
  return ctx.Name("name", m.name);
}

flatbuffers::Offset<fb::DeleteTopicResponse> Write(Builder& b, const DeleteTopicResponse& m) {
  const auto header = WriteHeader(b, m.header);
  fb::DeleteTopicResponseBuilder t(b);
  t.add_header(header);
  t.add_cluster_version(m.cluster_version);
  return t.Finish();
}

absl::Status Read(const fb::DeleteTopicResponse& f, DeleteTopicResponse& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  m.cluster_version = f.cluster_version();
  return absl::OkStatus();
}

// --- ListOffsets ------------------------------------------------------------------------------

flatbuffers::Offset<fb::ListOffsetsRequest> Write(Builder& b, const ListOffsetsRequest& m) {
  const auto queues = WriteList(b, m.queues);
  fb::ListOffsetsRequestBuilder t(b);
  t.add_queues(queues);
  return t.Finish();
}

absl::Status Read(const fb::ListOffsetsRequest& f, ListOffsetsRequest& m, DecodeContext& ctx) {
  return ReadList("queues", f.queues(), m.queues, ctx);
}

flatbuffers::Offset<fb::QueueOffsetRange> Write(Builder& b, const QueueOffsetRange& m) {
  const auto topic = WriteString(b, m.topic);
  fb::QueueOffsetRangeBuilder t(b);
  t.add_topic(topic);
  t.add_queue_id(m.queue_id);
  t.add_error_code(static_cast<fb::ErrorCode>(m.error_code));
  t.add_min_offset(m.min_offset);
  t.add_max_offset(m.max_offset);
  t.add_last_store_time_ms(m.last_store_time_ms);
  return t.Finish();
}

absl::Status Read(const fb::QueueOffsetRange& f, QueueOffsetRange& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("topic", f.topic(), m.topic, ctx));
  MQ_RETURN_IF_ERROR(ctx.Name("topic", m.topic));
  m.queue_id = f.queue_id();
  m.error_code = static_cast<ErrorCode>(f.error_code());
  m.min_offset = f.min_offset();
  m.max_offset = f.max_offset();
  m.last_store_time_ms = f.last_store_time_ms();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::ListOffsetsResponse> Write(Builder& b, const ListOffsetsResponse& m) {
  const auto header = WriteHeader(b, m.header);
  const auto queues = WriteList(b, m.queues);
  fb::ListOffsetsResponseBuilder t(b);
  t.add_header(header);
  t.add_queues(queues);
  return t.Finish();
}

absl::Status Read(const fb::ListOffsetsResponse& f, ListOffsetsResponse& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  return ReadList("queues", f.queues(), m.queues, ctx);
}

// --- ClusterStatus ----------------------------------------------------------------------------

flatbuffers::Offset<fb::ClusterStatusRequest> Write(Builder& b, const ClusterStatusRequest&) {
  fb::ClusterStatusRequestBuilder t(b);
  return t.Finish();
}

absl::Status Read(const fb::ClusterStatusRequest&, ClusterStatusRequest&, DecodeContext&) {
  return absl::OkStatus();
}

flatbuffers::Offset<fb::BrokerStatus> Write(Builder& b, const BrokerStatus& m) {
  const auto address = WriteString(b, m.address);
  const auto http_address = WriteString(b, m.http_address);
  fb::BrokerStatusBuilder t(b);
  t.add_broker_id(m.broker_id);
  t.add_address(address);
  t.add_http_address(http_address);
  t.add_reachable(m.reachable);
  return t.Finish();
}

absl::Status Read(const fb::BrokerStatus& f, BrokerStatus& m, DecodeContext& ctx) {
  m.broker_id = f.broker_id();
  MQ_RETURN_IF_ERROR(ReadAddress("address", f.address(), m.address, ctx));
  MQ_RETURN_IF_ERROR(ReadAddress("http_address", f.http_address(), m.http_address, ctx));
  m.reachable = f.reachable();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::ReplicaStatus> Write(Builder& b, const ReplicaStatus& m) {
  fb::ReplicaStatusBuilder t(b);
  t.add_broker_id(m.broker_id);
  t.add_role(static_cast<fb::ReplicaRole>(m.role));
  t.add_match_index(m.match_index);
  t.add_commit_index(m.commit_index);
  t.add_applied_index(m.applied_index);
  t.add_lag_entries(m.lag_entries);
  return t.Finish();
}

absl::Status Read(const fb::ReplicaStatus& f, ReplicaStatus& m, DecodeContext& ctx) {
  m.broker_id = f.broker_id();
  m.role = static_cast<ReplicaRole>(f.role());
  m.match_index = f.match_index();
  m.commit_index = f.commit_index();
  m.applied_index = f.applied_index();
  m.lag_entries = f.lag_entries();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::GroupStatus> Write(Builder& b, const GroupStatus& m) {
  const auto replicas = WriteList(b, m.replicas);
  fb::GroupStatusBuilder t(b);
  t.add_group_id(m.group_id);
  t.add_leader_broker_id(m.leader_broker_id);
  t.add_term(m.term);
  t.add_commit_index(m.commit_index);
  t.add_applied_index(m.applied_index);
  t.add_replicas(replicas);
  return t.Finish();
}

absl::Status Read(const fb::GroupStatus& f, GroupStatus& m, DecodeContext& ctx) {
  m.group_id = f.group_id();
  m.leader_broker_id = f.leader_broker_id();
  m.term = f.term();
  m.commit_index = f.commit_index();
  m.applied_index = f.applied_index();
  return ReadList("replicas", f.replicas(), m.replicas, ctx);
}

flatbuffers::Offset<fb::ClusterStatusResponse> Write(Builder& b, const ClusterStatusResponse& m) {
  const auto header = WriteHeader(b, m.header);
  const auto cluster_id = WriteString(b, m.cluster_id);
  const auto brokers = WriteList(b, m.brokers);
  const auto groups = WriteList(b, m.groups);
  fb::ClusterStatusResponseBuilder t(b);
  t.add_header(header);
  t.add_cluster_id(cluster_id);
  t.add_cluster_version(m.cluster_version);
  t.add_brokers(brokers);
  t.add_groups(groups);
  return t.Finish();
}

absl::Status Read(const fb::ClusterStatusResponse& f, ClusterStatusResponse& m,
                  DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  MQ_RETURN_IF_ERROR(ReadClusterId(f.cluster_id(), m.cluster_id, ctx));
  m.cluster_version = f.cluster_version();
  MQ_RETURN_IF_ERROR(ReadList("brokers", f.brokers(), m.brokers, ctx));
  return ReadList("groups", f.groups(), m.groups, ctx);
}

}  // namespace mq::protocol::internal
