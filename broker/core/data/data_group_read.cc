// DataGroupState's reads: Fetch, Offsets, QueryById (see data_group_state.h).

#include <deque>
#include <optional>
#include <vector>

#include "absl/strings/str_format.h"
#include "broker/core/data/data_command.h"
#include "broker/core/data/data_group_state.h"
#include "broker/core/data/tag_filter.h"
#include "client/protocol/record_batch.h"
#include "storage/base/status_macros.h"

namespace mq::broker {
namespace {

// One log entry holding a produce command, read for a fetch or a query.
struct LoadedEntry {
  raft::Entry entry;  // owns the bytes the views below point into
  DataCommandView command;
  // Opened on demand (tag confirmation), over command.record_batch.
  std::optional<protocol::RecordBatchReader> reader;
};

// Decodes the produce command of `entry`; DataLoss when it holds something else.
absl::StatusOr<LoadedEntry> DecodeLoaded(raft::Entry entry, uint64_t group_id) {
  LoadedEntry loaded;
  loaded.entry = std::move(entry);
  absl::StatusOr<DataCommandView> command = DecodeDataCommand(loaded.entry.data.view());
  if (loaded.entry.type != raft::EntryType::kNormal || !command.ok()) {
    return absl::DataLossError(absl::StrFormat(
        "data group %d: entry %d holds no produce command (%s)", group_id, loaded.entry.index,
        command.ok() ? "not a normal entry" : std::string(command.status().message())));
  }
  loaded.command = *command;
  return loaded;
}

// Reads entries [lo, hi) in one log read, stopping after bytes_max (at least one entry).
// NotFound when the log no longer holds `lo` (compacted) or never held it.
absl::StatusOr<std::vector<raft::Entry>> ReadEntries(const raft::LogStorage& log, uint64_t group_id,
                                                     uint64_t lo, uint64_t hi, uint64_t bytes_max) {
  absl::StatusOr<std::vector<raft::Entry>> entries = log.Entries(lo, hi, bytes_max);
  if (!entries.ok()) {
    if (raft::IsCompacted(entries.status())) {
      return absl::NotFoundError(
          absl::StrFormat("data group %d: entry %d is no longer in the log (%s)", group_id, lo,
                          entries.status().message()));
    }
    return entries.status();
  }
  if (entries->empty() || entries->front().index != lo) {
    return absl::InternalError(
        absl::StrFormat("data group %d: the log did not return entry %d", group_id, lo));
  }
  return entries;
}

// Reads entry `index` and decodes its command (NotFound / DataLoss as above).
absl::StatusOr<LoadedEntry> LoadEntry(const raft::LogStorage& log, uint64_t group_id,
                                      uint64_t index) {
  MQ_ASSIGN_OR_RETURN(std::vector<raft::Entry> entries,
                      ReadEntries(log, group_id, index, index + 1, UINT64_MAX));
  return DecodeLoaded(std::move(entries.front()), group_id);
}

// Read-ahead sizing (see Fetch): per message beyond its body (record and batch headers, the
// command), and per run.
constexpr uint64_t kUnitSlackBytes = 64;
constexpr uint64_t kRunSlackBytes = 16 << 10;

// Entries a fetch reads ahead, in one log read per run of consecutive raft indexes: the
// units of a queue usually point at consecutive entries (one group, few queues), and one read
// of many entries costs one system call and one buffer instead of one per entry.
class EntryReader {
 public:
  EntryReader(const raft::LogStorage& log, uint64_t group_id) : log_(log), group_id_(group_id) {}

  // The entry at `index`, reading [index, run_end) if it is not among those read ahead;
  // bytes_max bounds that read (at least one entry is read). Errors as LoadEntry.
  absl::StatusOr<LoadedEntry*> Get(uint64_t index, uint64_t run_end, uint64_t bytes_max) {
    if (current_.has_value() && current_->entry.index == index) return &*current_;
    while (!ahead_.empty() && ahead_.front().index < index) ahead_.pop_front();
    if (ahead_.empty() || ahead_.front().index != index) {
      ahead_.clear();
      MQ_ASSIGN_OR_RETURN(
          std::vector<raft::Entry> entries,
          ReadEntries(log_, group_id_, index, std::max(run_end, index + 1), bytes_max));
      for (raft::Entry& entry : entries) ahead_.push_back(std::move(entry));
    }
    current_.reset();
    MQ_ASSIGN_OR_RETURN(LoadedEntry loaded, DecodeLoaded(std::move(ahead_.front()), group_id_));
    ahead_.pop_front();
    current_.emplace(std::move(loaded));
    return &*current_;
  }

 private:
  const raft::LogStorage& log_;
  const uint64_t group_id_;
  std::deque<raft::Entry> ahead_;
  std::optional<LoadedEntry> current_;
};

absl::Status OpenReader(LoadedEntry& loaded, uint64_t group_id) {
  if (loaded.reader.has_value()) return absl::OkStatus();
  // Limits: the batch was verified at apply time; default limits cover any batch a leader
  // admitted unless the broker raised them, hence the generous ones here.
  protocol::ProtocolLimits limits;
  limits.batch_bytes_max = UINT32_MAX;
  limits.batch_uncompressed_bytes_max = UINT32_MAX;
  limits.messages_per_batch_max = UINT32_MAX;
  absl::StatusOr<protocol::RecordBatchReader> reader =
      protocol::RecordBatchReader::Open(loaded.command.record_batch, limits);
  if (!reader.ok()) {
    return absl::DataLossError(absl::StrFormat("data group %d: entry %d: stored batch: %s",
                                               group_id, loaded.entry.index,
                                               reader.status().message()));
  }
  loaded.reader.emplace(*std::move(reader));
  return absl::OkStatus();
}

void SetError(protocol::ResponseHeader& header, protocol::ErrorCode code, std::string message) {
  header.error_code = code;
  header.message = std::move(message);
  header.definite = true;
}

}  // namespace

protocol::QueueOffsetRange DataGroupState::Offsets(std::string_view topic,
                                                   uint32_t queue_id) const {
  protocol::QueueOffsetRange range;
  range.topic = std::string(topic);
  range.queue_id = queue_id;
  if (const QueueState* q = FindQueue(topic, queue_id); q != nullptr) {
    range.min_offset = q->log_start_offset();
    range.max_offset = q->next_offset;
    range.last_store_time_ms = q->last_store_time_ms;
  }
  return range;
}

absl::StatusOr<protocol::FetchResponse> DataGroupState::Fetch(const protocol::FetchRequest& request,
                                                              const raft::LogStorage& log) const {
  protocol::FetchResponse response;
  response.next_offset = request.offset;
  absl::StatusOr<TagFilter> filter = TagFilter::Parse(request.tag_filter);
  if (!filter.ok()) {
    SetError(response.header, protocol::ErrorCode::kInvalidArgument,
             std::string(filter.status().message()));
    return response;
  }
  const QueueState* queue = FindQueue(request.topic, request.queue_id);
  const uint64_t end = queue != nullptr ? queue->next_offset : 0;
  const uint64_t start = queue != nullptr ? queue->log_start_offset() : 0;
  response.high_watermark = end;
  response.log_start_offset = start;
  if (request.offset > end || request.offset < start) {
    SetError(response.header, protocol::ErrorCode::kOffsetOutOfRange,
             absl::StrFormat("offset %d of %s/%d is outside [%d, %d]", request.offset,
                             request.topic, request.queue_id, start, end));
    return response;
  }
  const uint64_t max_messages =
      request.max_messages != 0 ? request.max_messages : options_.fetch_messages_default;
  const uint64_t max_bytes =
      request.max_bytes != 0 ? request.max_bytes : options_.fetch_bytes_default;
  const uint64_t scan_end =
      std::min(end, request.offset + std::max<uint64_t>(options_.fetch_scan_units_max, 1));

  EntryReader reader(log, group_id_);
  LoadedEntry* loaded = nullptr;
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t offset = request.offset;
  bool full = false;
  while (offset < scan_end && !full) {
    const uint64_t chunk = std::min<uint64_t>(scan_end - offset, ConsumeQueue::kReadChunkUnits);
    MQ_ASSIGN_OR_RETURN(std::vector<CqUnit> units, queue->cq->Read(offset, chunk));
    for (size_t i = 0; i < units.size(); ++i) {
      const CqUnit& unit = units[i];
      if (messages >= max_messages) {
        full = true;
        break;
      }
      if (!filter->MatchesHash(unit.tag_hash)) {
        ++offset;
        continue;
      }
      if (loaded == nullptr || loaded->entry.index != unit.raft_index) {
        // Read ahead through the run of consecutive entries the next units point at, as far
        // as this fetch may go.
        // The read is sized by what the units say the run holds (the log reads that many
        // bytes at once): the messages, the slots of the first entry before this one, and
        // room for headers; a short estimate only costs one more read.
        uint64_t run_end = unit.raft_index + 1;
        uint64_t run_units = 1;
        uint64_t run_bytes = (uint64_t{unit.slot} + 1) * (unit.message_bytes + kUnitSlackBytes);
        for (size_t j = i + 1; j < units.size() && messages + run_units < max_messages; ++j) {
          if (units[j].raft_index > run_end) break;
          run_end = units[j].raft_index + 1;
          run_bytes += units[j].message_bytes + kUnitSlackBytes;
          ++run_units;
        }
        const uint64_t budget = max_bytes - std::min(bytes, max_bytes);
        absl::StatusOr<LoadedEntry*> entry =
            reader.Get(unit.raft_index, run_end,
                       std::max<uint64_t>(std::min(budget, run_bytes + kRunSlackBytes), 1));
        if (absl::IsNotFound(entry.status())) {
          // The log dropped the entry (compaction ran ahead of this queue's retention).
          if (!response.batches.empty()) {
            full = true;
            break;
          }
          SetError(response.header, protocol::ErrorCode::kOffsetOutOfRange,
                   absl::StrFormat("offset %d of %s/%d is no longer stored: %s", offset,
                                   request.topic, request.queue_id, entry.status().message()));
          response.next_offset = request.offset;
          return response;
        }
        if (!entry.ok()) return entry.status();
        loaded = *entry;
        if (loaded->command.topic != request.topic ||
            loaded->command.queue_id != request.queue_id) {
          return absl::DataLossError(absl::StrFormat(
              "data group %d: consume queue %s/%d offset %d points at entry %d of %s/%d", group_id_,
              request.topic, request.queue_id, offset, unit.raft_index, loaded->command.topic,
              loaded->command.queue_id));
        }
      }
      if (!filter->matches_all()) {
        MQ_RETURN_IF_ERROR(OpenReader(*loaded, group_id_));
        if (unit.slot >= loaded->reader->message_count()) {
          return absl::DataLossError(absl::StrFormat(
              "data group %d: consume queue %s/%d offset %d names slot %d of entry %d, which "
              "holds %d messages",
              group_id_, request.topic, request.queue_id, offset, unit.slot, unit.raft_index,
              loaded->reader->message_count()));
        }
        if (!filter->Matches(loaded->reader->message(unit.slot).tag)) {
          ++offset;
          continue;
        }
      }
      if (response.batches.empty() || response.batches.back().raft_index != unit.raft_index) {
        const std::string_view batch = loaded->command.record_batch;
        if (!response.batches.empty() && bytes + batch.size() > max_bytes) {
          full = true;
          break;
        }
        bytes += batch.size();
        protocol::FetchedBatch& fetched = response.batches.emplace_back();
        fetched.base_offset = offset - unit.slot;
        fetched.group_id = group_id_;
        fetched.raft_index = unit.raft_index;
        fetched.store_time_ms = loaded->command.store_time_ms;
        fetched.record_batch = std::string(batch);
      }
      response.batches.back().slots.push_back(unit.slot);
      ++messages;
      ++offset;
    }
  }
  response.next_offset = offset;
  return response;
}

absl::StatusOr<protocol::QueryMessageByIdResponse> DataGroupState::QueryById(
    const protocol::MessageId& id, const raft::LogStorage& log) const {
  protocol::QueryMessageByIdResponse response;
  const std::string name = protocol::FormatMessageId(id);
  if (id.group_id != group_id_ || id.raft_index == 0 || id.raft_index > last_applied_index_) {
    SetError(response.header, protocol::ErrorCode::kNotFound,
             absl::StrFormat("message %s: not a stored message of data group %d", name, group_id_));
    return response;
  }
  absl::StatusOr<LoadedEntry> loaded = LoadEntry(log, group_id_, id.raft_index);
  if (absl::IsNotFound(loaded.status()) || absl::IsDataLoss(loaded.status())) {
    SetError(response.header, protocol::ErrorCode::kNotFound,
             absl::StrFormat("message %s: %s", name, loaded.status().message()));
    return response;
  }
  if (!loaded.ok()) return loaded.status();
  const DataCommandView& command = loaded->command;
  // The entry's first message: the queue's units are ordered by raft index, so binary search
  // for the first unit at or after this entry.
  const QueueState* queue = FindQueue(command.topic, command.queue_id);
  const uint64_t start = queue != nullptr ? queue->log_start_offset() : 0;
  const uint64_t end = queue != nullptr ? queue->next_offset : 0;
  uint64_t lo = start;
  uint64_t hi = end;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    MQ_ASSIGN_OR_RETURN(CqUnit unit, queue->cq->ReadOne(mid));
    if (unit.raft_index < id.raft_index) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  std::optional<CqUnit> first;
  if (lo < end) {
    MQ_ASSIGN_OR_RETURN(CqUnit unit, queue->cq->ReadOne(lo));
    if (unit.raft_index == id.raft_index) first = unit;
  }
  if (!first.has_value()) {
    SetError(response.header, protocol::ErrorCode::kNotFound,
             absl::StrFormat("message %s: entry %d of %s/%d added no message to the queue (a "
                             "duplicate or refused batch) or is no longer served",
                             name, id.raft_index, command.topic, command.queue_id));
    return response;
  }
  const uint64_t base = lo - first->slot;
  const uint64_t offset = base + id.slot;
  bool in_batch = first->slot <= lo && offset >= start && offset < end;
  if (in_batch) {
    MQ_ASSIGN_OR_RETURN(CqUnit unit, queue->cq->ReadOne(offset));
    in_batch = unit.raft_index == id.raft_index && unit.slot == id.slot;
  }
  if (!in_batch) {
    SetError(
        response.header, protocol::ErrorCode::kNotFound,
        absl::StrFormat("message %s: entry %d holds no slot %d", name, id.raft_index, id.slot));
    return response;
  }
  response.topic = std::string(command.topic);
  response.queue_id = command.queue_id;
  response.queue_offset = offset;
  response.store_time_ms = command.store_time_ms;
  response.record_batch = std::string(command.record_batch);
  return response;
}

}  // namespace mq::broker
