#pragma once

// The small on-disk records of a RaftLogStore: the hard state (inside a MetaFile slot, which
// adds its own magic, sequence and crc) and the founding configuration file. Both start with a
// format version of their own so they can evolve independently of their container. Decoders
// check every length and count before using it and return DataLoss naming `what` (a path).
//
// Hard state payload (kHardStateBytes), little-endian:
//
//   0         4            12           20             28
//   +---------+------------+------------+--------------+
//   | version | term u64   | vote u64   | commit u64   |
//   +---------+------------+------------+--------------+
//
// Founding file (<dir>/founding), little-endian; the crc32c covers every byte before it:
//
//   0        4         8            12             16                         16+8n    20+8n
//   +--------+---------+------------+--------------+--------------------------+--------+
//   | magic  | version | voters u32 | learners u32 | node ids u64 (n of them) | crc32c |
//   +--------+---------+------------+--------------+--------------------------+--------+
//   voters first, then learners, each sorted ascending (ValidateConfState)
//
// Log cut file (<dir>/logcut, history mode only; raft_log_store.h): the intent of a log cut in
// progress, written atomically before the cut and removed after it. Little-endian; the crc32c
// covers every byte before it:
//
//   0        4         8          12           20       24
//   +--------+---------+----------+------------+--------+
//   | magic  | version | kind u32 | index u64  | crc32c |
//   +--------+---------+----------+------------+--------+
//   kind: 1 = compaction to `index` (CompactTo), 2 = install of the snapshot at `index`

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "raft/types.h"

namespace mq::raft {

inline constexpr uint32_t kHardStateFormatVersion = 1;
inline constexpr size_t kHardStateBytes = 28;

inline constexpr uint32_t kFoundingMagic = 0x4346514d;  // "MQFC" read as little-endian bytes
inline constexpr uint32_t kFoundingFormatVersion = 1;
inline constexpr size_t kFoundingHeaderBytes = 16;
inline constexpr size_t kFoundingCrcBytes = 4;
// The most voters plus learners a stored configuration may list; checked before allocating.
inline constexpr uint32_t kConfNodesMax = 4096;

std::string EncodeHardState(const HardState& state);
absl::StatusOr<HardState> DecodeHardState(std::string_view bytes, std::string_view what);

// Appends voter count, learner count, then the ids (the ConfState part shared by the founding
// file and the snapshot header).
void AppendConfState(const ConfState& state, std::string* out);
// Decodes what AppendConfState wrote at the start of `bytes`; sets *used to the bytes taken.
// DataLoss for counts above kConfNodesMax, a short buffer, or a ConfState that fails
// ValidateConfState.
absl::StatusOr<ConfState> DecodeConfState(std::string_view bytes, std::string_view what,
                                          size_t* used);
// The bytes AppendConfState writes for `state`.
size_t ConfStateBytes(const ConfState& state);

std::string EncodeFoundingFile(const ConfState& founding);
absl::StatusOr<ConfState> DecodeFoundingFile(std::string_view bytes, std::string_view what);
// A log cut in progress (history mode): the log is being made to start at index + 1, after
// the kept snapshot at `index`.
enum class LogCutKind : uint32_t {
  kCompact = 1,  // CompactTo(index): drop the segments <= index
  kInstall = 2,  // ApplySnapshot at index: reset the log
};
struct LogCut {
  LogCutKind kind = LogCutKind::kCompact;
  uint64_t index = 0;
  bool operator==(const LogCut&) const = default;
};
inline constexpr uint32_t kLogCutMagic = 0x434c514d;  // "MQLC" read as little-endian bytes
inline constexpr uint32_t kLogCutFormatVersion = 1;
inline constexpr size_t kLogCutFileBytes = 24;

std::string EncodeLogCutFile(const LogCut& cut);
// DataLoss naming `what` for a wrong size, magic, checksum, version or kind.
absl::StatusOr<LogCut> DecodeLogCutFile(std::string_view bytes, std::string_view what);

// An upper bound on a valid founding file's size (for ReadWholeFile).
inline constexpr uint64_t kFoundingFileBytesMax =
    kFoundingHeaderBytes + uint64_t{8} * kConfNodesMax + kFoundingCrcBytes;

}  // namespace mq::raft
