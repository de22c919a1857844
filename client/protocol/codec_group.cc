// Codec of the consumer-group tables: configuration, membership, offsets, progress.

#include "client/protocol/codec_internal.h"

namespace mq::protocol::internal {
namespace {

absl::Status ReadGroup(const flatbuffers::String* s, std::string& out, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("group", s, out, ctx));
  return ctx.Name("group", out);
}

// Member ids, client ids and instance names.
absl::Status ReadId(std::string_view field, const flatbuffers::String* s, std::string& out,
                    DecodeContext& ctx, bool required = false) {
  MQ_RETURN_IF_ERROR(ReadString(field, s, out, ctx));
  if (required && out.empty() && !ctx.response()) return Missing(field);
  return ctx.Text(field, out, ctx.limits().client_id_bytes_max, "client_id_bytes_max");
}

}  // namespace

// --- Configuration ----------------------------------------------------------------------------

flatbuffers::Offset<fb::Subscription> Write(Builder& b, const Subscription& m) {
  const auto topic = WriteString(b, m.topic);
  const auto expression = WriteString(b, m.tag_expression);
  fb::SubscriptionBuilder t(b);
  t.add_topic(topic);
  t.add_tag_expression(expression);
  return t.Finish();
}

absl::Status Read(const fb::Subscription& f, Subscription& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("topic", f.topic(), m.topic, ctx));
  MQ_RETURN_IF_ERROR(ctx.Name("topic", m.topic));
  MQ_RETURN_IF_ERROR(ReadString("tag_expression", f.tag_expression(), m.tag_expression, ctx));
  return ctx.Text("tag_expression", m.tag_expression, ctx.limits().tag_expression_bytes_max,
                  "tag_expression_bytes_max");
}

flatbuffers::Offset<fb::SubGroupConfig> Write(Builder& b, const SubGroupConfig& m) {
  const auto name = WriteString(b, m.name);
  const auto subscriptions = WriteList(b, m.subscriptions);
  const auto backoff = WriteScalars(b, m.retry_backoff_ms);
  fb::SubGroupConfigBuilder t(b);
  t.add_name(name);
  t.add_mode(static_cast<fb::ConsumeMode>(m.mode));
  t.add_subscriptions(subscriptions);
  t.add_max_retries(m.max_retries);
  t.add_retry_backoff_ms(backoff);
  t.add_fifo(m.fifo);
  return t.Finish();
}

absl::Status Read(const fb::SubGroupConfig& f, SubGroupConfig& m, DecodeContext& ctx) {
  const ProtocolLimits& limits = ctx.limits();
  MQ_RETURN_IF_ERROR(ReadString("name", f.name(), m.name, ctx));
  MQ_RETURN_IF_ERROR(ctx.Name("name", m.name));
  m.mode = static_cast<ConsumeMode>(f.mode());
  MQ_RETURN_IF_ERROR(ctx.Enum("mode", m.mode, kConsumeModeLast, &ConsumeModeName));
  MQ_RETURN_IF_ERROR(ReadList("subscriptions", f.subscriptions(), m.subscriptions, ctx));
  m.max_retries = f.max_retries();
  if (!ctx.response() && m.max_retries > limits.max_retries_max) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "max_retries: %d, more than max_retries_max %d", m.max_retries, limits.max_retries_max));
  }
  MQ_RETURN_IF_ERROR(ReadScalars("retry_backoff_ms", f.retry_backoff_ms(), m.retry_backoff_ms,
                                 limits.retry_backoff_steps_max, "retry_backoff_steps_max", ctx));
  m.fifo = f.fifo();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::UpdateSubGroupRequest> Write(Builder& b, const UpdateSubGroupRequest& m) {
  const auto config = Write(b, m.config);
  fb::UpdateSubGroupRequestBuilder t(b);
  t.add_config(config);
  return t.Finish();
}

absl::Status Read(const fb::UpdateSubGroupRequest& f, UpdateSubGroupRequest& m,
                  DecodeContext& ctx) {
  return ReadTable("config", f.config(), m.config, ctx, /*required=*/true);
}

flatbuffers::Offset<fb::UpdateSubGroupResponse> Write(Builder& b, const UpdateSubGroupResponse& m) {
  const auto header = WriteHeader(b, m.header);
  fb::UpdateSubGroupResponseBuilder t(b);
  t.add_header(header);
  t.add_cluster_version(m.cluster_version);
  return t.Finish();
}

absl::Status Read(const fb::UpdateSubGroupResponse& f, UpdateSubGroupResponse& m,
                  DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  m.cluster_version = f.cluster_version();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::DeleteSubGroupRequest> Write(Builder& b, const DeleteSubGroupRequest& m) {
  const auto name = WriteString(b, m.name);
  fb::DeleteSubGroupRequestBuilder t(b);
  t.add_name(name);
  return t.Finish();
}

absl::Status Read(const fb::DeleteSubGroupRequest& f, DeleteSubGroupRequest& m,
                  DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("name", f.name(), m.name, ctx));
  return ctx.Name("name", m.name);
}

flatbuffers::Offset<fb::DeleteSubGroupResponse> Write(Builder& b, const DeleteSubGroupResponse& m) {
  const auto header = WriteHeader(b, m.header);
  fb::DeleteSubGroupResponseBuilder t(b);
  t.add_header(header);
  t.add_cluster_version(m.cluster_version);
  return t.Finish();
}

absl::Status Read(const fb::DeleteSubGroupResponse& f, DeleteSubGroupResponse& m,
                  DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  m.cluster_version = f.cluster_version();
  return absl::OkStatus();
}

// --- Membership -------------------------------------------------------------------------------

flatbuffers::Offset<fb::JoinGroupRequest> Write(Builder& b, const JoinGroupRequest& m) {
  const auto group = WriteString(b, m.group);
  const auto member_id = WriteString(b, m.member_id);
  const auto client_id = WriteString(b, m.client_id);
  const auto instance = WriteString(b, m.instance);
  const auto subscriptions = WriteList(b, m.subscriptions);
  fb::JoinGroupRequestBuilder t(b);
  t.add_group(group);
  t.add_member_id(member_id);
  t.add_client_id(client_id);
  t.add_instance(instance);
  t.add_subscriptions(subscriptions);
  t.add_session_timeout_ms(m.session_timeout_ms);
  return t.Finish();
}

absl::Status Read(const fb::JoinGroupRequest& f, JoinGroupRequest& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadGroup(f.group(), m.group, ctx));
  MQ_RETURN_IF_ERROR(ReadId("member_id", f.member_id(), m.member_id, ctx));
  MQ_RETURN_IF_ERROR(ReadId("client_id", f.client_id(), m.client_id, ctx, /*required=*/true));
  MQ_RETURN_IF_ERROR(ReadId("instance", f.instance(), m.instance, ctx));
  MQ_RETURN_IF_ERROR(ReadList("subscriptions", f.subscriptions(), m.subscriptions, ctx));
  m.session_timeout_ms = f.session_timeout_ms();
  if (m.session_timeout_ms > ctx.limits().request_timeout_ms_max) {
    return absl::InvalidArgumentError(
        absl::StrFormat("session_timeout_ms: %d, more than request_timeout_ms_max %d",
                        m.session_timeout_ms, ctx.limits().request_timeout_ms_max));
  }
  return absl::OkStatus();
}

flatbuffers::Offset<fb::JoinGroupResponse> Write(Builder& b, const JoinGroupResponse& m) {
  const auto header = WriteHeader(b, m.header);
  const auto member_id = WriteString(b, m.member_id);
  const auto assignment = WriteList(b, m.assignment);
  fb::JoinGroupResponseBuilder t(b);
  t.add_header(header);
  t.add_member_id(member_id);
  t.add_generation(m.generation);
  t.add_assignment(assignment);
  t.add_heartbeat_interval_ms(m.heartbeat_interval_ms);
  return t.Finish();
}

absl::Status Read(const fb::JoinGroupResponse& f, JoinGroupResponse& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  MQ_RETURN_IF_ERROR(ReadId("member_id", f.member_id(), m.member_id, ctx));
  m.generation = f.generation();
  MQ_RETURN_IF_ERROR(ReadList("assignment", f.assignment(), m.assignment, ctx));
  m.heartbeat_interval_ms = f.heartbeat_interval_ms();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::HeartbeatRequest> Write(Builder& b, const HeartbeatRequest& m) {
  const auto group = WriteString(b, m.group);
  const auto member_id = WriteString(b, m.member_id);
  fb::HeartbeatRequestBuilder t(b);
  t.add_group(group);
  t.add_member_id(member_id);
  t.add_generation(m.generation);
  return t.Finish();
}

absl::Status Read(const fb::HeartbeatRequest& f, HeartbeatRequest& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadGroup(f.group(), m.group, ctx));
  MQ_RETURN_IF_ERROR(ReadId("member_id", f.member_id(), m.member_id, ctx, /*required=*/true));
  m.generation = f.generation();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::HeartbeatResponse> Write(Builder& b, const HeartbeatResponse& m) {
  const auto header = WriteHeader(b, m.header);
  fb::HeartbeatResponseBuilder t(b);
  t.add_header(header);
  t.add_generation(m.generation);
  return t.Finish();
}

absl::Status Read(const fb::HeartbeatResponse& f, HeartbeatResponse& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  m.generation = f.generation();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::SyncGroupRequest> Write(Builder& b, const SyncGroupRequest& m) {
  const auto group = WriteString(b, m.group);
  const auto member_id = WriteString(b, m.member_id);
  fb::SyncGroupRequestBuilder t(b);
  t.add_group(group);
  t.add_member_id(member_id);
  t.add_generation(m.generation);
  return t.Finish();
}

absl::Status Read(const fb::SyncGroupRequest& f, SyncGroupRequest& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadGroup(f.group(), m.group, ctx));
  MQ_RETURN_IF_ERROR(ReadId("member_id", f.member_id(), m.member_id, ctx, /*required=*/true));
  m.generation = f.generation();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::SyncGroupResponse> Write(Builder& b, const SyncGroupResponse& m) {
  const auto header = WriteHeader(b, m.header);
  const auto assignment = WriteList(b, m.assignment);
  fb::SyncGroupResponseBuilder t(b);
  t.add_header(header);
  t.add_generation(m.generation);
  t.add_assignment(assignment);
  return t.Finish();
}

absl::Status Read(const fb::SyncGroupResponse& f, SyncGroupResponse& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  m.generation = f.generation();
  return ReadList("assignment", f.assignment(), m.assignment, ctx);
}

flatbuffers::Offset<fb::LeaveGroupRequest> Write(Builder& b, const LeaveGroupRequest& m) {
  const auto group = WriteString(b, m.group);
  const auto member_id = WriteString(b, m.member_id);
  fb::LeaveGroupRequestBuilder t(b);
  t.add_group(group);
  t.add_member_id(member_id);
  return t.Finish();
}

absl::Status Read(const fb::LeaveGroupRequest& f, LeaveGroupRequest& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadGroup(f.group(), m.group, ctx));
  return ReadId("member_id", f.member_id(), m.member_id, ctx, /*required=*/true);
}

flatbuffers::Offset<fb::LeaveGroupResponse> Write(Builder& b, const LeaveGroupResponse& m) {
  const auto header = WriteHeader(b, m.header);
  fb::LeaveGroupResponseBuilder t(b);
  t.add_header(header);
  return t.Finish();
}

absl::Status Read(const fb::LeaveGroupResponse& f, LeaveGroupResponse& m, DecodeContext& ctx) {
  return ReadHeader(f, m.header, ctx);
}

// --- Offsets ----------------------------------------------------------------------------------

flatbuffers::Offset<fb::CommitOffsetRequest> Write(Builder& b, const CommitOffsetRequest& m) {
  const auto group = WriteString(b, m.group);
  const auto member_id = WriteString(b, m.member_id);
  const auto instance = WriteString(b, m.instance);
  const auto offsets = WriteList(b, m.offsets);
  fb::CommitOffsetRequestBuilder t(b);
  t.add_group(group);
  t.add_member_id(member_id);
  t.add_generation(m.generation);
  t.add_instance(instance);
  t.add_offsets(offsets);
  return t.Finish();
}

absl::Status Read(const fb::CommitOffsetRequest& f, CommitOffsetRequest& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadGroup(f.group(), m.group, ctx));
  MQ_RETURN_IF_ERROR(ReadId("member_id", f.member_id(), m.member_id, ctx));
  m.generation = f.generation();
  MQ_RETURN_IF_ERROR(ReadId("instance", f.instance(), m.instance, ctx));
  MQ_RETURN_IF_ERROR(ReadList("offsets", f.offsets(), m.offsets, ctx));
  for (size_t i = 0; i < m.offsets.size(); ++i) {
    if (m.offsets[i].offset == kNoOffset) {
      return absl::InvalidArgumentError(
          absl::StrFormat("offsets[%d].offset: kNoOffset is not an offset to commit", i));
    }
  }
  return absl::OkStatus();
}

flatbuffers::Offset<fb::CommitOffsetResponse> Write(Builder& b, const CommitOffsetResponse& m) {
  const auto header = WriteHeader(b, m.header);
  fb::CommitOffsetResponseBuilder t(b);
  t.add_header(header);
  return t.Finish();
}

absl::Status Read(const fb::CommitOffsetResponse& f, CommitOffsetResponse& m, DecodeContext& ctx) {
  return ReadHeader(f, m.header, ctx);
}

flatbuffers::Offset<fb::FetchOffsetRequest> Write(Builder& b, const FetchOffsetRequest& m) {
  const auto group = WriteString(b, m.group);
  const auto instance = WriteString(b, m.instance);
  const auto queues = WriteList(b, m.queues);
  fb::FetchOffsetRequestBuilder t(b);
  t.add_group(group);
  t.add_instance(instance);
  t.add_queues(queues);
  return t.Finish();
}

absl::Status Read(const fb::FetchOffsetRequest& f, FetchOffsetRequest& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadGroup(f.group(), m.group, ctx));
  MQ_RETURN_IF_ERROR(ReadId("instance", f.instance(), m.instance, ctx));
  return ReadList("queues", f.queues(), m.queues, ctx);
}

flatbuffers::Offset<fb::FetchOffsetResponse> Write(Builder& b, const FetchOffsetResponse& m) {
  const auto header = WriteHeader(b, m.header);
  const auto offsets = WriteList(b, m.offsets);
  fb::FetchOffsetResponseBuilder t(b);
  t.add_header(header);
  t.add_offsets(offsets);
  return t.Finish();
}

absl::Status Read(const fb::FetchOffsetResponse& f, FetchOffsetResponse& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  return ReadList("offsets", f.offsets(), m.offsets, ctx);
}

// --- Progress ---------------------------------------------------------------------------------

flatbuffers::Offset<fb::ConsumerProgressRequest> Write(Builder& b,
                                                       const ConsumerProgressRequest& m) {
  const auto group = WriteString(b, m.group);
  fb::ConsumerProgressRequestBuilder t(b);
  t.add_group(group);
  return t.Finish();
}

absl::Status Read(const fb::ConsumerProgressRequest& f, ConsumerProgressRequest& m,
                  DecodeContext& ctx) {
  return ReadGroup(f.group(), m.group, ctx);
}

flatbuffers::Offset<fb::MemberInfo> Write(Builder& b, const MemberInfo& m) {
  const auto member_id = WriteString(b, m.member_id);
  const auto client_id = WriteString(b, m.client_id);
  const auto instance = WriteString(b, m.instance);
  const auto assignment = WriteList(b, m.assignment);
  fb::MemberInfoBuilder t(b);
  t.add_member_id(member_id);
  t.add_client_id(client_id);
  t.add_instance(instance);
  t.add_assignment(assignment);
  return t.Finish();
}

absl::Status Read(const fb::MemberInfo& f, MemberInfo& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadId("member_id", f.member_id(), m.member_id, ctx));
  MQ_RETURN_IF_ERROR(ReadId("client_id", f.client_id(), m.client_id, ctx));
  MQ_RETURN_IF_ERROR(ReadId("instance", f.instance(), m.instance, ctx));
  return ReadList("assignment", f.assignment(), m.assignment, ctx);
}

flatbuffers::Offset<fb::QueueProgress> Write(Builder& b, const QueueProgress& m) {
  const auto topic = WriteString(b, m.topic);
  const auto member_id = WriteString(b, m.member_id);
  fb::QueueProgressBuilder t(b);
  t.add_topic(topic);
  t.add_queue_id(m.queue_id);
  t.add_broker_offset(m.broker_offset);
  t.add_consumer_offset(m.consumer_offset);
  t.add_member_id(member_id);
  return t.Finish();
}

absl::Status Read(const fb::QueueProgress& f, QueueProgress& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("topic", f.topic(), m.topic, ctx));
  MQ_RETURN_IF_ERROR(ctx.Name("topic", m.topic));
  m.queue_id = f.queue_id();
  m.broker_offset = f.broker_offset();
  m.consumer_offset = f.consumer_offset();
  return ReadId("member_id", f.member_id(), m.member_id, ctx);
}

flatbuffers::Offset<fb::ConsumerProgressResponse> Write(Builder& b,
                                                        const ConsumerProgressResponse& m) {
  const auto header = WriteHeader(b, m.header);
  const bool has_config = m.config != SubGroupConfig();
  const auto config = has_config ? Write(b, m.config) : 0;
  const auto members = WriteList(b, m.members);
  const auto queues = WriteList(b, m.queues);
  fb::ConsumerProgressResponseBuilder t(b);
  t.add_header(header);
  if (has_config) t.add_config(config);
  t.add_generation(m.generation);
  t.add_members(members);
  t.add_queues(queues);
  return t.Finish();
}

absl::Status Read(const fb::ConsumerProgressResponse& f, ConsumerProgressResponse& m,
                  DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  MQ_RETURN_IF_ERROR(ReadTable("config", f.config(), m.config, ctx));
  m.generation = f.generation();
  MQ_RETURN_IF_ERROR(ReadList("members", f.members(), m.members, ctx));
  return ReadList("queues", f.queues(), m.queues, ctx);
}

}  // namespace mq::protocol::internal
