#include "storage/log/log_options.h"

#include "absl/strings/str_format.h"
#include "storage/log/record_format.h"
#include "storage/log/segment_file.h"

namespace mq::storage {
namespace {

// Bounds that keep every field meaningful: a payload length must fit the u32 on disk, and a
// buffer or segment must be allocatable.
constexpr uint64_t kPayloadBytesCeiling = (uint64_t{1} << 32) - 1 - kRecordHeaderBytes;
constexpr uint64_t kWriteBufferBytesCeiling = uint64_t{1} << 30;
constexpr uint64_t kSegmentBytesCeiling = uint64_t{1} << 40;
// Recovery reads the whole runway of the last segment: keep that a fraction of a second.
constexpr uint64_t kPreallocateBytesCeiling = uint64_t{64} << 20;

}  // namespace

absl::Status SegmentedLogOptions::Validate() const {
  const uint64_t smallest_segment = kSegmentHeaderBytes + kRecordHeaderBytes + 1;
  if (segment_bytes_max < smallest_segment || segment_bytes_max > kSegmentBytesCeiling) {
    return absl::InvalidArgumentError(
        absl::StrFormat("segment_bytes_max is %u; it must be in [%u, %u]", segment_bytes_max,
                        smallest_segment, kSegmentBytesCeiling));
  }
  // Larger than a segment is fine: one point per segment.
  if (index_interval_bytes == 0 || index_interval_bytes > kSegmentBytesCeiling) {
    return absl::InvalidArgumentError(
        absl::StrFormat("index_interval_bytes is %u; it must be in [1, %u]", index_interval_bytes,
                        kSegmentBytesCeiling));
  }
  if (write_buffer_bytes == 0 || write_buffer_bytes > kWriteBufferBytesCeiling) {
    return absl::InvalidArgumentError(
        absl::StrFormat("write_buffer_bytes is %u; it must be in [1, %u]", write_buffer_bytes,
                        kWriteBufferBytesCeiling));
  }
  if (record_payload_bytes_max == 0 || record_payload_bytes_max > kPayloadBytesCeiling) {
    return absl::InvalidArgumentError(
        absl::StrFormat("record_payload_bytes_max is %u; it must be in [1, %u]",
                        record_payload_bytes_max, kPayloadBytesCeiling));
  }
  // 0 is valid: no runway.
  if (preallocate_bytes > kPreallocateBytesCeiling) {
    return absl::InvalidArgumentError(
        absl::StrFormat("preallocate_bytes is %u; it must be in [0, %u]", preallocate_bytes,
                        kPreallocateBytesCeiling));
  }
  return absl::OkStatus();
}

}  // namespace mq::storage
