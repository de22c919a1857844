#pragma once

// Tuning and limits of a SegmentedLog. Every limit carries its unit in its name.

#include <cstdint>

#include "absl/status/status.h"

namespace mq::storage {

struct SegmentedLogOptions {
  // A segment is sealed and a new one started when the next record would make the active
  // segment larger than this. A single record larger than this gets a segment of its own.
  uint64_t segment_bytes_max = uint64_t{64} << 20;
  // Distance in bytes between two points of a segment's sparse index: a read scans at most
  // about this many bytes before reaching its first record.
  uint64_t index_interval_bytes = uint64_t{32} << 10;
  // Appends are buffered in memory and written with one pwrite when this fills (or at Sync).
  uint64_t write_buffer_bytes = uint64_t{1} << 20;
  // The largest payload accepted on append and believed on read; checked before allocating.
  uint64_t record_payload_bytes_max = uint64_t{64} << 20;
  // Zeros kept written (and synced with the data) after the data end of the active segment, its
  // *runway*: small flushes then overwrite allocated blocks, and their fdatasync writes no file
  // metadata (segmented_log.h, Runway). Rounded up to 4 KiB, never past segment_bytes_max; 0
  // disables it (every flush appends). Bounded because recovery reads the runway to check that
  // it is all zeros.
  uint64_t preallocate_bytes = uint64_t{1} << 20;

  // InvalidArgument naming the field for values that cannot work (zero, too small to hold a
  // record, too large for the on-disk fields).
  [[nodiscard]] absl::Status Validate() const;
};

}  // namespace mq::storage
