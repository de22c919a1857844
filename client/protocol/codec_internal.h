#pragma once

// Shared machinery of the codec (codec*.cc): per-table Write/Read functions, the decode
// context that applies limits and the sharing budget, and list helpers. Not for use outside
// client/protocol/.
//
// Each table T of protocol.fbs has, in the codec_<area>.cc that owns it:
//   flatbuffers::Offset<fb::T> Write(Builder& b, const T& m);
//   absl::Status Read(const fb::T& f, T& m, DecodeContext& ctx);
// Read converts and checks; its errors name the field relative to the table ("topic: ..."),
// and callers prefix the path ("topics[3]."), so a failure reads
// "MetadataResponse.topics[3].queues[0]...: ...".

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "client/protocol/codec.h"
#include "client/protocol/limits.h"
#include "client/protocol/messages.h"
#include "client/protocol/protocol_generated.h"
#include "flatbuffers/flatbuffers.h"
#include "storage/base/status_macros.h"

namespace mq::protocol::internal {

using Builder = flatbuffers::FlatBufferBuilder;
template <typename F>
using TableList = flatbuffers::Vector<flatbuffers::Offset<F>>;

inline constexpr const char* kFileIdentifier = "RMQP";

// Every table of protocol.fbs that has a C++ struct (the structs MessageId and ApiVersionRange
// are converted by hand).
#define MQ_PROTOCOL_SUB_TABLES(X) \
  X(LeaderHint)                   \
  X(ResponseHeader)               \
  X(ErrorResponse)                \
  X(Auth)                         \
  X(BrokerInfo)                   \
  X(GroupInfo)                    \
  X(QueueInfo)                    \
  X(TopicInfo)                    \
  X(FetchedBatch)                 \
  X(QueueRef)                     \
  X(QueueOffsetRange)             \
  X(Subscription)                 \
  X(SubGroupConfig)               \
  X(QueueOffset)                  \
  X(MemberInfo)                   \
  X(QueueProgress)                \
  X(BrokerStatus)                 \
  X(ReplicaStatus)                \
  X(GroupStatus)

// Applies the limits while one payload is converted.
class DecodeContext {
 public:
  DecodeContext(const ProtocolLimits& limits, uint64_t payload_bytes, bool response)
      : limits_(limits), payload_bytes_(payload_bytes), response_(response) {}

  const ProtocolLimits& limits() const { return limits_; }
  // Responses are checked for size only (see codec.h).
  bool response() const { return response_; }

  // Counts `bytes` of decoded data: 4 per table, string, vector (the offset that reaches it)
  // plus their contents. An honest payload holds each of those in distinct bytes, so the total
  // never passes the payload's size; more means offsets share data.
  absl::Status Charge(uint64_t bytes);

  // Topic and group names: in requests non-empty, at most name_bytes_max, of [A-Za-z0-9._%-]
  // and not "." or ".."; in responses only the length is checked.
  absl::Status Name(std::string_view field, std::string_view name) const;
  // As Name, but "" (absent) is fine.
  absl::Status OptionalName(std::string_view field, std::string_view name) const;
  // Length only.
  absl::Status Text(std::string_view field, std::string_view text, uint64_t max,
                    std::string_view limit_name) const;
  absl::Status Count(std::string_view field, uint64_t count, uint64_t max,
                     std::string_view limit_name) const;
  // Requests only: `value` is at most `last`.
  template <typename E>
  absl::Status Enum(std::string_view field, E value, E last, std::string (*name)(E)) const {
    if (response_ || static_cast<uint64_t>(value) <= static_cast<uint64_t>(last)) {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrFormat("%s: unknown value %s", field, name(value)));
  }

 private:
  const ProtocolLimits& limits_;
  uint64_t payload_bytes_;
  uint64_t decoded_bytes_ = 0;
  bool response_;
};

// `status` (InvalidArgument) with `prefix` before its message.
absl::Status Within(std::string_view prefix, const absl::Status& status);
absl::Status Missing(std::string_view field);

#define MQ_PROTOCOL_DECLARE_TABLE(T)                        \
  flatbuffers::Offset<fb::T> Write(Builder& b, const T& m); \
  absl::Status Read(const fb::T& f, T& m, DecodeContext& ctx);
MQ_PROTOCOL_SUB_TABLES(MQ_PROTOCOL_DECLARE_TABLE)
#define MQ_PROTOCOL_DECLARE_API(Name)      \
  MQ_PROTOCOL_DECLARE_TABLE(Name##Request) \
  MQ_PROTOCOL_DECLARE_TABLE(Name##Response)
MQ_PROTOCOL_APIS(MQ_PROTOCOL_DECLARE_API)
#undef MQ_PROTOCOL_DECLARE_API
#undef MQ_PROTOCOL_DECLARE_TABLE

// --- Writing ------------------------------------------------------------------------------
// Empty strings and lists are left absent: they read back as empty.

flatbuffers::Offset<flatbuffers::String> WriteString(Builder& b, std::string_view s);
flatbuffers::Offset<flatbuffers::Vector<uint8_t>> WriteBytes(Builder& b, std::string_view s);

template <typename S>
flatbuffers::Offset<flatbuffers::Vector<S>> WriteScalars(Builder& b, const std::vector<S>& v) {
  if (v.empty()) return 0;
  return b.CreateVector(v);
}

template <typename T>
auto WriteList(Builder& b, const std::vector<T>& v)
    -> decltype(b.CreateVector(std::vector<decltype(Write(b, v.front()))>())) {
  if (v.empty()) return 0;
  std::vector<decltype(Write(b, v.front()))> offsets;
  offsets.reserve(v.size());
  for (const T& item : v) offsets.push_back(Write(b, item));
  return b.CreateVector(offsets);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> WriteStrings(
    Builder& b, const std::vector<std::string>& v);

// The header of a response: always present, so an empty OK header still decodes as one.
inline flatbuffers::Offset<fb::ResponseHeader> WriteHeader(Builder& b, const ResponseHeader& h) {
  return Write(b, h);
}

// --- Reading ------------------------------------------------------------------------------

absl::Status ReadString(std::string_view field, const flatbuffers::String* s, std::string& out,
                        DecodeContext& ctx);
absl::Status ReadBytes(std::string_view field, const flatbuffers::Vector<uint8_t>* v,
                       std::string& out, DecodeContext& ctx);

// The Verifier checks the alignment of a vector's length field, not of elements wider than it
// that follow; the builder always aligns them, so misaligned elements are a forged buffer (and
// reading them would be a misaligned load).
absl::Status CheckElementsAligned(std::string_view field, const void* data, size_t align);

// A vector of scalars, at most `max` of them.
template <typename S>
absl::Status ReadScalars(std::string_view field, const flatbuffers::Vector<S>* v,
                         std::vector<S>& out, uint64_t max, std::string_view limit_name,
                         DecodeContext& ctx) {
  if (v == nullptr) return absl::OkStatus();
  MQ_RETURN_IF_ERROR(CheckElementsAligned(field, v->Data(), alignof(S)));
  MQ_RETURN_IF_ERROR(ctx.Count(field, v->size(), max, limit_name));
  MQ_RETURN_IF_ERROR(ctx.Charge(4 + uint64_t{sizeof(S)} * v->size()));
  out.assign(v->begin(), v->end());
  return absl::OkStatus();
}

// A sub-table; absent leaves `out` at its defaults, unless `required`.
template <typename T, typename F>
absl::Status ReadTable(std::string_view field, const F* f, T& out, DecodeContext& ctx,
                       bool required = false) {
  if (f == nullptr) return required ? Missing(field) : absl::OkStatus();
  MQ_RETURN_IF_ERROR(ctx.Charge(4));
  if (absl::Status status = Read(*f, out, ctx); !status.ok()) {
    return Within(absl::StrFormat("%s.", field), status);
  }
  return absl::OkStatus();
}

// A vector of tables, at most items_per_list_max of them.
template <typename T, typename F>
absl::Status ReadList(std::string_view field, const TableList<F>* v, std::vector<T>& out,
                      DecodeContext& ctx) {
  if (v == nullptr) return absl::OkStatus();
  MQ_RETURN_IF_ERROR(
      ctx.Count(field, v->size(), ctx.limits().items_per_list_max, "items_per_list_max"));
  MQ_RETURN_IF_ERROR(ctx.Charge(4));
  out.resize(v->size());
  for (flatbuffers::uoffset_t i = 0; i < v->size(); ++i) {
    MQ_RETURN_IF_ERROR(ctx.Charge(4));
    if (absl::Status status = Read(*v->Get(i), out[i], ctx); !status.ok()) {
      return Within(absl::StrFormat("%s[%d].", field, i), status);
    }
  }
  return absl::OkStatus();
}

// Every response's field 0.
template <typename F>
absl::Status ReadHeader(const F& f, ResponseHeader& out, DecodeContext& ctx) {
  return ReadTable("header", f.header(), out, ctx, /*required=*/true);
}

}  // namespace mq::protocol::internal
