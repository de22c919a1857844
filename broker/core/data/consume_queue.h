#pragma once

// ConsumeQueue: the index of one queue (topic, queue id) of a data group: unit number = queue
// offset, each unit locating one message in the group's Raft log. Derived data, rebuilt by
// re-applying the log (DataGroupState owns that rule); no checksum of its own (see
// storage/file/fixed_unit_file.h).
//
// One storage::FixedUnitFile directory per queue, named QueueDirName(topic, queue_id). A unit,
// little-endian:
//
//   0                8          12               16               24               32
//   +----------------+----------+----------------+----------------+----------------+
//   | raft_index u64 | slot u32 | message_bytes  | tag_hash u64   | store_time_ms  |
//   |                |          | u32            | (0 = no tag)   | u64            |
//   +----------------+----------+----------------+----------------+----------------+
//
//   raft_index: the entry holding the message's record batch; slot: its position in the
//   batch; message_bytes: the size of its record in the (uncompressed) message section;
//   tag_hash: TagHash(tag) (tag_filter.h); store_time_ms: the entry's leader-stamped time.
//
// Lifecycle: Open, Append/Read, Sync (before a snapshot), TruncateTo/Reset (restore),
// DropBefore (retention). Not thread-safe: owned by the data group's strand.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/file/fixed_unit_file.h"
#include "storage/fs/filesystem.h"

namespace mq::broker {

inline constexpr uint32_t kConsumeQueueUnitBytes = 32;
inline constexpr size_t kCqRaftIndexOffset = 0;
inline constexpr size_t kCqSlotOffset = 8;
inline constexpr size_t kCqMessageBytesOffset = 12;
inline constexpr size_t kCqTagHashOffset = 16;
inline constexpr size_t kCqStoreTimeOffset = 24;

struct CqUnit {
  uint64_t raft_index = 0;
  uint32_t slot = 0;
  uint32_t message_bytes = 0;
  uint64_t tag_hash = 0;
  uint64_t store_time_ms = 0;
  bool operator==(const CqUnit&) const = default;
};

void EncodeCqUnit(const CqUnit& unit, char* out);  // kConsumeQueueUnitBytes at out
CqUnit DecodeCqUnit(const char* in);

// "cq-<hex of the topic bytes>-<queue id as 8 hex digits>": safe for any topic name (no '/',
// "..", or case folding issues) and unique per queue.
std::string QueueDirName(std::string_view topic, uint32_t queue_id);

class ConsumeQueue {
 public:
  // Units read per FixedUnitFile call by ReadRange.
  static constexpr uint64_t kReadChunkUnits = 1024;

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ConsumeQueue>> Open(
      storage::Filesystem& fs, std::string dir,
      const storage::FixedUnitFileOptions& options = storage::FixedUnitFileOptions());

  // Appends one unit at end_offset().
  [[nodiscard]] absl::Status Append(const CqUnit& unit);
  // Units [offset, offset + count); OutOfRange unless inside [first_offset(), end_offset()).
  [[nodiscard]] absl::StatusOr<std::vector<CqUnit>> Read(uint64_t offset, uint64_t count) const;
  [[nodiscard]] absl::StatusOr<CqUnit> ReadOne(uint64_t offset) const;
  [[nodiscard]] absl::Status Sync() { return file_->Sync(); }
  // Drops units >= offset (no-op past the end; InvalidArgument below first_offset()).
  [[nodiscard]] absl::Status TruncateTo(uint64_t offset) { return file_->TruncateTo(offset); }
  // Drops every unit; the next Append lands at `offset`.
  [[nodiscard]] absl::Status Reset(uint64_t offset) { return file_->Reset(offset); }
  // Retention: removes the files whose units all lie below `offset` (whole files only, so
  // first_offset() may stay below it). Durable when it returns.
  [[nodiscard]] absl::Status DropBefore(uint64_t offset) { return file_->DropBefore(offset); }

  uint64_t first_offset() const { return file_->first_unit(); }
  uint64_t end_offset() const { return file_->end_unit(); }
  const std::string& dir() const { return file_->dir(); }

 private:
  explicit ConsumeQueue(std::unique_ptr<storage::FixedUnitFile> file) : file_(std::move(file)) {}

  // Reads go through the (non-const) file: they may flush buffered units, which changes
  // nothing a reader can see.
  std::unique_ptr<storage::FixedUnitFile> file_;
};

}  // namespace mq::broker
