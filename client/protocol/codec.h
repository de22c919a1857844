#pragma once

// Requests and responses (client/protocol/messages.h) to frame payloads and back.
//
// A payload is one FlatBuffers table of protocol.fbs, file identifier "RMQP". The payload does
// not name its type: the frame's api key and response flag do (a Produce payload may well
// parse as some other table), so decode with the type the frame header says. Decoding never
// trusts the bytes, in this order:
//  1. size: at most frame_bytes_max, at least a root offset and identifier;
//  2. the FlatBuffers Verifier, with alignment checks, table_depth_max and
//     tables_per_payload_max (a payload that does not start 8-byte aligned is first copied;
//     FrameDecoder's payloads always are);
//  3. semantic checks while converting: lengths of every string and list against the limits,
//     names, enum ranges, required fields, and a budget that refuses payloads whose offsets
//     share data (an honest encoder never shares, and sharing turns a small payload into a
//     huge decode).
// Every failure is InvalidArgument with a path to the field, e.g.
//   "ProduceRequest.topic: 300 bytes, more than name_bytes_max 127".
// Requests are checked strictly. Responses are checked for size only, so a client keeps
// working against a newer broker: unknown enum values and error codes decode as they are.
//
// A broker answers a request it cannot decode with INVALID_ARGUMENT, definite = true, and
// keeps the connection (a bad frame header, in contrast, closes it; see frame.h).
//
// Stateless functions: safe to call from any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"
#include "client/protocol/api_key.h"
#include "client/protocol/frame.h"
#include "client/protocol/limits.h"
#include "client/protocol/messages.h"
#include "flatbuffers/detached_buffer.h"

namespace mq::protocol {

// X(Name): the api whose key is ApiKey::kName, request NameRequest, response NameResponse. In
// api key order; DecodeRequest, the variants and the traits below are generated from it.
#define MQ_PROTOCOL_APIS(X) \
  X(Hello)                  \
  X(Metadata)               \
  X(CreateTopic)            \
  X(DeleteTopic)            \
  X(InitProducerId)         \
  X(Produce)                \
  X(Fetch)                  \
  X(ListOffsets)            \
  X(QueryMessageById)       \
  X(UpdateSubGroup)         \
  X(DeleteSubGroup)         \
  X(JoinGroup)              \
  X(Heartbeat)              \
  X(SyncGroup)              \
  X(LeaveGroup)             \
  X(CommitOffset)           \
  X(FetchOffset)            \
  X(ConsumerProgress)       \
  X(ClusterStatus)

// Which api a struct belongs to, and the other half of its exchange.
template <typename T>
struct ApiTraits;

#define MQ_PROTOCOL_TRAITS(Name)                           \
  template <>                                              \
  struct ApiTraits<Name##Request> {                        \
    static constexpr ApiKey kApiKey = ApiKey::k##Name;     \
    static constexpr bool kIsResponse = false;             \
    static constexpr const char* kName = #Name "Request";  \
    using Request = Name##Request;                         \
    using Response = Name##Response;                       \
  };                                                       \
  template <>                                              \
  struct ApiTraits<Name##Response> {                       \
    static constexpr ApiKey kApiKey = ApiKey::k##Name;     \
    static constexpr bool kIsResponse = true;              \
    static constexpr const char* kName = #Name "Response"; \
    using Request = Name##Request;                         \
    using Response = Name##Response;                       \
  };
MQ_PROTOCOL_APIS(MQ_PROTOCOL_TRAITS)
#undef MQ_PROTOCOL_TRAITS

// The payload of `message` (any request, any response, or ErrorResponse). The encoder does not
// judge what it is given: the receiver's decoder does.
template <typename T>
std::string Encode(const T& message);
// The same bytes in the FlatBufferBuilder's own buffer: no copy into a string (the client sends
// its requests from it and keeps it for retries).
template <typename T>
flatbuffers::DetachedBuffer EncodeBuffer(const T& message);

// Verifies and converts a payload of type T (see the top of this file).
template <typename T>
[[nodiscard]] absl::StatusOr<T> Decode(std::string_view payload,
                                       const ProtocolLimits& limits = ProtocolLimits());

#define MQ_PROTOCOL_REQUEST_TYPE(Name) Name##Request,
#define MQ_PROTOCOL_RESPONSE_TYPE(Name) Name##Response,
// Any request or response; the alternatives are in api key order, ending with a placeholder.
using Request = std::variant<MQ_PROTOCOL_APIS(MQ_PROTOCOL_REQUEST_TYPE) std::monostate>;
using Response = std::variant<MQ_PROTOCOL_APIS(MQ_PROTOCOL_RESPONSE_TYPE) std::monostate>;
#undef MQ_PROTOCOL_REQUEST_TYPE
#undef MQ_PROTOCOL_RESPONSE_TYPE

// Decodes the payload of a request frame with api key `key`, for a dispatcher. An api key that
// is not a client api (unknown, or a peer key) is InvalidArgument too: a broker checks
// IsClientApiKey first to answer UNSUPPORTED_API instead.
[[nodiscard]] absl::StatusOr<Request> DecodeRequest(
    ApiKey key, std::string_view payload, const ProtocolLimits& limits = ProtocolLimits());
[[nodiscard]] absl::StatusOr<Response> DecodeResponse(
    ApiKey key, std::string_view payload, const ProtocolLimits& limits = ProtocolLimits());
// The api of a decoded request or response (kNone for the placeholder).
ApiKey ApiKeyOf(const Request& request);
ApiKey ApiKeyOf(const Response& response);
std::string EncodeRequest(const Request& request);
std::string EncodeResponse(const Response& response);
// EncodeResponse's bytes in the builder's own buffer (the broker writes its answers from it).
flatbuffers::DetachedBuffer EncodeResponseBuffer(const Response& response);

// An ErrorResponse payload: readable as any response type (its other fields at defaults).
std::string EncodeErrorResponse(const ResponseHeader& header);

// Whole frames, header and payload in one string.
template <typename T>
std::string EncodeRequestFrame(uint64_t request_id, const T& request, uint16_t api_version = 0) {
  static_assert(!ApiTraits<T>::kIsResponse);
  return EncodeFrame({.flags = 0,
                      .api_key = ApiTraits<T>::kApiKey,
                      .api_version = api_version,
                      .request_id = request_id},
                     Encode(request));
}
template <typename T>
std::string EncodeResponseFrame(uint64_t request_id, const T& response, uint16_t api_version = 0) {
  static_assert(ApiTraits<T>::kIsResponse);
  return EncodeFrame({.flags = kFrameFlagResponse,
                      .api_key = ApiTraits<T>::kApiKey,
                      .api_version = api_version,
                      .request_id = request_id},
                     Encode(response));
}

}  // namespace mq::protocol
