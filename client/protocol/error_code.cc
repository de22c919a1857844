#include "client/protocol/error_code.h"

#include <array>
#include <string_view>

#include "absl/strings/str_format.h"
#include "client/protocol/protocol_generated.h"

namespace mq::protocol {
namespace {

// The C++ enum is the wire enum: decoding is a cast. Renumbering either side would break
// compatibility with running peers, so it must fail to compile.
#define MQ_SAME_CODE(ours, wire)                                                            \
  static_assert(                                                                            \
      static_cast<uint16_t>(ErrorCode::ours) == static_cast<uint16_t>(fb::ErrorCode::wire), \
      #ours " != " #wire)
MQ_SAME_CODE(kOk, OK);
MQ_SAME_CODE(kNotLeader, NOT_LEADER);
MQ_SAME_CODE(kUnknownTopic, UNKNOWN_TOPIC);
MQ_SAME_CODE(kUnknownQueue, UNKNOWN_QUEUE);
MQ_SAME_CODE(kInvalidArgument, INVALID_ARGUMENT);
MQ_SAME_CODE(kMessageTypeMismatch, MESSAGE_TYPE_MISMATCH);
MQ_SAME_CODE(kTimeout, TIMEOUT);
MQ_SAME_CODE(kUnavailable, UNAVAILABLE);
MQ_SAME_CODE(kDuplicate, DUPLICATE);
MQ_SAME_CODE(kOutOfSequence, OUT_OF_SEQUENCE);
MQ_SAME_CODE(kFenced, FENCED);
MQ_SAME_CODE(kRebalanceInProgress, REBALANCE_IN_PROGRESS);
MQ_SAME_CODE(kOffsetOutOfRange, OFFSET_OUT_OF_RANGE);
MQ_SAME_CODE(kNotFound, NOT_FOUND);
MQ_SAME_CODE(kThrottled, THROTTLED);
MQ_SAME_CODE(kUnauthorized, UNAUTHORIZED);
MQ_SAME_CODE(kInternal, INTERNAL);
MQ_SAME_CODE(kUnsupportedApi, UNSUPPORTED_API);
MQ_SAME_CODE(kUnsupportedVersion, UNSUPPORTED_VERSION);
MQ_SAME_CODE(kAlreadyExists, ALREADY_EXISTS);
MQ_SAME_CODE(kUnknownGroup, UNKNOWN_GROUP);
MQ_SAME_CODE(kUnknownMember, UNKNOWN_MEMBER);
MQ_SAME_CODE(kUnknownProducer, UNKNOWN_PRODUCER);
MQ_SAME_CODE(kHelloRequired, HELLO_REQUIRED);
MQ_SAME_CODE(kTooLarge, TOO_LARGE);
#undef MQ_SAME_CODE
static_assert(static_cast<uint16_t>(kErrorCodeLast) == static_cast<uint16_t>(fb::ErrorCode::MAX),
              "a wire error code has no C++ value");

}  // namespace

std::string ErrorCodeName(ErrorCode code) {
  if (!IsKnownErrorCode(code)) {
    return absl::StrFormat("ERROR_CODE(%d)", static_cast<uint16_t>(code));
  }
  // The generated names are the wire spelling.
  return fb::EnumNameErrorCode(static_cast<fb::ErrorCode>(code));
}

bool IsKnownErrorCode(ErrorCode code) {
  return static_cast<uint16_t>(code) <= static_cast<uint16_t>(kErrorCodeLast);
}

bool IsSuccess(ErrorCode code) { return code == ErrorCode::kOk || code == ErrorCode::kDuplicate; }

bool IsRetriable(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotLeader:
    case ErrorCode::kTimeout:
    case ErrorCode::kUnavailable:
    case ErrorCode::kRebalanceInProgress:
    case ErrorCode::kThrottled:
      return true;
    default:
      return false;
  }
}

absl::StatusCode ToStatusCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
    case ErrorCode::kDuplicate:
      return absl::StatusCode::kOk;
    case ErrorCode::kNotLeader:
    case ErrorCode::kUnavailable:
    case ErrorCode::kRebalanceInProgress:
      return absl::StatusCode::kUnavailable;
    case ErrorCode::kUnknownTopic:
    case ErrorCode::kUnknownQueue:
    case ErrorCode::kNotFound:
    case ErrorCode::kUnknownGroup:
    case ErrorCode::kUnknownMember:
    case ErrorCode::kUnknownProducer:
      return absl::StatusCode::kNotFound;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMessageTypeMismatch:
    case ErrorCode::kTooLarge:
      return absl::StatusCode::kInvalidArgument;
    case ErrorCode::kTimeout:
      return absl::StatusCode::kDeadlineExceeded;
    case ErrorCode::kOutOfSequence:
    case ErrorCode::kFenced:
    case ErrorCode::kHelloRequired:
      return absl::StatusCode::kFailedPrecondition;
    case ErrorCode::kOffsetOutOfRange:
      return absl::StatusCode::kOutOfRange;
    case ErrorCode::kThrottled:
      return absl::StatusCode::kResourceExhausted;
    case ErrorCode::kUnauthorized:
      return absl::StatusCode::kPermissionDenied;
    case ErrorCode::kUnsupportedApi:
    case ErrorCode::kUnsupportedVersion:
      return absl::StatusCode::kUnimplemented;
    case ErrorCode::kAlreadyExists:
      return absl::StatusCode::kAlreadyExists;
    case ErrorCode::kInternal:
      return absl::StatusCode::kInternal;
  }
  return absl::StatusCode::kUnknown;  // a code from a newer peer
}

}  // namespace mq::protocol
