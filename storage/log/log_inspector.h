#pragma once

// InspectLog: a read-only walk over a SegmentedLog directory for tools (mqlogdump) and checks.
// Unlike SegmentedLog::Open it never changes a file: a torn tail is reported, not cut off.
//
// It reports each record it passes (index, tag, kind, flags, size, file, offset, crc status)
// and every problem it finds, classified with the same rule as recovery (segmented_log.h):
//   - kCorruption: a bad record in a sealed segment, a bad record in the last segment that does
//     not look torn, a bad or mismatched segment header, a gap or overlap between segments, a
//     sparse index whose points disagree with its segment;
//   - kTornTail: the torn tail of the last segment, which Open would cut off (zeros from a
//     record boundary to its end are its runway, the clean end: no problem);
//   - kNote: things Open repairs silently (a temp file, a missing or invalid sparse index).
// With check_all every segment is read in full, whatever the record range asked for.
//
// Stateless; the caller must not write the log while it runs.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/fs/filesystem.h"

namespace mq::storage {

struct InspectOptions {
  uint64_t from_index = 0;          // report records from this index on
  uint64_t count_max = UINT64_MAX;  // report at most this many records
  bool check_all = false;           // read every segment completely (verification)
  uint64_t record_payload_bytes_max = uint64_t{64} << 20;
};

struct InspectedRecord {
  uint64_t index = 0;
  uint64_t tag = 0;
  uint16_t kind = 0;
  uint16_t flags = 0;
  uint64_t payload_bytes = 0;
  std::string file;  // segment file name (not path)
  uint64_t offset = 0;
  bool crc_ok = true;
};

struct InspectProblem {
  enum class Severity { kCorruption, kTornTail, kNote };
  Severity severity;
  std::string file;  // file name (not path)
  uint64_t offset = 0;
  std::string message;
};

struct InspectReport {
  uint64_t segments = 0;         // segment files looked at
  uint64_t records_checked = 0;  // good records read
  std::vector<InspectProblem> problems;
  bool corrupt() const;
};

// I/O errors (missing directory, unreadable file) are returned as a Status; problems with the
// contents are in the report.
absl::StatusOr<InspectReport> InspectLog(
    Filesystem& fs, const std::string& dir, const InspectOptions& options,
    const std::function<void(const InspectedRecord&)>& on_record);

}  // namespace mq::storage
