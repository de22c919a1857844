#pragma once

// The protocol's error codes: every response's ResponseHeader carries one, with a message, a
// leader hint and the `definite` flag (see protocol.fbs and docs/protocol.md).
//
// The definite/unknown rule: a failure with definite = true certainly did not happen (the
// broker rejected it before it could take effect); definite = false means the outcome is
// unknown (e.g. TIMEOUT after the proposal was made: the batch may yet commit). Clients may
// retry a definite failure freely; an unknown one only if the operation is idempotent (an
// idempotent produce is: its retry is answered DUPLICATE).
//
// EVOLUTION: values are forever; new codes go at the end. Peers of other versions may send a
// code this build does not know: it decodes as is, ErrorCodeName prints it as a number, and it
// is not retriable.

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace mq::protocol {

enum class ErrorCode : uint16_t {
  kOk = 0,
  kNotLeader = 1,
  kUnknownTopic = 2,
  kUnknownQueue = 3,
  kInvalidArgument = 4,
  kMessageTypeMismatch = 5,
  kTimeout = 6,
  kUnavailable = 7,
  kDuplicate = 8,
  kOutOfSequence = 9,
  kFenced = 10,
  kRebalanceInProgress = 11,
  kOffsetOutOfRange = 12,
  kNotFound = 13,
  kThrottled = 14,
  kUnauthorized = 15,
  kInternal = 16,
  kUnsupportedApi = 17,
  kUnsupportedVersion = 18,
  kAlreadyExists = 19,
  kUnknownGroup = 20,
  kUnknownMember = 21,
  kUnknownProducer = 22,
  kHelloRequired = 23,
  kTooLarge = 24,
};
inline constexpr ErrorCode kErrorCodeLast = ErrorCode::kTooLarge;

// "NOT_LEADER" (the wire spelling), or "ERROR_CODE(99)" for a code this build does not know.
std::string ErrorCodeName(ErrorCode code);
bool IsKnownErrorCode(ErrorCode code);
// OK, and DUPLICATE (an idempotent retry of a batch already stored).
bool IsSuccess(ErrorCode code);
// Worth retrying as is, possibly elsewhere after a metadata refresh: NOT_LEADER, TIMEOUT,
// UNAVAILABLE, REBALANCE_IN_PROGRESS, THROTTLED. (A TIMEOUT retry is only safe for an
// idempotent operation; see the definite/unknown rule above.)
bool IsRetriable(ErrorCode code);
// The closest absl::StatusCode, for surfacing a response as an absl::Status.
absl::StatusCode ToStatusCode(ErrorCode code);

}  // namespace mq::protocol
