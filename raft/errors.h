#pragma once

// Errors the core returns to the application, with the leader hint carried as a Status payload
// so a shell can redirect a client without parsing the message.
//
//   FailedPrecondition  not the leader, or the proposal's expected term is not the current
//                       term (the proposal definitely did not happen; retry at the leader)
//   Unavailable         a leadership transfer is in progress, no leader is known, or the new
//                       leader has not committed an entry of its term yet (retry shortly)
//   ResourceExhausted   uncommitted_bytes_max would be exceeded (back-pressure)
//   InvalidArgument     a malformed message or an impossible request

#include <optional>

#include "absl/status/status.h"
#include "raft/types.h"

namespace mq::raft {

inline constexpr char kLeaderHintPayloadUrl[] = "mq.raft/leader-hint";

// FailedPrecondition "not the leader ..." carrying `leader` (kNoNode if unknown) as a hint.
absl::Status NotLeaderError(NodeId leader, uint64_t term, std::string_view why);
// The leader hint of an error made by NotLeaderError (nullopt if none or unknown leader).
std::optional<NodeId> LeaderHint(const absl::Status& status);

}  // namespace mq::raft
