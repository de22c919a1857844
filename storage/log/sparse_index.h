#pragma once

// SparseIndex: index -> file position for one segment, one point per ~index_interval_bytes of
// records, so a read seeks to the nearest point at or before its index and scans at most one
// interval forward. The active segment's index lives in memory (built while scanning at open and
// while appending); a sealed segment's is saved beside it as a .sidx file:
//
//    0        4        8         10         12            16            24           32
//    +--------+--------+---------+----------+-------------+-------------+------------+
//    | crc32c | magic  | version | reserved | point_count | first_index | last_index |
//    |  u32   |  u32   |   u16   |   u16    |     u32     |     u64     |    u64     |
//    +--------+--------+---------+----------+-------------+-------------+------------+
//    32              40               48               56
//    +---------------+----------------+----------------+-----
//    | segment_bytes | point 0: index | point 0: pos   | ... point_count points of 16 bytes
//    |      u64      |      u64       |      u64       |
//    +---------------+----------------+----------------+-----
//             crc32c covers everything after the crc field
//
// Little-endian. A .sidx is a cache: when missing, invalid or not matching its segment
// (first/last index, byte size) it is rebuilt by scanning the segment.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mq::storage {

inline constexpr size_t kSparseIndexHeaderBytes = 40;
inline constexpr size_t kSparseIndexPointBytes = 16;
inline constexpr uint32_t kSparseIndexMagic = 0x5853514D;  // "MQSX" read as little-endian bytes
inline constexpr uint16_t kSparseIndexVersion = 1;

class SparseIndex {
 public:
  struct Point {
    uint64_t index;
    uint64_t position;  // byte offset of that record in the segment file
    bool operator==(const Point&) const = default;
  };

  explicit SparseIndex(uint64_t interval_bytes) : interval_bytes_(interval_bytes) {}

  // Called for every record appended, in order: keeps a point when this is the first record or
  // the record starts at least interval_bytes after the previous point.
  void OnRecord(uint64_t index, uint64_t position) {
    if (points_.empty() || position - points_.back().position >= interval_bytes_) {
      points_.push_back({index, position});
    }
  }

  // The last point whose index is <= `index`; nullopt-like {0, 0} never happens when the segment
  // holds `index`. Requires !empty() and index >= points()[0].index.
  Point Floor(uint64_t index) const;

  // Drops the points of records >= `index` (after a suffix truncation).
  void TruncateFrom(uint64_t index);

  bool empty() const { return points_.empty(); }
  const std::vector<Point>& points() const { return points_; }
  uint64_t interval_bytes() const { return interval_bytes_; }

  // The .sidx file image for a sealed segment holding [first_index, last_index] in
  // segment_bytes bytes.
  std::string Encode(uint64_t first_index, uint64_t last_index, uint64_t segment_bytes) const;

  // Parses a .sidx image and checks it against the segment it claims to describe. Any mismatch
  // is an error (the caller rebuilds), never a crash.
  static absl::StatusOr<SparseIndex> Decode(std::string_view image, uint64_t first_index,
                                            uint64_t last_index, uint64_t segment_bytes,
                                            uint64_t interval_bytes);

 private:
  uint64_t interval_bytes_;
  std::vector<Point> points_;
};

}  // namespace mq::storage
