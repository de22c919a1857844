// The codec's roots: Encode/Decode of whole payloads, dispatch by api key.

#include "client/protocol/codec.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "client/protocol/codec_internal.h"

namespace mq::protocol {
namespace {

using internal::Builder;
using internal::DecodeContext;

// The C++ enums are the wire enums: a cast converts them. Renumbering either side would break
// compatibility with running peers, so it must fail to compile.
#define MQ_SAME_VALUE(ours, wire) \
  static_assert(static_cast<int>(ours) == static_cast<int>(wire), #ours " != " #wire)
MQ_SAME_VALUE(MessageType::kNormal, fb::MessageType::NORMAL);
MQ_SAME_VALUE(MessageType::kFifo, fb::MessageType::FIFO);
MQ_SAME_VALUE(MessageType::kDelay, fb::MessageType::DELAY);
MQ_SAME_VALUE(MessageType::kTransaction, fb::MessageType::TRANSACTION);
MQ_SAME_VALUE(kMessageTypeLast, fb::MessageType::MAX);
MQ_SAME_VALUE(ConsumeMode::kClustering, fb::ConsumeMode::CLUSTERING);
MQ_SAME_VALUE(ConsumeMode::kBroadcasting, fb::ConsumeMode::BROADCASTING);
MQ_SAME_VALUE(kConsumeModeLast, fb::ConsumeMode::MAX);
MQ_SAME_VALUE(ReplicaRole::kVoter, fb::ReplicaRole::VOTER);
MQ_SAME_VALUE(ReplicaRole::kLearner, fb::ReplicaRole::LEARNER);
MQ_SAME_VALUE(kReplicaRoleLast, fb::ReplicaRole::MAX);
#undef MQ_SAME_VALUE
static_assert(sizeof(fb::MessageId) == 16 && sizeof(fb::ApiVersionRange) == 6);

// The Verifier reads scalars in place, so the buffer must be aligned for the widest (uint64).
constexpr size_t kBufferAlignBytes = alignof(uint64_t);
// A root offset and a file identifier.
constexpr size_t kBufferBytesMin = 8;

uint32_t ClampToUint32(uint64_t value) {
  return static_cast<uint32_t>(std::min<uint64_t>(value, std::numeric_limits<uint32_t>::max()));
}

// The builder's first allocation: enough for the messages that carry record batches, so it
// never regrows (each growth copies everything built so far).
constexpr size_t kBuilderBytesMin = 1024;
template <typename T>
size_t InitialBytes(const T&) {
  return kBuilderBytesMin;
}
size_t InitialBytes(const ProduceRequest& m) { return kBuilderBytesMin + m.record_batch.size(); }
size_t InitialBytes(const QueryMessageByIdResponse& m) {
  return kBuilderBytesMin + m.record_batch.size();
}
size_t InitialBytes(const FetchResponse& m) {
  size_t bytes = kBuilderBytesMin;
  for (const FetchedBatch& batch : m.batches) {
    bytes += 128 + batch.record_batch.size() + sizeof(uint32_t) * batch.slots.size();
  }
  return bytes;
}

template <typename T>
flatbuffers::DetachedBuffer EncodeRoot(const T& message) {
  Builder b(InitialBytes(message));
  b.Finish(internal::Write(b, message), internal::kFileIdentifier);
  return b.Release();
}

template <typename T, typename F>
absl::StatusOr<T> DecodeRoot(std::string_view payload, const ProtocolLimits& limits, bool response,
                             const char* name) {
  // Checked before the Verifier, which must not see a buffer of 2 GiB or more.
  const uint64_t bytes_max =
      std::min<uint64_t>(limits.frame_bytes_max, FLATBUFFERS_MAX_BUFFER_SIZE - 1);
  if (payload.size() > bytes_max) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: %d bytes, more than frame_bytes_max %d",
                                                      name, payload.size(), bytes_max));
  }
  if (payload.size() < kBufferBytesMin) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %d bytes is too short for a payload", name, payload.size()));
  }
  const auto* buffer = reinterpret_cast<const uint8_t*>(payload.data());
  std::unique_ptr<uint64_t[]> aligned;
  if (reinterpret_cast<uintptr_t>(buffer) % kBufferAlignBytes != 0) {
    aligned.reset(new uint64_t[(payload.size() + 7) / 8]);
    std::memcpy(aligned.get(), payload.data(), payload.size());
    buffer = reinterpret_cast<const uint8_t*>(aligned.get());
  }
  flatbuffers::Verifier::Options options;
  options.max_depth = ClampToUint32(limits.table_depth_max);
  options.max_tables = ClampToUint32(limits.tables_per_payload_max);
  options.check_alignment = true;
  flatbuffers::Verifier verifier(buffer, payload.size(), options);
  if (!verifier.VerifyBuffer<F>(internal::kFileIdentifier)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: %d bytes are not a valid %s (truncated, corrupt, wrong file identifier, or more "
        "than table_depth_max %d / tables_per_payload_max %d)",
        name, payload.size(), name, limits.table_depth_max, limits.tables_per_payload_max));
  }
  DecodeContext ctx(limits, payload.size(), response);
  T out;
  // The root offset.
  if (absl::Status status = ctx.Charge(4); !status.ok()) {
    return internal::Within(absl::StrFormat("%s.", name), status);
  }
  if (absl::Status status = internal::Read(*flatbuffers::GetRoot<F>(buffer), out, ctx);
      !status.ok()) {
    return internal::Within(absl::StrFormat("%s.", name), status);
  }
  return out;
}

std::string StringOf(const flatbuffers::DetachedBuffer& buffer) {
  return std::string(reinterpret_cast<const char*>(buffer.data()), buffer.size());
}

}  // namespace

#define MQ_PROTOCOL_DEFINE_ROOT(T, response)                                            \
  template <>                                                                           \
  flatbuffers::DetachedBuffer EncodeBuffer<T>(const T& message) {                       \
    return EncodeRoot(message);                                                         \
  }                                                                                     \
  template <>                                                                           \
  std::string Encode<T>(const T& message) {                                             \
    return StringOf(EncodeRoot(message));                                               \
  }                                                                                     \
  template <>                                                                           \
  absl::StatusOr<T> Decode<T>(std::string_view payload, const ProtocolLimits& limits) { \
    return DecodeRoot<T, fb::T>(payload, limits, response, #T);                         \
  }
#define MQ_PROTOCOL_DEFINE_API(Name)            \
  MQ_PROTOCOL_DEFINE_ROOT(Name##Request, false) \
  MQ_PROTOCOL_DEFINE_ROOT(Name##Response, true)
MQ_PROTOCOL_APIS(MQ_PROTOCOL_DEFINE_API)
MQ_PROTOCOL_DEFINE_ROOT(ErrorResponse, true)
#undef MQ_PROTOCOL_DEFINE_API
#undef MQ_PROTOCOL_DEFINE_ROOT

absl::StatusOr<Request> DecodeRequest(ApiKey key, std::string_view payload,
                                      const ProtocolLimits& limits) {
  switch (key) {
#define MQ_PROTOCOL_CASE(Name)                                                 \
  case ApiKey::k##Name: {                                                      \
    MQ_ASSIGN_OR_RETURN(auto request, Decode<Name##Request>(payload, limits)); \
    return Request(std::move(request));                                        \
  }
    MQ_PROTOCOL_APIS(MQ_PROTOCOL_CASE)
#undef MQ_PROTOCOL_CASE
    default:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("request with api key %s: not a client api", ApiKeyName(key)));
}

absl::StatusOr<Response> DecodeResponse(ApiKey key, std::string_view payload,
                                        const ProtocolLimits& limits) {
  switch (key) {
#define MQ_PROTOCOL_CASE(Name)                                                   \
  case ApiKey::k##Name: {                                                        \
    MQ_ASSIGN_OR_RETURN(auto response, Decode<Name##Response>(payload, limits)); \
    return Response(std::move(response));                                        \
  }
    MQ_PROTOCOL_APIS(MQ_PROTOCOL_CASE)
#undef MQ_PROTOCOL_CASE
    default:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("response with api key %s: not a client api", ApiKeyName(key)));
}

ApiKey ApiKeyOf(const Request& request) {
  return std::visit(
      [](const auto& r) -> ApiKey {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return ApiKey::kNone;
        } else {
          return ApiTraits<T>::kApiKey;
        }
      },
      request);
}

ApiKey ApiKeyOf(const Response& response) {
  return std::visit(
      [](const auto& r) -> ApiKey {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return ApiKey::kNone;
        } else {
          return ApiTraits<T>::kApiKey;
        }
      },
      response);
}

namespace {

// Request or Response: the payload of the alternative it holds (never the placeholder).
template <typename Variant>
flatbuffers::DetachedBuffer EncodeAlternative(const Variant& message) {
  return std::visit(
      [](const auto& m) -> flatbuffers::DetachedBuffer {
        using T = std::decay_t<decltype(m)>;
        MQ_CHECK_MSG((!std::is_same_v<T, std::monostate>), "encoding the placeholder");
        if constexpr (std::is_same_v<T, std::monostate>) {
          return {};
        } else {
          return EncodeBuffer(m);
        }
      },
      message);
}

}  // namespace

std::string EncodeRequest(const Request& request) { return StringOf(EncodeAlternative(request)); }

std::string EncodeResponse(const Response& response) {
  return StringOf(EncodeAlternative(response));
}

flatbuffers::DetachedBuffer EncodeResponseBuffer(const Response& response) {
  return EncodeAlternative(response);
}

std::string EncodeErrorResponse(const ResponseHeader& header) {
  return Encode(ErrorResponse{.header = header});
}

}  // namespace mq::protocol
