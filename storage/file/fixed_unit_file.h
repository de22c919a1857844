#pragma once

// FixedUnitFile: an append-only sequence of fixed-size units addressed by unit number; the
// primitive under consume queues and the timer log. Units carry no checksum: they are
// rebuildable caches of committed data, and their owner truncates them to its own checkpoint
// after a crash. Their meaning belongs to the owner.
//
// On disk, a directory holding:
//   - unit files named by their first unit number (`%020d.units`), each a header followed by
//     up to `units_per_file` units; unit u of a file whose first unit is f sits at byte
//     kHeaderBytes + (u - f) * unit_bytes. The header, little-endian, CRC32C over bytes 0..24:
//
//       0       4         8            12               16                24       28     32
//       +-------+---------+------------+----------------+-----------------+--------+------+
//       | magic | version | unit_bytes | units_per_file | first_unit u64  | crc32c | zero |
//       +-------+---------+------------+----------------+-----------------+--------+------+
//
//   - `state.meta`, a MetaFile holding the durable range (payload: unit_bytes u32 | zero u32 |
//     first u64 | end u64): the units [first, end) are known durable; everything outside is
//     a leftover (an unsynced append, or a file whose removal was not yet durable) that Open
//     deletes. Sync fdatasyncs the unit files and the directory BEFORE it widens the range;
//     TruncateTo, DropBefore and Reset narrow the range durably BEFORE they touch the files.
//     Without this record an unsynced append torn by a crash could leave a zero-filled or
//     half-written unit that nothing could tell from a real one.
//
// Recovery (Open): the units are exactly [first, end) of the state record; a trailing partial
// unit or any unsynced tail is truncated away and files beyond the range are removed. A bad
// header, or a unit inside the durable range that is missing, is DataLoss naming the file.
// So after a crash the file holds exactly what the last completed Sync (or narrowing
// operation) left: a prefix of the appended units, no garbage unit, every synced unit.
//
// Appends are buffered and written when the buffer fills, when a unit file is full, or at
// Sync; they are visible to Read at once but durable only after Sync. Destroying the object
// does not sync: unsynced units are gone on the next Open.
//
// After an I/O error in a mutating call the object refuses every further call with that error
// (a failed fdatasync may have lost pages the kernel now calls clean); reopen to recover.
//
// Lifecycle: Open, appends/reads/syncs, destroy. Not thread-safe: one owner (a strand).

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/file/meta_file.h"
#include "storage/fs/filesystem.h"

namespace mq::storage {

struct FixedUnitFileOptions {
  // Size of every unit; fixed when the directory is created.
  uint32_t unit_bytes = 32;
  // Units per unit file for files created from now on (existing files keep theirs).
  uint32_t units_per_file = 1u << 18;  // 8 MiB files of 32-byte units
  // Appended units are written to the file once this many bytes are buffered.
  size_t buffer_bytes_max = 64 * 1024;
};

class FixedUnitFile {
 public:
  static constexpr uint32_t kMagic = 0x5546514d;  // "MQFU" read as little-endian bytes
  static constexpr uint32_t kVersion = 1;
  static constexpr size_t kHeaderBytes = 32;
  static constexpr uint32_t kUnitBytesMax = 4096;
  static constexpr uint64_t kFileBytesMax = uint64_t{1} << 30;
  static constexpr size_t kBufferBytesMax = size_t{64} << 20;
  static constexpr std::string_view kStateFileName = "state.meta";
  static constexpr std::string_view kUnitFileSuffix = ".units";

  // Opens (creating if missing) the directory `dir` and recovers it as described above.
  // InvalidArgument for bad options or a unit size other than the one the directory was
  // created with; DataLoss for damage.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FixedUnitFile>> Open(
      Filesystem& fs, std::string dir, const FixedUnitFileOptions& options);

  FixedUnitFile(const FixedUnitFile&) = delete;
  FixedUnitFile& operator=(const FixedUnitFile&) = delete;

  // Appends one unit (exactly unit_bytes, else InvalidArgument); returns its unit number.
  [[nodiscard]] absl::StatusOr<uint64_t> Append(std::string_view unit);
  // Units [first_unit, first_unit + count), concatenated. OutOfRange unless the range lies in
  // [first_unit(), end_unit()).
  [[nodiscard]] absl::StatusOr<std::string> Read(uint64_t first_unit, uint64_t count);
  // As Read, into `out`, which must have room for count * unit_bytes() bytes.
  [[nodiscard]] absl::Status ReadInto(uint64_t first_unit, uint64_t count, char* out);
  // Writes buffered units and makes every unit appended so far durable.
  [[nodiscard]] absl::Status Sync();
  // Removes the units >= unit_count (durably). A no-op if unit_count >= end_unit();
  // InvalidArgument if unit_count < first_unit().
  [[nodiscard]] absl::Status TruncateTo(uint64_t unit_count);
  // Removes the unit files whose units all lie below `unit` (retention). A file still being
  // appended to (not yet full) is kept. first_unit() becomes the first unit of the first file
  // kept (or end_unit() when none is).
  [[nodiscard]] absl::Status DropBefore(uint64_t unit);
  // Removes every unit (durably); the next Append gets `first_unit`.
  [[nodiscard]] absl::Status Reset(uint64_t first_unit);

  uint64_t first_unit() const { return first_; }
  uint64_t end_unit() const { return end_; }
  // Units below this survive a crash (as far as they are in [first_unit(), end_unit())).
  uint64_t synced_end_unit() const { return durable_end_; }
  uint32_t unit_bytes() const { return options_.unit_bytes; }
  size_t file_count() const { return segments_.size(); }
  const std::string& dir() const { return dir_; }

  // `%020d.units` for a file whose first unit is `first_unit`.
  static std::string UnitFileName(uint64_t first_unit);

 private:
  // One unit file.
  struct Segment {
    std::unique_ptr<File> file;
    uint64_t capacity = 0;  // units it may hold (from its header)
    uint64_t units = 0;     // units it holds, counting those still buffered
    bool dirty = false;     // written or truncated since its last fdatasync
  };

  FixedUnitFile(Filesystem& fs, std::string dir, const FixedUnitFileOptions& options,
                std::unique_ptr<MetaFile> state);

  [[nodiscard]] absl::Status Recover();
  [[nodiscard]] absl::Status CheckUsable() const;
  // Records the first error of a mutation; see the class comment.
  absl::Status Fail(absl::Status status);
  [[nodiscard]] absl::Status WriteState(uint64_t first, uint64_t end);
  [[nodiscard]] absl::Status FlushBuffer();
  [[nodiscard]] absl::Status CreateSegment(uint64_t first_unit);
  [[nodiscard]] absl::Status RemoveSegment(uint64_t first_unit);
  std::string PathOf(uint64_t first_unit) const;

  Filesystem& fs_;
  const std::string dir_;
  const FixedUnitFileOptions options_;
  std::unique_ptr<MetaFile> state_;
  std::map<uint64_t, Segment> segments_;  // by first unit
  uint64_t first_ = 0;
  uint64_t end_ = 0;
  // The durable range, as last written to state_.
  uint64_t durable_first_ = 0;
  uint64_t durable_end_ = 0;
  // Units [buffer_first_, end_), not yet written; always in the last segment.
  uint64_t buffer_first_ = 0;
  std::string buffer_;
  // A unit file was created or removed since the last directory fsync.
  bool dir_dirty_ = false;
  absl::Status broken_;
};

}  // namespace mq::storage
