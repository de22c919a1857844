#pragma once

// SegmentScanner: reads the records of one segment file in order, in large chunks (one pread per
// chunk, not per record), and checks each one: complete, within the payload limit, crc matching,
// index exactly one more than the previous. It is the one place that decodes a segment from disk
// sequentially: recovery of the last segment, sparse-index rebuilds, locating a truncation point
// and the mqlogdump inspector all use it.
//
// A bad record ends the scan (its length cannot be trusted, so the next record cannot be found).
// The scanner says whether the bad record looks *torn* -- its extent runs past the end of the
// file, or some 512-byte-aligned piece of its extent is all zeros, which is what an unsynced
// write lost in a crash looks like -- and leaves the verdict (torn tail or corruption) to the
// caller, who knows whether this is the last segment.
//
// Not thread-safe; the File must outlive the scanner and not shrink while it runs.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/fs/filesystem.h"
#include "storage/log/record_format.h"

namespace mq::storage {

class SegmentScanner {
 public:
  static constexpr size_t kDefaultChunkBytes = size_t{1} << 20;

  enum class Outcome {
    kRecord,  // a good record
    kEnd,     // clean end of file
    kBad,     // a record that fails a check; the scan stops here
  };

  struct Item {
    Outcome outcome = Outcome::kEnd;
    uint64_t offset = 0;  // where the record (or the bad bytes) starts in the file
    // kRecord, and kBad when header_complete: the decoded header.
    bool header_complete = false;
    RecordHeader header;
    // kRecord: the payload; valid until the next call of Next().
    std::string_view payload;
    // kBad only.
    bool crc_ok = false;      // the crc matched (the record failed another check)
    bool looks_torn = false;  // see the file comment
    std::string reason;       // e.g. "checksum mismatch"
  };

  // Scans `file`, which holds `file_bytes` bytes, starting at `offset`, where the record with
  // index `expected_index` must start. Payload lengths above `payload_bytes_max` are refused
  // before anything is allocated for them.
  SegmentScanner(File& file, uint64_t file_bytes, uint64_t offset, uint64_t expected_index,
                 uint64_t payload_bytes_max, size_t chunk_bytes = kDefaultChunkBytes);

  // The next item; an I/O error (not a bad record) is returned as a Status.
  absl::StatusOr<Item> Next();

  // True when every byte from offset() to the end of the file is zero (also when there is
  // none): at a record boundary that is no record but the preallocated runway of an active
  // segment (segmented_log.h). Reads the rest of the file, in chunks; call it after kBad only.
  absl::StatusOr<bool> ZerosToEnd();

  // Where the next record starts / its expected index (after the last good record).
  uint64_t offset() const { return offset_; }
  uint64_t expected_index() const { return expected_index_; }

 private:
  // Makes [position, position + size) of the file available in the buffer; returns a pointer to
  // it. Requires position + size <= file_bytes_.
  absl::StatusOr<const char*> Window(uint64_t position, size_t size);

  File& file_;
  const uint64_t file_bytes_;
  uint64_t offset_;
  uint64_t expected_index_;
  const uint64_t payload_bytes_max_;
  const size_t chunk_bytes_;
  std::unique_ptr<char[]> buffer_;
  size_t buffer_capacity_ = 0;
  uint64_t buffer_offset_ = 0;  // file offset of buffer_[0]
  size_t buffer_size_ = 0;      // valid bytes in buffer_
};

}  // namespace mq::storage
