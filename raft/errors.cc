#include "raft/errors.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_format.h"
#include "absl/types/optional.h"
#include "storage/base/coding.h"

namespace mq::raft {

absl::Status NotLeaderError(NodeId leader, uint64_t term, std::string_view why) {
  absl::Status status = absl::FailedPreconditionError(
      absl::StrFormat("%s (term %d, leader hint %d)", why, term, leader));
  if (leader != kNoNode) {
    std::string bytes;
    PutFixed64(&bytes, leader);
    status.SetPayload(kLeaderHintPayloadUrl, absl::Cord(bytes));
  }
  return status;
}

std::optional<NodeId> LeaderHint(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kLeaderHintPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  std::string bytes(*payload);
  if (bytes.size() != 8) return std::nullopt;
  return DecodeFixed64(bytes.data());
}

}  // namespace mq::raft
