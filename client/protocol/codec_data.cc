// Codec of the data path: producer ids, produce, fetch, query by id.

#include "client/protocol/codec_internal.h"

namespace mq::protocol::internal {
namespace {

absl::Status ReadBatch(std::string_view field, const flatbuffers::Vector<uint8_t>* v,
                       std::string& out, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadBytes(field, v, out, ctx));
  return ctx.Text(field, out, ctx.limits().batch_bytes_max, "batch_bytes_max");
}

absl::Status CheckAtMost(std::string_view field, uint64_t value, uint64_t max,
                         std::string_view limit_name) {
  if (value > max) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %d, more than %s %d", field, value, limit_name, max));
  }
  return absl::OkStatus();
}

absl::Status CheckInRange(std::string_view field, uint64_t value, uint64_t max,
                          std::string_view limit_name) {
  if (value == 0)
    return absl::InvalidArgumentError(absl::StrFormat("%s: 0, want at least 1", field));
  return CheckAtMost(field, value, max, limit_name);
}

}  // namespace

// --- InitProducerId ---------------------------------------------------------------------------

flatbuffers::Offset<fb::InitProducerIdRequest> Write(Builder& b, const InitProducerIdRequest& m) {
  const auto group = WriteString(b, m.producer_group);
  fb::InitProducerIdRequestBuilder t(b);
  t.add_producer_group(group);
  return t.Finish();
}

absl::Status Read(const fb::InitProducerIdRequest& f, InitProducerIdRequest& m,
                  DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("producer_group", f.producer_group(), m.producer_group, ctx));
  return ctx.OptionalName("producer_group", m.producer_group);
}

flatbuffers::Offset<fb::InitProducerIdResponse> Write(Builder& b, const InitProducerIdResponse& m) {
  const auto header = WriteHeader(b, m.header);
  fb::InitProducerIdResponseBuilder t(b);
  t.add_header(header);
  t.add_producer_id(m.producer_id);
  return t.Finish();
}

absl::Status Read(const fb::InitProducerIdResponse& f, InitProducerIdResponse& m,
                  DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  m.producer_id = f.producer_id();
  return absl::OkStatus();
}

// --- Produce ----------------------------------------------------------------------------------

flatbuffers::Offset<fb::ProduceRequest> Write(Builder& b, const ProduceRequest& m) {
  const auto topic = WriteString(b, m.topic);
  const auto batch = WriteBytes(b, m.record_batch);
  fb::ProduceRequestBuilder t(b);
  t.add_topic(topic);
  t.add_queue_id(m.queue_id);
  t.add_producer_id(m.producer_id);
  t.add_sequence(m.sequence);
  t.add_record_batch(batch);
  t.add_timeout_ms(m.timeout_ms);
  return t.Finish();
}

// The batch itself is the broker's to verify (RecordBatchReader::Open), and to compare with
// producer_id and sequence.
absl::Status Read(const fb::ProduceRequest& f, ProduceRequest& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("topic", f.topic(), m.topic, ctx));
  MQ_RETURN_IF_ERROR(ctx.Name("topic", m.topic));
  m.queue_id = f.queue_id();
  m.producer_id = f.producer_id();
  m.sequence = f.sequence();
  if (m.producer_id == 0 && m.sequence != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("sequence: %d without a producer id", m.sequence));
  }
  MQ_RETURN_IF_ERROR(ReadBatch("record_batch", f.record_batch(), m.record_batch, ctx));
  if (m.record_batch.empty()) return Missing("record_batch");
  m.timeout_ms = f.timeout_ms();
  return CheckAtMost("timeout_ms", m.timeout_ms, ctx.limits().request_timeout_ms_max,
                     "request_timeout_ms_max");
}

flatbuffers::Offset<fb::ProduceResponse> Write(Builder& b, const ProduceResponse& m) {
  const auto header = WriteHeader(b, m.header);
  flatbuffers::Offset<flatbuffers::Vector<const fb::MessageId*>> ids = 0;
  if (!m.msg_ids.empty()) {
    std::vector<fb::MessageId> wire;
    wire.reserve(m.msg_ids.size());
    for (const MessageId& id : m.msg_ids) wire.emplace_back(id.group_id, id.slot, id.raft_index);
    ids = b.CreateVectorOfStructs(wire);
  }
  fb::ProduceResponseBuilder t(b);
  t.add_header(header);
  t.add_base_offset(m.base_offset);
  t.add_msg_ids(ids);
  t.add_store_time_ms(m.store_time_ms);
  return t.Finish();
}

absl::Status Read(const fb::ProduceResponse& f, ProduceResponse& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  m.base_offset = f.base_offset();
  if (const auto* ids = f.msg_ids(); ids != nullptr) {
    MQ_RETURN_IF_ERROR(CheckElementsAligned("msg_ids", ids->Data(), alignof(fb::MessageId)));
    MQ_RETURN_IF_ERROR(ctx.Count("msg_ids", ids->size(), ctx.limits().messages_per_batch_max,
                                 "messages_per_batch_max"));
    MQ_RETURN_IF_ERROR(ctx.Charge(4 + uint64_t{sizeof(fb::MessageId)} * ids->size()));
    m.msg_ids.reserve(ids->size());
    for (const fb::MessageId* id : *ids) {
      m.msg_ids.push_back(
          {.group_id = id->group_id(), .raft_index = id->raft_index(), .slot = id->slot()});
    }
  }
  m.store_time_ms = f.store_time_ms();
  return absl::OkStatus();
}

// --- Fetch ------------------------------------------------------------------------------------

flatbuffers::Offset<fb::FetchRequest> Write(Builder& b, const FetchRequest& m) {
  const auto topic = WriteString(b, m.topic);
  const auto tag_filter = WriteString(b, m.tag_filter);
  const auto group = WriteString(b, m.consumer_group);
  fb::FetchRequestBuilder t(b);
  t.add_topic(topic);
  t.add_queue_id(m.queue_id);
  t.add_offset(m.offset);
  t.add_max_messages(m.max_messages);
  t.add_max_bytes(m.max_bytes);
  t.add_max_wait_ms(m.max_wait_ms);
  t.add_tag_filter(tag_filter);
  t.add_consumer_group(group);
  return t.Finish();
}

absl::Status Read(const fb::FetchRequest& f, FetchRequest& m, DecodeContext& ctx) {
  const ProtocolLimits& limits = ctx.limits();
  MQ_RETURN_IF_ERROR(ReadString("topic", f.topic(), m.topic, ctx));
  MQ_RETURN_IF_ERROR(ctx.Name("topic", m.topic));
  m.queue_id = f.queue_id();
  m.offset = f.offset();
  m.max_messages = f.max_messages();
  MQ_RETURN_IF_ERROR(CheckInRange("max_messages", m.max_messages, limits.fetch_messages_max,
                                  "fetch_messages_max"));
  m.max_bytes = f.max_bytes();
  MQ_RETURN_IF_ERROR(
      CheckInRange("max_bytes", m.max_bytes, limits.fetch_bytes_max, "fetch_bytes_max"));
  m.max_wait_ms = f.max_wait_ms();
  MQ_RETURN_IF_ERROR(
      CheckAtMost("max_wait_ms", m.max_wait_ms, limits.fetch_wait_ms_max, "fetch_wait_ms_max"));
  MQ_RETURN_IF_ERROR(ReadString("tag_filter", f.tag_filter(), m.tag_filter, ctx));
  MQ_RETURN_IF_ERROR(ctx.Text("tag_filter", m.tag_filter, limits.tag_expression_bytes_max,
                              "tag_expression_bytes_max"));
  MQ_RETURN_IF_ERROR(ReadString("consumer_group", f.consumer_group(), m.consumer_group, ctx));
  return ctx.OptionalName("consumer_group", m.consumer_group);
}

flatbuffers::Offset<fb::FetchedBatch> Write(Builder& b, const FetchedBatch& m) {
  const auto batch = WriteBytes(b, m.record_batch);
  const auto slots = WriteScalars(b, m.slots);
  fb::FetchedBatchBuilder t(b);
  t.add_base_offset(m.base_offset);
  t.add_group_id(m.group_id);
  t.add_raft_index(m.raft_index);
  t.add_store_time_ms(m.store_time_ms);
  t.add_record_batch(batch);
  t.add_slots(slots);
  return t.Finish();
}

absl::Status Read(const fb::FetchedBatch& f, FetchedBatch& m, DecodeContext& ctx) {
  m.base_offset = f.base_offset();
  m.group_id = f.group_id();
  m.raft_index = f.raft_index();
  m.store_time_ms = f.store_time_ms();
  MQ_RETURN_IF_ERROR(ReadBatch("record_batch", f.record_batch(), m.record_batch, ctx));
  MQ_RETURN_IF_ERROR(ReadScalars("slots", f.slots(), m.slots, ctx.limits().messages_per_batch_max,
                                 "messages_per_batch_max", ctx));
  // Checked even in a response: a consumer indexes the batch with them.
  for (size_t i = 1; i < m.slots.size(); ++i) {
    if (m.slots[i] <= m.slots[i - 1]) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "slots: slot %d at position %d does not follow slot %d (want ascending, no repeats)",
          m.slots[i], i, m.slots[i - 1]));
    }
  }
  return absl::OkStatus();
}

flatbuffers::Offset<fb::FetchResponse> Write(Builder& b, const FetchResponse& m) {
  const auto header = WriteHeader(b, m.header);
  const auto batches = WriteList(b, m.batches);
  fb::FetchResponseBuilder t(b);
  t.add_header(header);
  t.add_high_watermark(m.high_watermark);
  t.add_log_start_offset(m.log_start_offset);
  t.add_next_offset(m.next_offset);
  t.add_batches(batches);
  return t.Finish();
}

absl::Status Read(const fb::FetchResponse& f, FetchResponse& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  m.high_watermark = f.high_watermark();
  m.log_start_offset = f.log_start_offset();
  m.next_offset = f.next_offset();
  return ReadList("batches", f.batches(), m.batches, ctx);
}

// --- QueryMessageById -------------------------------------------------------------------------

flatbuffers::Offset<fb::QueryMessageByIdRequest> Write(Builder& b,
                                                       const QueryMessageByIdRequest& m) {
  const fb::MessageId id(m.msg_id.group_id, m.msg_id.slot, m.msg_id.raft_index);
  fb::QueryMessageByIdRequestBuilder t(b);
  t.add_msg_id(&id);
  return t.Finish();
}

absl::Status Read(const fb::QueryMessageByIdRequest& f, QueryMessageByIdRequest& m,
                  DecodeContext& ctx) {
  const fb::MessageId* id = f.msg_id();
  if (id == nullptr) return Missing("msg_id");
  m.msg_id = {.group_id = id->group_id(), .raft_index = id->raft_index(), .slot = id->slot()};
  if (absl::Status status = ValidateMessageId(m.msg_id); !status.ok()) {
    return Within("msg_id: ", status);
  }
  return absl::OkStatus();
}

flatbuffers::Offset<fb::QueryMessageByIdResponse> Write(Builder& b,
                                                        const QueryMessageByIdResponse& m) {
  const auto header = WriteHeader(b, m.header);
  const auto topic = WriteString(b, m.topic);
  const auto batch = WriteBytes(b, m.record_batch);
  fb::QueryMessageByIdResponseBuilder t(b);
  t.add_header(header);
  t.add_topic(topic);
  t.add_queue_id(m.queue_id);
  t.add_queue_offset(m.queue_offset);
  t.add_store_time_ms(m.store_time_ms);
  t.add_record_batch(batch);
  return t.Finish();
}

absl::Status Read(const fb::QueryMessageByIdResponse& f, QueryMessageByIdResponse& m,
                  DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadHeader(f, m.header, ctx));
  MQ_RETURN_IF_ERROR(ReadString("topic", f.topic(), m.topic, ctx));
  MQ_RETURN_IF_ERROR(ctx.Name("topic", m.topic));
  m.queue_id = f.queue_id();
  m.queue_offset = f.queue_offset();
  m.store_time_ms = f.store_time_ms();
  return ReadBatch("record_batch", f.record_batch(), m.record_batch, ctx);
}

}  // namespace mq::protocol::internal
