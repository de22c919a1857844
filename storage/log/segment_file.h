#pragma once

// Segment files: their names and the header each one starts with.
//
// A log directory holds
//   00000000000000000001.seg       records 1.. ; named by its first index (%020llu)
//   00000000000000000001.sidx      sparse index of that segment, once it is sealed
//   <name>.tmp                     an interrupted atomic write; removed at open
//
// Segment header, at offset 0 of every .seg file, followed directly by records:
//
//    0        4        8         10         12             20            24
//    +--------+--------+---------+----------+--------------+-------------+
//    | crc32c | magic  | version | reserved | first_index  |  reserved2  |
//    |  u32   |  u32   |   u16   |   u16    |     u64      |     u32     |
//    +--------+--------+---------+----------+--------------+-------------+
//             |<-------------- covered by crc32c ------------------------>|
//
// Little-endian. The reserved fields are written as zero and ignored on read (room for later
// fields without a version bump).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mq::storage {

inline constexpr size_t kSegmentHeaderBytes = 24;
inline constexpr uint32_t kSegmentMagic = 0x4753514D;  // "MQSG" read as little-endian bytes
inline constexpr uint16_t kSegmentVersion = 1;

inline constexpr std::string_view kSegmentSuffix = ".seg";
inline constexpr std::string_view kSparseIndexSuffix = ".sidx";
inline constexpr std::string_view kTempSuffix = ".tmp";

// "00000000000000000042.seg" for 42.
std::string SegmentFileName(uint64_t first_index);
// "00000000000000000042.sidx" for 42.
std::string SparseIndexFileName(uint64_t first_index);
// The index in a name made by the functions above with `suffix`; nullopt for any other name.
std::optional<uint64_t> ParseLogFileName(std::string_view name, std::string_view suffix);

// The kSegmentHeaderBytes header of a segment whose first record will be `first_index`.
std::string EncodeSegmentHeader(uint64_t first_index);

// Decodes and checks a header read from `path` (for messages). DataLoss naming the file when it
// is short, its crc or magic is wrong, or its version is unknown.
absl::StatusOr<uint64_t> DecodeSegmentHeader(std::string_view bytes, std::string_view path);

// True when `bytes` (what was read of a header) is shorter than a header or all zeros: what a
// segment created just before a crash looks like when its header never reached the disk.
bool IsTornSegmentHeader(std::string_view bytes);

}  // namespace mq::storage
