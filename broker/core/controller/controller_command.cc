#include "broker/core/controller/controller_command.h"

#include "absl/strings/str_format.h"
#include "storage/base/status_macros.h"

namespace mq::broker {
namespace {

constexpr uint64_t kStringBytesMin = 4;

std::string Header(ControllerCommandType type) {
  std::string out;
  PutU8(&out, static_cast<uint8_t>(type));
  PutU8(&out, kControllerCommandVersion);
  return out;
}

absl::StatusOr<protocol::CreateTopicRequest> ReadCreateTopic(ByteReader& r) {
  protocol::CreateTopicRequest c;
  MQ_RETURN_IF_ERROR(r.ReadString("CreateTopic.name", kCommandNameBytesMax, &c.name));
  uint8_t type = 0;
  MQ_RETURN_IF_ERROR(r.ReadU8("CreateTopic.message_type", &type));
  if (type > static_cast<uint8_t>(protocol::kMessageTypeLast)) {
    return r.Error("CreateTopic.message_type", absl::StrFormat("unknown message type %d", type));
  }
  c.message_type = static_cast<protocol::MessageType>(type);
  MQ_RETURN_IF_ERROR(r.ReadU32("CreateTopic.queue_count", &c.queue_count));
  MQ_RETURN_IF_ERROR(r.ReadU64("CreateTopic.retention_ms", &c.retention_ms));
  MQ_RETURN_IF_ERROR(r.ReadU64("CreateTopic.retention_bytes", &c.retention_bytes));
  return c;
}

absl::StatusOr<CommitOffsetsCommand> ReadCommitOffsets(ByteReader& r) {
  CommitOffsetsCommand c;
  MQ_RETURN_IF_ERROR(r.ReadString("CommitOffsets.group", kCommandNameBytesMax, &c.group));
  MQ_RETURN_IF_ERROR(r.ReadString("CommitOffsets.instance", kCommandNameBytesMax, &c.instance));
  uint32_t count = 0;
  MQ_RETURN_IF_ERROR(
      r.ReadCount("CommitOffsets.offsets", kCommandOffsetsMax, kStringBytesMin + 12, &count));
  c.offsets.resize(count);
  for (protocol::QueueOffset& o : c.offsets) {
    MQ_RETURN_IF_ERROR(r.ReadString("CommitOffsets.topic", kCommandNameBytesMax, &o.topic));
    MQ_RETURN_IF_ERROR(r.ReadU32("CommitOffsets.queue_id", &o.queue_id));
    MQ_RETURN_IF_ERROR(r.ReadU64("CommitOffsets.offset", &o.offset));
  }
  return c;
}

}  // namespace

void AppendSubGroupConfig(const protocol::SubGroupConfig& config, std::string* out) {
  PutString(out, config.name);
  PutU8(out, static_cast<uint8_t>(config.mode));
  PutFixed32(out, static_cast<uint32_t>(config.subscriptions.size()));
  for (const protocol::Subscription& s : config.subscriptions) {
    PutString(out, s.topic);
    PutString(out, s.tag_expression);
  }
  PutFixed32(out, config.max_retries);
  PutFixed32(out, static_cast<uint32_t>(config.retry_backoff_ms.size()));
  for (uint32_t ms : config.retry_backoff_ms) PutFixed32(out, ms);
  PutU8(out, config.fifo ? 1 : 0);
}

absl::Status ReadSubGroupConfig(ByteReader& r, protocol::SubGroupConfig* config) {
  MQ_RETURN_IF_ERROR(r.ReadString("SubGroupConfig.name", kCommandNameBytesMax, &config->name));
  uint8_t mode = 0;
  MQ_RETURN_IF_ERROR(r.ReadU8("SubGroupConfig.mode", &mode));
  if (mode > static_cast<uint8_t>(protocol::kConsumeModeLast)) {
    return r.Error("SubGroupConfig.mode", absl::StrFormat("unknown consume mode %d", mode));
  }
  config->mode = static_cast<protocol::ConsumeMode>(mode);
  uint32_t count = 0;
  MQ_RETURN_IF_ERROR(r.ReadCount("SubGroupConfig.subscriptions", kCommandSubscriptionsMax,
                                 2 * kStringBytesMin, &count));
  config->subscriptions.resize(count);
  for (protocol::Subscription& s : config->subscriptions) {
    MQ_RETURN_IF_ERROR(r.ReadString("Subscription.topic", kCommandNameBytesMax, &s.topic));
    MQ_RETURN_IF_ERROR(r.ReadString("Subscription.tag_expression", kCommandTagExpressionBytesMax,
                                    &s.tag_expression));
  }
  MQ_RETURN_IF_ERROR(r.ReadU32("SubGroupConfig.max_retries", &config->max_retries));
  MQ_RETURN_IF_ERROR(
      r.ReadCount("SubGroupConfig.retry_backoff_ms", kCommandRetryBackoffStepsMax, 4, &count));
  config->retry_backoff_ms.resize(count);
  for (uint32_t& ms : config->retry_backoff_ms) {
    MQ_RETURN_IF_ERROR(r.ReadU32("SubGroupConfig.retry_backoff_ms", &ms));
  }
  uint8_t fifo = 0;
  MQ_RETURN_IF_ERROR(r.ReadU8("SubGroupConfig.fifo", &fifo));
  if (fifo > 1) return r.Error("SubGroupConfig.fifo", absl::StrFormat("%d is not 0 or 1", fifo));
  config->fifo = fifo == 1;
  return absl::OkStatus();
}

std::string EncodeCreateTopic(const protocol::CreateTopicRequest& request) {
  std::string out = Header(ControllerCommandType::kCreateTopic);
  PutString(&out, request.name);
  PutU8(&out, static_cast<uint8_t>(request.message_type));
  PutFixed32(&out, request.queue_count);
  PutFixed64(&out, request.retention_ms);
  PutFixed64(&out, request.retention_bytes);
  return out;
}

std::string EncodeDeleteTopic(const protocol::DeleteTopicRequest& request) {
  std::string out = Header(ControllerCommandType::kDeleteTopic);
  PutString(&out, request.name);
  return out;
}

std::string EncodeUpdateSubGroup(const protocol::UpdateSubGroupRequest& request) {
  std::string out = Header(ControllerCommandType::kUpdateSubGroup);
  AppendSubGroupConfig(request.config, &out);
  return out;
}

std::string EncodeDeleteSubGroup(const protocol::DeleteSubGroupRequest& request) {
  std::string out = Header(ControllerCommandType::kDeleteSubGroup);
  PutString(&out, request.name);
  return out;
}

std::string EncodeAllocateProducerId() {
  return Header(ControllerCommandType::kAllocateProducerId);
}

std::string EncodeCommitOffsets(std::string_view group, std::string_view instance,
                                const std::vector<protocol::QueueOffset>& offsets) {
  std::string out = Header(ControllerCommandType::kCommitOffsets);
  PutString(&out, group);
  PutString(&out, instance);
  PutFixed32(&out, static_cast<uint32_t>(offsets.size()));
  for (const protocol::QueueOffset& o : offsets) {
    PutString(&out, o.topic);
    PutFixed32(&out, o.queue_id);
    PutFixed64(&out, o.offset);
  }
  return out;
}

std::string EncodeControllerCommand(const ControllerCommand& command) {
  struct Visitor {
    std::string operator()(const protocol::CreateTopicRequest& c) { return EncodeCreateTopic(c); }
    std::string operator()(const protocol::DeleteTopicRequest& c) { return EncodeDeleteTopic(c); }
    std::string operator()(const protocol::UpdateSubGroupRequest& c) {
      return EncodeUpdateSubGroup(c);
    }
    std::string operator()(const protocol::DeleteSubGroupRequest& c) {
      return EncodeDeleteSubGroup(c);
    }
    std::string operator()(const AllocateProducerIdCommand&) { return EncodeAllocateProducerId(); }
    std::string operator()(const CommitOffsetsCommand& c) {
      return EncodeCommitOffsets(c.group, c.instance, c.offsets);
    }
  };
  return std::visit(Visitor{}, command);
}

absl::StatusOr<ControllerCommand> DecodeControllerCommand(std::string_view bytes) {
  ByteReader r(bytes, "controller command");
  uint8_t type = 0;
  uint8_t version = 0;
  MQ_RETURN_IF_ERROR(r.ReadU8("type", &type));
  MQ_RETURN_IF_ERROR(r.ReadU8("version", &version));
  if (version != kControllerCommandVersion) {
    return r.Error("version", absl::StrFormat("version %d of command type %d is not known to this "
                                              "build (it reads %d)",
                                              version, type, kControllerCommandVersion));
  }
  ControllerCommand command;
  switch (static_cast<ControllerCommandType>(type)) {
    case ControllerCommandType::kCreateTopic: {
      MQ_ASSIGN_OR_RETURN(command, ReadCreateTopic(r));
      break;
    }
    case ControllerCommandType::kDeleteTopic: {
      protocol::DeleteTopicRequest c;
      MQ_RETURN_IF_ERROR(r.ReadString("DeleteTopic.name", kCommandNameBytesMax, &c.name));
      command = std::move(c);
      break;
    }
    case ControllerCommandType::kUpdateSubGroup: {
      protocol::UpdateSubGroupRequest c;
      MQ_RETURN_IF_ERROR(ReadSubGroupConfig(r, &c.config));
      command = std::move(c);
      break;
    }
    case ControllerCommandType::kDeleteSubGroup: {
      protocol::DeleteSubGroupRequest c;
      MQ_RETURN_IF_ERROR(r.ReadString("DeleteSubGroup.name", kCommandNameBytesMax, &c.name));
      command = std::move(c);
      break;
    }
    case ControllerCommandType::kAllocateProducerId:
      command = AllocateProducerIdCommand{};
      break;
    case ControllerCommandType::kCommitOffsets: {
      MQ_ASSIGN_OR_RETURN(command, ReadCommitOffsets(r));
      break;
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrFormat("controller command at byte 0: type: unknown command type %d", type));
  }
  MQ_RETURN_IF_ERROR(r.ExpectEnd());
  return command;
}

std::string_view ControllerCommandName(const ControllerCommand& command) {
  static constexpr std::string_view kNames[] = {"CreateTopic",        "DeleteTopic",
                                                "UpdateSubGroup",     "DeleteSubGroup",
                                                "AllocateProducerId", "CommitOffsets"};
  return kNames[command.index()];
}

}  // namespace mq::broker
