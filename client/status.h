#pragma once

// How the client reports failures: every failing absl::Status says whether the operation
// DEFINITELY did not happen ("rejected") or MAY have happened ("unknown"), DESIGN.md section 1.
//
// Stable encoding (scripts and tools rely on it):
//  - the message starts with "rejected: " or "unknown: ";
//  - payload kDefinitePayloadUrl = "1" (rejected) or "0" (unknown);
//  - when a broker answered with an error code, payload kErrorCodePayloadUrl = the code's
//    decimal value, and the message names it ("rejected: NOT_FOUND: no such topic ...").
// A status without the payload (e.g. made by user code) counts as unknown: the safe side.
//
// Broker error codes map to absl codes with protocol::ToStatusCode (NOT_LEADER / UNAVAILABLE ->
// UNAVAILABLE, UNKNOWN_* / NOT_FOUND -> NOT_FOUND, TIMEOUT -> DEADLINE_EXCEEDED, FENCED /
// OUT_OF_SEQUENCE -> FAILED_PRECONDITION, OFFSET_OUT_OF_RANGE -> OUT_OF_RANGE, ...). Client-side
// failures: bad arguments -> INVALID_ARGUMENT (rejected), a closed object -> FAILED_PRECONDITION
// (rejected), connection failures -> UNAVAILABLE, the overall deadline -> DEADLINE_EXCEEDED.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "client/protocol/error_code.h"

namespace mq::client {

inline constexpr char kDefinitePayloadUrl[] = "type.raftmq.dev/definite";
inline constexpr char kErrorCodePayloadUrl[] = "type.raftmq.dev/error_code";

// A failure with its definiteness (and, if given, the broker's error code) recorded as above.
// `code` must not be OK.
absl::Status MakeClientError(absl::StatusCode code, bool definite, std::string_view message,
                             std::optional<protocol::ErrorCode> broker_code = std::nullopt);

// True iff `status` is a failure that certainly did not take effect. OK -> false.
bool IsDefiniteFailure(const absl::Status& status);
// The broker's error code, when the failure came from a broker response.
std::optional<protocol::ErrorCode> BrokerErrorCode(const absl::Status& status);
// A short stable name for a failure: the broker's code name ("NOT_LEADER") when there is one,
// else the absl code name ("DEADLINE_EXCEEDED"); "OK" for OK.
std::string FailureCodeName(const absl::Status& status);
// The same failure, now marked unknown (message prefix and payload updated); OK stays OK.
absl::Status AsUnknown(const absl::Status& status);

}  // namespace mq::client
