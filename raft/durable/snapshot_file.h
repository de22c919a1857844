#pragma once

// The snapshot file (<dir>/snapshot): a header with the snapshot's metadata, then its data.
// Written whole and atomically (storage/file/atomic_file.h): a crash leaves the previous
// snapshot or the new one, never a mix.
//
// Layout, little-endian; header_crc covers every header byte before it, data_crc the data:
//
//   0       4         8           16         24             32         36         40
//   +-------+---------+-----------+----------+--------------+----------+----------+
//   | magic | version | index u64 | term u64 | data_bytes   | data_crc | voters   |
//   |  u32  |   u32   |           |          |     u64      |   u32    |   u32    |
//   +-------+---------+-----------+----------+--------------+----------+----------+
//   40             44                        44+8n        48+8n                 48+8n+data_bytes
//   +--------------+-------------------------+------------+---------------------+
//   | learners u32 | node ids u64 (n of them)| header_crc | data (data_bytes)   |
//   +--------------+-------------------------+------------+---------------------+
//   the ConfState as of `index`: voters first, then learners, each sorted ascending

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft/types.h"
#include "storage/fs/filesystem.h"

namespace mq::raft {

inline constexpr uint32_t kSnapshotMagic = 0x4e53514d;  // "MQSN" read as little-endian bytes
inline constexpr uint32_t kSnapshotFormatVersion = 1;
// Up to and including the learner count; the node ids and header_crc follow.
inline constexpr size_t kSnapshotFixedHeaderBytes = 44;

// The whole file for `snapshot`.
std::string EncodeSnapshotFile(const Snapshot& snapshot);

// Replaces `path` atomically with `snapshot`; durable when it returns OK.
[[nodiscard]] absl::Status WriteSnapshotFile(storage::Filesystem& fs, const std::string& path,
                                             const Snapshot& snapshot);

// Reads and checks `path`. NotFound when missing; DataLoss naming the file for any damage (bad
// magic, checksum, a size that disagrees with the header, a malformed ConfState) or a newer
// format version; FailedPrecondition when its data exceeds `data_bytes_max` (checked before
// allocating).
[[nodiscard]] absl::StatusOr<Snapshot> ReadSnapshotFile(storage::Filesystem& fs,
                                                        const std::string& path,
                                                        uint64_t data_bytes_max);

}  // namespace mq::raft
