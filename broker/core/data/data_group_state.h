#pragma once

// DataGroupState: the state machine of one data group (DESIGN.md §7). The group's Raft log
// holds the record batches (one produce command per entry, data_command.h); applying the
// committed entries in order builds:
//   - per queue (topic, queue id): the next offset, the first offset served and the last store
//     time (replicated: in snapshots), and a consume queue (consume_queue.h) mapping each
//     offset to (raft index, slot): derived data, a cache of committed entries;
//   - the producer dedup windows (producer_dedup.h; replicated).
// Reads (Fetch, QueryById) follow the consume queue into the Raft log (a raft::LogStorage).
//
// Files: one consume-queue directory per queue under `state_dir` (QueueDirName). They are not
// the source of truth: the snapshot says how many units each queue has. Snapshot() makes the
// units durable first; Restore() truncates every queue to the snapshot's next offset (units
// past it, synced or not, are re-created as the driver re-applies the entries after the
// snapshot), and a queue found SHORTER than its next offset (a follower that installed a
// leader's snapshot, or a lost file) restarts at that next offset: its log_start_offset
// becomes the snapshot's next offset, and fetches below it get OFFSET_OUT_OF_RANGE.
//
// Retention drops whole segments from the front of the log (retention_policy.h): the owner
// tells SetLogFirstIndex where this replica's log now starts (after a compaction, a snapshot
// install or a restart), and each queue then serves from its first unit whose entry the log
// still holds (min_offset of Offsets(); Fetch below it is OFFSET_OUT_OF_RANGE, definite);
// consume-queue files wholly below that go too. This is local, not replicated: each replica
// compacts its own log.
//
// Open() starts from the initial (empty) state: a queue's directory is aligned to the state the
// first time the queue is touched (by Restore or Apply), so stale units from an earlier
// incarnation are dropped before any new one is appended.
//
// Determinism: Apply depends only on the entries (time comes in as the leader-stamped
// store_time_ms of each command), so every replica reaches the same replicated state.
//
// Errors: a malformed entry payload (unknown command type or version, garbage, a batch that
// fails verification) is InvalidArgument naming the group and the entry, and the state is
// unchanged. It is not skipped: the leader verifies every batch before proposing, so such an
// entry means a bug or a replica too old for the command, and skipping it would let replicas
// diverge. Request-level problems (a bad tag filter, an offset out of range, a duplicate or
// out-of-sequence batch) are answered in the protocol's ErrorCode, not as a Status. Consume
// queue I/O errors are returned as they come.
//
// Lifecycle: Open, then Restore (if the driver has a snapshot) and Apply of every committed
// entry in order, Snapshot now and then, reads in between. Threading: owned by the data
// group's strand; nothing here is thread-safe. No clocks, no threads, no sockets.

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/core/data/consume_queue.h"
#include "broker/core/data/producer_dedup.h"
#include "client/protocol/error_code.h"
#include "client/protocol/limits.h"
#include "client/protocol/message_id.h"
#include "client/protocol/messages.h"
#include "raft/log_storage.h"
#include "raft/payload.h"
#include "raft/types.h"
#include "storage/file/fixed_unit_file.h"
#include "storage/fs/filesystem.h"

namespace mq::broker {

// The result of applying (or finding a duplicate of) one produce.
struct ProduceOutcome {
  // kOk: stored (or, with duplicate = true, stored earlier: base_offset etc. are the original
  // batch's). kDuplicate: a retry of a batch stored too long ago to remember its offsets (a
  // success, offsets unknown: 0). kOutOfSequence: a gap in the producer's sequence; nothing
  // stored. kInvalidArgument: refused as a whole (e.g. a transactional batch, not supported
  // yet); nothing stored.
  protocol::ErrorCode code = protocol::ErrorCode::kOk;
  std::string message{};
  uint64_t base_offset = 0;  // queue offset of slot 0
  uint32_t count = 0;        // messages stored (slots 0..count-1 at raft_index)
  uint64_t store_time_ms = 0;
  uint64_t raft_index = 0;  // the entry holding the batch: message id = (group, index, slot)
  bool duplicate = false;
  bool operator==(const ProduceOutcome&) const = default;
};

struct ApplyOutcome {
  // False for the no-op entries of new leaders and for configuration changes.
  bool is_produce = false;
  ProduceOutcome produce{};
  std::string topic{};
  uint32_t queue_id = 0;
};

struct DataGroupOptions {
  // Consume-queue files (unit_bytes must stay kConsumeQueueUnitBytes).
  storage::FixedUnitFileOptions consume_queue;
  // Record-batch verification in Apply; must admit everything the leader admitted.
  protocol::ProtocolLimits limits;
  // A producer's dedup state is forgotten this long (in cluster time) after its last batch.
  uint64_t producer_expiry_ms = 7ull * 24 * 3600 * 1000;
  // FetchRequest.max_messages / max_bytes of 0 mean these.
  uint32_t fetch_messages_default = 256;
  uint32_t fetch_bytes_default = 1u << 20;
  // Consume-queue units one Fetch may examine (bounds the work of a selective tag filter;
  // next_offset moves past what was examined).
  uint64_t fetch_scan_units_max = 1u << 16;
};

class DataGroupState {
 public:
  // Snapshot payload framing (see data_group_state.cc for the layout).
  static constexpr uint32_t kSnapshotMagic = 0x4744514D;  // "MQDG" as little-endian bytes
  static constexpr uint32_t kSnapshotVersion = 1;
  // Dedup expiry runs when cluster time enters a new window of this length.
  static constexpr uint64_t kDedupSweepIntervalMs = 3600 * 1000;

  // The state is empty (see the file comment). `state_dir` is created (durably, with its
  // parents) when the first consume queue is.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DataGroupState>> Open(
      storage::Filesystem& fs, std::string state_dir, uint64_t group_id,
      const DataGroupOptions& options = DataGroupOptions());

  DataGroupState(const DataGroupState&) = delete;
  DataGroupState& operator=(const DataGroupState&) = delete;

  // Every committed entry, in order (indexes strictly increasing, else FailedPrecondition).
  // kNormal entries with empty data (new leader) and kConfChange entries: no-op outcome.
  [[nodiscard]] absl::StatusOr<ApplyOutcome> Apply(const raft::Entry& entry);
  // Syncs the consume queues, then returns the replicated state as of the last entry applied.
  [[nodiscard]] absl::StatusOr<raft::Payload> Snapshot();
  // Replaces the whole state with `snapshot`'s (see the file comment); the empty snapshot
  // (index 0, no data) is the initial state. InvalidArgument for a malformed payload or one of
  // another group (the state is then unchanged).
  [[nodiscard]] absl::Status Restore(const raft::Snapshot& snapshot);

  // Leader, before proposing: the outcome to answer when this batch was already applied
  // (code kOk + duplicate, or kDuplicate when out of the window); nullopt otherwise
  // (including a sequence gap, which only Apply judges: earlier batches may be in flight).
  std::optional<ProduceOutcome> FindDuplicate(uint64_t producer_id, std::string_view topic,
                                              uint32_t queue_id, uint64_t base_sequence) const;

  // Reads (leader, on the group's strand). `log` is the group's log (the Driver's RaftLogStore);
  // only entries up to last_applied_index() are read.
  //
  // Fetch: messages from request.offset on, at most max_messages and, counting each batch
  // sent whole, max_bytes (the first batch is sent even if larger); grouped by raft index into
  // FetchedBatch{base_offset = offset of slot 0, slots = the matching slots}; the tag filter
  // is checked on the consume queue's hash, then on the message's tag. next_offset = one past
  // the last unit examined. header.error_code: kInvalidArgument for a bad tag filter;
  // kOffsetOutOfRange (definite) for an offset past high_watermark or below log_start_offset
  // (or whose entry the log no longer holds); an offset == high_watermark is an empty ok.
  // A Status error only for I/O failures or a consume queue that disagrees with the log.
  [[nodiscard]] absl::StatusOr<protocol::FetchResponse> Fetch(const protocol::FetchRequest& request,
                                                              const raft::LogStorage& log) const;
  protocol::QueueOffsetRange Offsets(std::string_view topic, uint32_t queue_id) const;
  // header.error_code kNotFound (definite) when the id names no stored message of this group.
  [[nodiscard]] absl::StatusOr<protocol::QueryMessageByIdResponse> QueryById(
      const protocol::MessageId& id, const raft::LogStorage& log) const;
  // One past the last offset of the queue (0 for a queue never written); long-poll wake check.
  uint64_t NextOffset(std::string_view topic, uint32_t queue_id) const;

  // The group's log now starts at `first_index` (entries below are gone): every queue's first
  // available offset moves to its first unit at or after it (units are ordered by raft index:
  // a binary search), and consume-queue files wholly below it are removed. Also applied to
  // the queues of a later Restore. Consume queue I/O errors are returned as they come (the
  // first index is then not recorded: call again).
  [[nodiscard]] absl::Status SetLogFirstIndex(uint64_t first_index);
  uint64_t log_first_index() const { return log_first_index_; }

  uint64_t group_id() const { return group_id_; }
  uint64_t last_applied_index() const { return last_applied_index_; }
  size_t queue_count() const { return queues_.size(); }
  const ProducerDedup& dedup() const { return dedup_; }

 private:
  struct QueueState {
    uint64_t next_offset = 0;
    // Lowest offset served by replicated decision (0 for now: retention is local, see
    // available_offset). The consume queue may start later locally (see the file comment):
    // log_start_offset() takes the max.
    uint64_t first_offset = 0;
    uint64_t last_store_time_ms = 0;
    // Local (not replicated): the first unit whose entry this replica's log still holds.
    uint64_t available_offset = 0;
    std::unique_ptr<ConsumeQueue> cq;
    uint64_t log_start_offset() const {
      return std::max(
          {first_offset, available_offset, cq != nullptr ? cq->first_offset() : first_offset});
    }
  };
  using QueueKey = std::pair<std::string, uint32_t>;
  // Orders QueueKey, and finds by (std::string_view, queue id) without allocating.
  struct QueueKeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const std::string_view at(a.first), bt(b.first);
      return at != bt ? at < bt : a.second < b.second;
    }
  };

  DataGroupState(storage::Filesystem& fs, std::string state_dir, uint64_t group_id,
                 const DataGroupOptions& options);

  const QueueState* FindQueue(std::string_view topic, uint32_t queue_id) const;
  // Opens the queue's consume queue and aligns it with `state` (see the file comment).
  [[nodiscard]] absl::Status AttachConsumeQueue(const QueueKey& key, QueueState& state);
  // Moves the queue's available_offset to its first unit at or after log index `first_index`
  // and drops the consume-queue files below it.
  [[nodiscard]] absl::Status TrimQueueToLog(QueueState& state, uint64_t first_index);
  [[nodiscard]] absl::StatusOr<ProduceOutcome> ApplyProduce(const raft::Entry& entry,
                                                            std::string_view topic,
                                                            uint32_t queue_id,
                                                            uint64_t store_time_ms,
                                                            std::string_view batch);

  storage::Filesystem& fs_;
  const std::string state_dir_;
  const uint64_t group_id_;
  const DataGroupOptions options_;
  uint64_t last_applied_index_ = 0;
  // Where this replica's log starts (SetLogFirstIndex); local, not replicated.
  uint64_t log_first_index_ = 1;
  // Cluster time of the last dedup expiry sweep (replicated).
  uint64_t dedup_swept_ms_ = 0;
  std::map<QueueKey, QueueState, QueueKeyLess> queues_;
  ProducerDedup dedup_;
};

}  // namespace mq::broker
