#include "raft/log_storage.h"

#include "absl/strings/str_format.h"

namespace mq::raft {

absl::Status CompactedError(uint64_t index, uint64_t first_index) {
  return absl::OutOfRangeError(
      absl::StrFormat("raft log index %d is compacted (first index %d)", index, first_index));
}

bool IsCompacted(const absl::Status& status) { return absl::IsOutOfRange(status); }

absl::Status SnapshotTemporarilyUnavailableError() {
  return absl::UnavailableError("raft snapshot temporarily unavailable");
}

bool IsSnapshotTemporarilyUnavailable(const absl::Status& status) {
  return absl::IsUnavailable(status);
}

}  // namespace mq::raft
