#include "broker/core/data/data_command.h"

#include "absl/strings/str_format.h"
#include "storage/base/coding.h"
#include "storage/base/status_macros.h"

namespace mq::broker {

std::string EncodeProduceCommand(std::string_view topic, uint32_t queue_id, uint64_t store_time_ms,
                                 std::string_view batch) {
  MQ_CHECK(!topic.empty() && topic.size() <= kDataCommandTopicBytesMax);
  std::string out;
  out.reserve(kDataCommandPrefixBytes + topic.size() + kDataCommandQueueFieldsBytes + batch.size());
  out.push_back(static_cast<char>(DataCommandType::kProduce));
  out.push_back(static_cast<char>(kDataCommandVersion));
  out.push_back(static_cast<char>(topic.size() & 0xFF));
  out.push_back(static_cast<char>(topic.size() >> 8));
  out.append(topic);
  PutFixed32(&out, queue_id);
  PutFixed64(&out, store_time_ms);
  out.append(batch);
  return out;
}

absl::StatusOr<DataCommandView> DecodeDataCommand(std::string_view bytes) {
  if (bytes.size() < kDataCommandPrefixBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("data command: %d bytes, shorter than its %d-byte prefix", bytes.size(),
                        kDataCommandPrefixBytes));
  }
  const uint8_t type = static_cast<uint8_t>(bytes[0]);
  const uint8_t version = static_cast<uint8_t>(bytes[1]);
  if (type != static_cast<uint8_t>(DataCommandType::kProduce)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("data command: unknown command type %d", type));
  }
  if (version != kDataCommandVersion) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "data command: unsupported version %d of command type %d (this build reads %d)", version,
        type, kDataCommandVersion));
  }
  const size_t topic_bytes =
      static_cast<uint8_t>(bytes[2]) | (static_cast<size_t>(static_cast<uint8_t>(bytes[3])) << 8);
  if (topic_bytes == 0) return absl::InvalidArgumentError("data command: empty topic name");
  const size_t rest = bytes.size() - kDataCommandPrefixBytes;
  if (topic_bytes > rest || rest - topic_bytes < kDataCommandQueueFieldsBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("data command: %d bytes cannot hold a %d-byte topic and the queue fields",
                        bytes.size(), topic_bytes));
  }
  DataCommandView view;
  view.type = DataCommandType::kProduce;
  view.version = version;
  view.topic = bytes.substr(kDataCommandPrefixBytes, topic_bytes);
  const char* fields = bytes.data() + kDataCommandPrefixBytes + topic_bytes;
  view.queue_id = DecodeFixed32(fields);
  view.store_time_ms = DecodeFixed64(fields + 4);
  view.record_batch =
      bytes.substr(kDataCommandPrefixBytes + topic_bytes + kDataCommandQueueFieldsBytes);
  if (view.record_batch.empty()) {
    return absl::InvalidArgumentError("data command: produce without a record batch");
  }
  return view;
}

}  // namespace mq::broker
