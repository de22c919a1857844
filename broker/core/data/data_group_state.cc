#include "broker/core/data/data_group_state.h"

#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "broker/core/data/data_command.h"
#include "broker/core/data/tag_filter.h"
#include "client/protocol/record_batch.h"
#include "storage/base/byte_io.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"

namespace mq::broker {
namespace {

// Snapshot payload, little-endian:
//
//   +-------+---------+----------+--------------+----------------+-------------+
//   | magic | version | group_id | last_applied | dedup_swept_ms | queue_count |
//   | u32   | u32 = 1 | u64      | u64          | u64            | u32         |
//   +-------+---------+----------+--------------+----------------+-------------+
//   queue_count x (u16 topic length, topic, u32 queue_id, u64 next_offset, u64 first_offset,
//                  u64 last_store_time_ms), ascending by (topic, queue_id)
//   the producer dedup section (ProducerDedup::EncodeTo)
//   u32 crc32c of everything before it
constexpr size_t kSnapshotFixedBytes = 4 + 4 + 8 + 8 + 8 + 4;
constexpr size_t kSnapshotQueueMinBytes = 2 + 4 + 8 + 8 + 8;
constexpr size_t kSnapshotCrcBytes = 4;

// The size of a message's record in its batch's (uncompressed) message section.
uint32_t MessageRecordBytes(const protocol::MessageView& m) {
  uint64_t bytes =
      protocol::kMessageFixedBytes + m.tag.size() + m.message_group.size() + m.body.size();
  if (m.delivery_time_ms != 0) bytes += 8;
  for (std::string_view key : m.keys) bytes += 2 + key.size();
  for (const auto& [name, value] : m.properties) bytes += 4 + name.size() + value.size();
  return static_cast<uint32_t>(std::min<uint64_t>(bytes, UINT32_MAX));
}

struct DecodedQueue {
  std::string topic;
  uint32_t queue_id = 0;
  uint64_t next_offset = 0;
  uint64_t first_offset = 0;
  uint64_t last_store_time_ms = 0;
};

}  // namespace

DataGroupState::DataGroupState(storage::Filesystem& fs, std::string state_dir, uint64_t group_id,
                               const DataGroupOptions& options)
    : fs_(fs), state_dir_(std::move(state_dir)), group_id_(group_id), options_(options) {}

absl::StatusOr<std::unique_ptr<DataGroupState>> DataGroupState::Open(
    storage::Filesystem& fs, std::string state_dir, uint64_t group_id,
    const DataGroupOptions& options) {
  if (options.consume_queue.unit_bytes != kConsumeQueueUnitBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "data group %d: consume queue units must be %d bytes", group_id, kConsumeQueueUnitBytes));
  }
  // No directory is made here: the first consume queue creates `state_dir` and its parents
  // durably (FixedUnitFile::Open), which a plain CreateDirs would not.
  return std::unique_ptr<DataGroupState>(
      new DataGroupState(fs, std::move(state_dir), group_id, options));
}

const DataGroupState::QueueState* DataGroupState::FindQueue(std::string_view topic,
                                                            uint32_t queue_id) const {
  const auto it = queues_.find(std::make_pair(topic, queue_id));
  return it == queues_.end() ? nullptr : &it->second;
}

uint64_t DataGroupState::NextOffset(std::string_view topic, uint32_t queue_id) const {
  const QueueState* q = FindQueue(topic, queue_id);
  return q == nullptr ? 0 : q->next_offset;
}

absl::Status DataGroupState::AttachConsumeQueue(const QueueKey& key, QueueState& state) {
  if (state.cq == nullptr) {
    MQ_ASSIGN_OR_RETURN(
        state.cq,
        ConsumeQueue::Open(fs_, storage::JoinPath(state_dir_, QueueDirName(key.first, key.second)),
                           options_.consume_queue));
  }
  ConsumeQueue& cq = *state.cq;
  if (cq.first_offset() <= state.next_offset && state.next_offset <= cq.end_offset()) {
    // Units past the state's end are from entries not applied (yet) in this incarnation.
    return cq.TruncateTo(state.next_offset);
  }
  if (cq.end_offset() != cq.first_offset()) {
    LogWarning(absl::StrFormat(
        "data group %d: consume queue %s holds offsets [%d, %d) but the queue's next offset is "
        "%d; restarting it there (offsets below are no longer served)",
        group_id_, cq.dir(), cq.first_offset(), cq.end_offset(), state.next_offset));
  }
  return cq.Reset(state.next_offset);
}

absl::Status DataGroupState::SetLogFirstIndex(uint64_t first_index) {
  // Trimming is idempotent: after an error the caller may simply try again.
  for (auto& [key, queue] : queues_) MQ_RETURN_IF_ERROR(TrimQueueToLog(queue, first_index));
  log_first_index_ = first_index;
  return absl::OkStatus();
}

absl::Status DataGroupState::TrimQueueToLog(QueueState& queue, uint64_t first_index) {
  if (queue.cq == nullptr) return absl::OkStatus();
  // The first unit whose raft index is >= first_index (units ascend by raft index).
  uint64_t lo = queue.log_start_offset();
  uint64_t hi = std::max(lo, std::min(queue.next_offset, queue.cq->end_offset()));
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    MQ_ASSIGN_OR_RETURN(CqUnit unit, queue.cq->ReadOne(mid));
    if (unit.raft_index < first_index) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo <= queue.available_offset) return absl::OkStatus();
  queue.available_offset = lo;
  return queue.cq->DropBefore(lo);
}

std::optional<ProduceOutcome> DataGroupState::FindDuplicate(uint64_t producer_id,
                                                            std::string_view topic,
                                                            uint32_t queue_id,
                                                            uint64_t base_sequence) const {
  const ProducerDedup::Check check = dedup_.Lookup(producer_id, topic, queue_id, base_sequence);
  switch (check.verdict) {
    case ProducerDedup::Verdict::kDuplicate:
      return ProduceOutcome{.code = protocol::ErrorCode::kOk,
                            .base_offset = check.cached.base_offset,
                            .count = check.cached.count,
                            .store_time_ms = check.cached.store_time_ms,
                            .raft_index = check.cached.raft_index,
                            .duplicate = true};
    case ProducerDedup::Verdict::kDuplicateOutOfWindow:
      return ProduceOutcome{
          .code = protocol::ErrorCode::kDuplicate,
          .message = absl::StrFormat(
              "producer %d: batch at sequence %d of %s/%d was stored before (next expected "
              "sequence %d); its offsets are no longer remembered",
              producer_id, base_sequence, topic, queue_id, check.expected_sequence),
          .duplicate = true};
    case ProducerDedup::Verdict::kNew:
    case ProducerDedup::Verdict::kOutOfSequence:
      return std::nullopt;
  }
  return std::nullopt;
}

absl::StatusOr<ApplyOutcome> DataGroupState::Apply(const raft::Entry& entry) {
  if (entry.index <= last_applied_index_) {
    return absl::FailedPreconditionError(
        absl::StrFormat("data group %d: entry %d applied after entry %d", group_id_, entry.index,
                        last_applied_index_));
  }
  ApplyOutcome outcome;
  if (entry.type != raft::EntryType::kNormal || entry.data.empty()) {
    last_applied_index_ = entry.index;
    return outcome;
  }
  absl::StatusOr<DataCommandView> command = DecodeDataCommand(entry.data.view());
  if (!command.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat("data group %d, entry %d: %s", group_id_,
                                                      entry.index, command.status().message()));
  }
  MQ_ASSIGN_OR_RETURN(outcome.produce, ApplyProduce(entry, command->topic, command->queue_id,
                                                    command->store_time_ms, command->record_batch));
  outcome.is_produce = true;
  outcome.topic = std::string(command->topic);
  outcome.queue_id = command->queue_id;
  last_applied_index_ = entry.index;
  // Expire idle producers once per sweep interval of cluster time (deterministic: the time
  // comes from the entries, and dedup_swept_ms_ is in the snapshot).
  if (command->store_time_ms / kDedupSweepIntervalMs > dedup_swept_ms_ / kDedupSweepIntervalMs) {
    dedup_.Expire(command->store_time_ms, options_.producer_expiry_ms);
    dedup_swept_ms_ = command->store_time_ms;
  }
  return outcome;
}

absl::StatusOr<ProduceOutcome> DataGroupState::ApplyProduce(const raft::Entry& entry,
                                                            std::string_view topic,
                                                            uint32_t queue_id,
                                                            uint64_t store_time_ms,
                                                            std::string_view batch) {
  absl::StatusOr<protocol::RecordBatchReader> reader =
      protocol::RecordBatchReader::Open(batch, options_.limits);
  if (!reader.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("data group %d, entry %d (%s/%d): record batch: %s", group_id_, entry.index,
                        topic, queue_id, reader.status().message()));
  }
  const protocol::RecordBatchHeader& header = reader->header();
  ProduceOutcome outcome;
  outcome.store_time_ms = store_time_ms;
  outcome.raft_index = entry.index;
  if (header.transactional) {
    outcome.code = protocol::ErrorCode::kInvalidArgument;
    outcome.message = "transactional batches are not supported yet";
    return outcome;
  }
  const ProducerDedup::Check check =
      dedup_.Lookup(header.producer_id, topic, queue_id, header.base_sequence);
  switch (check.verdict) {
    case ProducerDedup::Verdict::kDuplicate:
    case ProducerDedup::Verdict::kDuplicateOutOfWindow:
      return *FindDuplicate(header.producer_id, topic, queue_id, header.base_sequence);
    case ProducerDedup::Verdict::kOutOfSequence:
      outcome.code = protocol::ErrorCode::kOutOfSequence;
      outcome.message = absl::StrFormat(
          "producer %d: batch at sequence %d of %s/%d leaves a gap (next expected sequence %d)",
          header.producer_id, header.base_sequence, topic, queue_id, check.expected_sequence);
      return outcome;
    case ProducerDedup::Verdict::kNew:
      break;
  }

  auto it = queues_.find(std::make_pair(topic, queue_id));
  if (it == queues_.end()) {
    it = queues_.emplace(QueueKey(std::string(topic), queue_id), QueueState()).first;
  }
  QueueState& queue = it->second;
  if (queue.cq == nullptr) {
    if (absl::Status s = AttachConsumeQueue(it->first, queue); !s.ok()) {
      if (queue.next_offset == 0) queues_.erase(it);
      return s;
    }
  }
  for (uint32_t slot = 0; slot < reader->message_count(); ++slot) {
    const protocol::MessageView message = reader->message(slot);
    const CqUnit unit{.raft_index = entry.index,
                      .slot = slot,
                      .message_bytes = MessageRecordBytes(message),
                      .tag_hash = TagHash(message.tag),
                      .store_time_ms = store_time_ms};
    if (absl::Status s = queue.cq->Append(unit); !s.ok()) {
      // Leave the queue as the state says (best effort: the caller breaks on this error).
      (void)queue.cq->TruncateTo(queue.next_offset);
      return s;
    }
  }
  outcome.base_offset = queue.next_offset;
  outcome.count = reader->message_count();
  queue.next_offset += outcome.count;
  queue.last_store_time_ms = store_time_ms;
  dedup_.Record(header.producer_id, topic, queue_id,
                BatchRecord{.base_sequence = header.base_sequence,
                            .count = outcome.count,
                            .base_offset = outcome.base_offset,
                            .raft_index = entry.index,
                            .store_time_ms = store_time_ms});
  return outcome;
}

absl::StatusOr<raft::Payload> DataGroupState::Snapshot() {
  std::string out;
  PutFixed32(&out, kSnapshotMagic);
  PutFixed32(&out, kSnapshotVersion);
  PutFixed64(&out, group_id_);
  PutFixed64(&out, last_applied_index_);
  PutFixed64(&out, dedup_swept_ms_);
  PutFixed32(&out, static_cast<uint32_t>(queues_.size()));
  for (auto& [key, queue] : queues_) {
    if (queue.cq != nullptr) MQ_RETURN_IF_ERROR(queue.cq->Sync());
    PutShortString(&out, key.first);
    PutFixed32(&out, key.second);
    PutFixed64(&out, queue.next_offset);
    PutFixed64(&out, queue.first_offset);
    PutFixed64(&out, queue.last_store_time_ms);
  }
  dedup_.EncodeTo(&out);
  PutFixed32(&out, Crc32c(out.data(), out.size()));
  return raft::Payload(std::move(out));
}

absl::Status DataGroupState::Restore(const raft::Snapshot& snapshot) {
  const std::string_view data = snapshot.data.view();
  auto fail = [&](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrFormat("data group %d: snapshot at index %d: %s",
                                                      group_id_, snapshot.metadata.index, what));
  };
  uint64_t last_applied = snapshot.metadata.index;
  uint64_t swept_ms = 0;
  std::vector<DecodedQueue> decoded;
  ProducerDedup dedup;
  if (data.empty() && snapshot.metadata.index != 0) return fail("empty payload");
  if (!data.empty()) {
    if (data.size() < kSnapshotFixedBytes + kSnapshotCrcBytes) return fail("truncated");
    const size_t body = data.size() - kSnapshotCrcBytes;
    if (Crc32c(data.data(), body) != DecodeFixed32(data.data() + body)) {
      return fail("checksum mismatch");
    }
    const std::string what =
        absl::StrFormat("data group %d: snapshot at index %d", group_id_, snapshot.metadata.index);
    ByteReader reader(data.substr(0, body), what);
    uint32_t magic = 0, version = 0, queue_count = 0;
    uint64_t group_id = 0;
    MQ_CHECK(reader.ReadU32("magic", &magic).ok() && reader.ReadU32("version", &version).ok() &&
             reader.ReadU64("group id", &group_id).ok() &&
             reader.ReadU64("last applied", &last_applied).ok() &&
             reader.ReadU64("dedup swept", &swept_ms).ok());  // the size was checked above
    if (magic != kSnapshotMagic) return fail("not a data group snapshot (bad magic)");
    if (version != kSnapshotVersion) {
      return fail(absl::StrFormat("unsupported version %d", version));
    }
    if (group_id != group_id_) return fail(absl::StrFormat("taken of group %d", group_id));
    if (last_applied != snapshot.metadata.index) {
      return fail(absl::StrFormat("payload says index %d", last_applied));
    }
    MQ_RETURN_IF_ERROR(reader.ReadCount("queue count", std::numeric_limits<uint32_t>::max(),
                                        kSnapshotQueueMinBytes, &queue_count));
    decoded.reserve(queue_count);
    for (uint32_t i = 0; i < queue_count; ++i) {
      DecodedQueue q;
      MQ_RETURN_IF_ERROR(reader.ReadShortString("queue topic", &q.topic));
      MQ_RETURN_IF_ERROR(reader.ReadU32("queue id", &q.queue_id));
      MQ_RETURN_IF_ERROR(reader.ReadU64("queue next offset", &q.next_offset));
      MQ_RETURN_IF_ERROR(reader.ReadU64("queue first offset", &q.first_offset));
      MQ_RETURN_IF_ERROR(reader.ReadU64("queue last store time", &q.last_store_time_ms));
      if (q.topic.empty() || q.first_offset > q.next_offset) {
        return fail(absl::StrFormat("queue %d: empty topic or first offset past next", i));
      }
      if (!decoded.empty() &&
          !QueueKeyLess()(
              std::make_pair(std::string_view(decoded.back().topic), decoded.back().queue_id),
              std::make_pair(std::string_view(q.topic), q.queue_id))) {
        return fail(absl::StrFormat("queue %d out of order or repeated", i));
      }
      decoded.push_back(std::move(q));
    }
    MQ_RETURN_IF_ERROR(dedup.DecodeFrom(reader));
    MQ_RETURN_IF_ERROR(reader.ExpectEnd());
  }

  // Decoded in full: now replace the state. Queues not in the snapshot are emptied on disk.
  std::map<QueueKey, QueueState, QueueKeyLess> old = std::move(queues_);
  queues_.clear();
  last_applied_index_ = last_applied;
  dedup_swept_ms_ = swept_ms;
  dedup_ = std::move(dedup);
  for (DecodedQueue& q : decoded) {
    QueueKey key(std::move(q.topic), q.queue_id);
    QueueState state;
    state.next_offset = q.next_offset;
    state.first_offset = q.first_offset;
    state.last_store_time_ms = q.last_store_time_ms;
    if (auto node = old.extract(key); !node.empty()) state.cq = std::move(node.mapped().cq);
    auto it = queues_.emplace(std::move(key), std::move(state)).first;
    MQ_RETURN_IF_ERROR(AttachConsumeQueue(it->first, it->second));
    MQ_RETURN_IF_ERROR(TrimQueueToLog(it->second, log_first_index_));
  }
  for (auto& [key, queue] : old) {
    if (queue.cq != nullptr) MQ_RETURN_IF_ERROR(queue.cq->Reset(0));
  }
  return absl::OkStatus();
}

}  // namespace mq::broker
