// ControllerState's snapshot encoding (layout drawn in controller_state.h).

#include "absl/strings/str_format.h"
#include "storage/base/byte_io.h"
#include "broker/core/controller/controller_state.h"
#include "storage/base/crc32c.h"
#include "storage/base/status_macros.h"

namespace mq::broker {
namespace {

constexpr size_t kHeaderBytes = 8;
constexpr size_t kCrcBytes = 4;
constexpr uint64_t kStringBytesMin = 4;
// Bounds the offsets a snapshot may hold (each takes at least 3 strings + 12 bytes).
constexpr uint64_t kSnapshotOffsetsMax = uint64_t{1} << 32;

}  // namespace

raft::Payload ControllerState::Snapshot() const {
  std::string out;
  PutFixed32(&out, kControllerSnapshotMagic);
  PutFixed32(&out, kControllerSnapshotVersion);
  PutFixed64(&out, view_->cluster_version);
  PutFixed64(&out, next_producer_id_);
  PutFixed64(&out, topics_created_);
  PutFixed32(&out, static_cast<uint32_t>(view_->topics.size()));
  for (const auto& [name, info] : view_->topics) {
    PutString(&out, name);
    PutU8(&out, static_cast<uint8_t>(info.message_type));
    PutFixed32(&out, info.queue_count);
    PutFixed64(&out, info.retention_ms);
    PutFixed64(&out, info.retention_bytes);
    for (const protocol::QueueInfo& q : info.queues) PutFixed64(&out, q.group_id);
  }
  PutFixed32(&out, static_cast<uint32_t>(view_->sub_groups.size()));
  for (const auto& [name, config] : view_->sub_groups) AppendSubGroupConfig(config, &out);
  PutFixed32(&out, static_cast<uint32_t>(offsets_.size()));
  for (const auto& [key, offset] : offsets_) {
    const auto& [group, instance, topic, queue] = key;
    PutString(&out, group);
    PutString(&out, instance);
    PutString(&out, topic);
    PutFixed32(&out, queue);
    PutFixed64(&out, offset);
  }
  PutFixed32(&out, Crc32c(out));
  return raft::Payload(std::move(out));
}

absl::Status ControllerState::Restore(const raft::Snapshot& snapshot) {
  return RestoreBytes(snapshot.data.view());
}

absl::Status ControllerState::RestoreBytes(std::string_view bytes) {
  constexpr std::string_view kWhat = "controller snapshot";
  if (bytes.size() < kHeaderBytes + kCrcBytes) {
    return absl::DataLossError(
        absl::StrFormat("%s: %d bytes, too short to be one", kWhat, bytes.size()));
  }
  const std::string_view covered = bytes.substr(0, bytes.size() - kCrcBytes);
  const uint32_t stored_crc = DecodeFixed32(bytes.data() + covered.size());
  if (Crc32c(covered) != stored_crc) {
    return absl::DataLossError(absl::StrFormat("%s: crc32c mismatch (stored %08x, computed %08x)",
                                               kWhat, stored_crc, Crc32c(covered)));
  }
  ByteReader r(covered, kWhat, absl::StatusCode::kDataLoss);
  uint32_t magic = 0;
  uint32_t version = 0;
  MQ_RETURN_IF_ERROR(r.ReadU32("magic", &magic));
  if (magic != kControllerSnapshotMagic) {
    return r.Error("magic", absl::StrFormat("%08x is not a controller snapshot", magic));
  }
  MQ_RETURN_IF_ERROR(r.ReadU32("version", &version));
  if (version != kControllerSnapshotVersion) {
    return r.Error("version", absl::StrFormat("version %d is not known to this build (it reads "
                                              "%d)",
                                              version, kControllerSnapshotVersion));
  }
  auto view = std::make_shared<ClusterView>();
  uint64_t next_producer_id = 0;
  uint64_t topics_created = 0;
  MQ_RETURN_IF_ERROR(r.ReadU64("cluster_version", &view->cluster_version));
  MQ_RETURN_IF_ERROR(r.ReadU64("next_producer_id", &next_producer_id));
  if (next_producer_id == 0) return r.Error("next_producer_id", "0 (ids start at 1)");
  MQ_RETURN_IF_ERROR(r.ReadU64("topics_created", &topics_created));

  uint32_t count = 0;
  MQ_RETURN_IF_ERROR(r.ReadCount("topics", kControllerTopicsMax, kStringBytesMin + 21 + 8, &count));
  if (count > topics_created) {
    return r.Error("topics",
                   absl::StrFormat("%d topics but only %d ever created", count, topics_created));
  }
  for (uint32_t i = 0; i < count; ++i) {
    protocol::TopicInfo info;
    MQ_RETURN_IF_ERROR(r.ReadString("topic.name", kCommandNameBytesMax, &info.name));
    if (info.name.empty()) return r.Error("topic.name", "empty");
    if (!view->topics.empty() && view->topics.rbegin()->first >= info.name) {
      return r.Error("topic.name", absl::StrFormat("%s is out of order", info.name));
    }
    uint8_t type = 0;
    MQ_RETURN_IF_ERROR(r.ReadU8("topic.message_type", &type));
    if (type > static_cast<uint8_t>(protocol::kMessageTypeLast)) {
      return r.Error("topic.message_type", absl::StrFormat("unknown message type %d", type));
    }
    info.message_type = static_cast<protocol::MessageType>(type);
    MQ_RETURN_IF_ERROR(r.ReadU32("topic.queue_count", &info.queue_count));
    if (info.queue_count < 1 || info.queue_count > kControllerQueuesPerTopicMax) {
      return r.Error("topic.queue_count", absl::StrFormat("%d is outside 1..%d", info.queue_count,
                                                          kControllerQueuesPerTopicMax));
    }
    MQ_RETURN_IF_ERROR(r.ReadU64("topic.retention_ms", &info.retention_ms));
    MQ_RETURN_IF_ERROR(r.ReadU64("topic.retention_bytes", &info.retention_bytes));
    for (uint32_t q = 0; q < info.queue_count; ++q) {
      uint64_t group_id = 0;
      MQ_RETURN_IF_ERROR(r.ReadU64("topic.queue_group", &group_id));
      if (group_id == 0 || config_.FindGroup(group_id) == nullptr) {
        return r.Error("topic.queue_group",
                       absl::StrFormat("topic %s queue %d is on group %d, not a data group of "
                                       "this cluster",
                                       info.name, q, group_id));
      }
      info.queues.push_back({.queue_id = q, .group_id = group_id});
    }
    std::string name = info.name;
    view->topics.emplace_hint(view->topics.end(), std::move(name), std::move(info));
  }

  MQ_RETURN_IF_ERROR(
      r.ReadCount("sub_groups", kControllerSubGroupsMax, kStringBytesMin + 14, &count));
  for (uint32_t i = 0; i < count; ++i) {
    protocol::SubGroupConfig config;
    MQ_RETURN_IF_ERROR(ReadSubGroupConfig(r, &config));
    if (config.name.empty()) return r.Error("sub_group.name", "empty");
    if (!view->sub_groups.empty() && view->sub_groups.rbegin()->first >= config.name) {
      return r.Error("sub_group.name", absl::StrFormat("%s is out of order", config.name));
    }
    std::string name = config.name;
    view->sub_groups.emplace_hint(view->sub_groups.end(), std::move(name), std::move(config));
  }

  std::map<OffsetKey, uint64_t> offsets;
  MQ_RETURN_IF_ERROR(r.ReadCount("offsets", kSnapshotOffsetsMax, 3 * kStringBytesMin + 12, &count));
  for (uint32_t i = 0; i < count; ++i) {
    OffsetKey key;
    auto& [group, instance, topic, queue] = key;
    uint64_t offset = 0;
    MQ_RETURN_IF_ERROR(r.ReadString("offset.group", kCommandNameBytesMax, &group));
    MQ_RETURN_IF_ERROR(r.ReadString("offset.instance", kCommandNameBytesMax, &instance));
    MQ_RETURN_IF_ERROR(r.ReadString("offset.topic", kCommandNameBytesMax, &topic));
    MQ_RETURN_IF_ERROR(r.ReadU32("offset.queue", &queue));
    MQ_RETURN_IF_ERROR(r.ReadU64("offset.offset", &offset));
    if (!offsets.empty() && offsets.rbegin()->first >= key) {
      return r.Error("offset", absl::StrFormat("group %s topic %s queue %d is out of order", group,
                                               topic, queue));
    }
    offsets.emplace_hint(offsets.end(), std::move(key), offset);
  }
  MQ_RETURN_IF_ERROR(r.ExpectEnd());

  view_ = std::move(view);
  next_producer_id_ = next_producer_id;
  topics_created_ = topics_created;
  offsets_ = std::move(offsets);
  return absl::OkStatus();
}

}  // namespace mq::broker
