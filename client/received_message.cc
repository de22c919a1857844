#include "client/received_message.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "client/protocol/record_batch.h"
#include "client/status.h"
#include "storage/base/status_macros.h"

namespace mq::client {
namespace {

ReceivedMessage ToReceived(const protocol::RecordBatchReader& reader, uint32_t slot,
                           std::string_view topic, uint32_t queue_id, uint64_t offset,
                           const protocol::MessageId& id, uint64_t store_time_ms) {
  protocol::MessageView view = reader.message(slot);
  ReceivedMessage m;
  m.msg_id = id;
  m.topic = std::string(topic);
  m.queue_id = queue_id;
  m.offset = offset;
  for (std::string_view key : view.keys) m.keys.emplace_back(key);
  m.tag = std::string(view.tag);
  for (const auto& [name, value] : view.properties) {
    m.properties.emplace(std::string(name), std::string(value));
  }
  m.body = std::string(view.body);
  m.born_time_ms = view.born_time_ms;
  m.store_time_ms = store_time_ms;
  m.message_group = std::string(view.message_group);
  m.delivery_time_ms = view.delivery_time_ms;
  m.producer_id = reader.header().producer_id;
  m.sequence = reader.header().producer_id == 0 ? 0 : reader.header().base_sequence + slot;
  return m;
}

}  // namespace

absl::Status DecodeFetchedBatchInto(std::string_view topic, uint32_t queue_id,
                                    const protocol::FetchedBatch& batch,
                                    std::vector<ReceivedMessage>& out) {
  absl::StatusOr<protocol::RecordBatchReader> reader =
      protocol::RecordBatchReader::Open(batch.record_batch);
  if (!reader.ok()) {
    return MakeClientError(absl::StatusCode::kDataLoss, /*definite=*/true,
                           absl::StrFormat("fetched batch of %s/%u at offset %u (raft index %u): "
                                           "%s",
                                           topic, queue_id, batch.base_offset, batch.raft_index,
                                           reader.status().message()));
  }
  // Slots are checked before anything is appended: a bad batch adds nothing.
  for (uint32_t slot : batch.slots) {
    if (slot >= reader->message_count()) {
      return MakeClientError(
          absl::StatusCode::kDataLoss, /*definite=*/true,
          absl::StrFormat("fetched batch of %s/%u at offset %u: slot %u of %u messages", topic,
                          queue_id, batch.base_offset, slot, reader->message_count()));
    }
  }
  out.reserve(out.size() + batch.slots.size());
  for (uint32_t slot : batch.slots) {
    protocol::MessageId id{.group_id = static_cast<uint32_t>(batch.group_id),
                           .raft_index = batch.raft_index,
                           .slot = slot};
    out.push_back(ToReceived(*reader, slot, topic, queue_id, batch.base_offset + slot, id,
                             batch.store_time_ms));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ReceivedMessage>> DecodeFetchedBatch(
    std::string_view topic, uint32_t queue_id, const protocol::FetchedBatch& batch) {
  std::vector<ReceivedMessage> out;
  MQ_RETURN_IF_ERROR(DecodeFetchedBatchInto(topic, queue_id, batch, out));
  return out;
}

absl::StatusOr<ReceivedMessage> DecodeQueriedMessage(
    const protocol::MessageId& id, const protocol::QueryMessageByIdResponse& response) {
  absl::StatusOr<protocol::RecordBatchReader> reader =
      protocol::RecordBatchReader::Open(response.record_batch);
  if (!reader.ok()) {
    return MakeClientError(
        absl::StatusCode::kDataLoss, /*definite=*/true,
        absl::StrFormat("message %s: stored batch: %s", protocol::FormatMessageId(id),
                        reader.status().message()));
  }
  if (id.slot >= reader->message_count()) {
    return MakeClientError(
        absl::StatusCode::kNotFound, /*definite=*/true,
        absl::StrFormat("message %s: slot %u of a batch of %u messages",
                        protocol::FormatMessageId(id), id.slot, reader->message_count()));
  }
  // The response's queue_offset is the message's own offset (docs/protocol.md: a query names
  // the message); the batch's slot 0 is queue_offset - slot.
  return ToReceived(*reader, id.slot, response.topic, response.queue_id, response.queue_offset, id,
                    response.store_time_ms);
}

}  // namespace mq::client
