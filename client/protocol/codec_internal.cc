#include "client/protocol/codec_internal.h"

#include <cstdint>
#include <string>

namespace mq::protocol::internal {

absl::Status DecodeContext::Charge(uint64_t bytes) {
  decoded_bytes_ += bytes;
  if (decoded_bytes_ > payload_bytes_) {
    return absl::InvalidArgumentError(
        absl::StrFormat("payload: decodes to more than its %d bytes (offsets share tables or data)",
                        payload_bytes_));
  }
  return absl::OkStatus();
}

absl::Status DecodeContext::Name(std::string_view field, std::string_view name) const {
  if (response_) return Text(field, name, limits_.name_bytes_max, "name_bytes_max");
  if (name.empty()) return absl::InvalidArgumentError(absl::StrFormat("%s: empty name", field));
  MQ_RETURN_IF_ERROR(Text(field, name, limits_.name_bytes_max, "name_bytes_max"));
  if (name == "." || name == "..") {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: \"%s\" is not a valid name", field, name));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '%' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: byte %d of the name is 0x%02x; names use only A-Z a-z 0-9 . _ %% -",
                          field, i, static_cast<unsigned char>(c)));
    }
  }
  return absl::OkStatus();
}

absl::Status DecodeContext::OptionalName(std::string_view field, std::string_view name) const {
  if (name.empty()) return absl::OkStatus();
  return Name(field, name);
}

absl::Status DecodeContext::Text(std::string_view field, std::string_view text, uint64_t max,
                                 std::string_view limit_name) const {
  if (text.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %d bytes, more than %s %d", field, text.size(), limit_name, max));
  }
  return absl::OkStatus();
}

absl::Status DecodeContext::Count(std::string_view field, uint64_t count, uint64_t max,
                                  std::string_view limit_name) const {
  if (count > max) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %d items, more than %s %d", field, count, limit_name, max));
  }
  return absl::OkStatus();
}

absl::Status CheckElementsAligned(std::string_view field, const void* data, size_t align) {
  if (reinterpret_cast<uintptr_t>(data) % align != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: elements are not %d-byte aligned (a forged buffer)", field, align));
  }
  return absl::OkStatus();
}

absl::Status Within(std::string_view prefix, const absl::Status& status) {
  return absl::InvalidArgumentError(absl::StrFormat("%s%s", prefix, status.message()));
}

absl::Status Missing(std::string_view field) {
  return absl::InvalidArgumentError(absl::StrFormat("%s: missing", field));
}

flatbuffers::Offset<flatbuffers::String> WriteString(Builder& b, std::string_view s) {
  if (s.empty()) return 0;
  return b.CreateString(s.data(), s.size());
}

flatbuffers::Offset<flatbuffers::Vector<uint8_t>> WriteBytes(Builder& b, std::string_view s) {
  if (s.empty()) return 0;
  return b.CreateVector(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> WriteStrings(
    Builder& b, const std::vector<std::string>& v) {
  if (v.empty()) return 0;
  std::vector<flatbuffers::Offset<flatbuffers::String>> offsets;
  offsets.reserve(v.size());
  // Never CreateSharedString: a decoder refuses shared data (DecodeContext::Charge).
  for (const std::string& s : v) offsets.push_back(b.CreateString(s));
  return b.CreateVector(offsets);
}

absl::Status ReadString(std::string_view field, const flatbuffers::String* s, std::string& out,
                        DecodeContext& ctx) {
  if (s == nullptr) return absl::OkStatus();
  if (absl::Status status = ctx.Charge(4 + uint64_t{s->size()}); !status.ok()) {
    return Within(absl::StrFormat("%s: ", field), status);
  }
  out.assign(s->data(), s->size());
  return absl::OkStatus();
}

absl::Status ReadBytes(std::string_view field, const flatbuffers::Vector<uint8_t>* v,
                       std::string& out, DecodeContext& ctx) {
  if (v == nullptr) return absl::OkStatus();
  if (absl::Status status = ctx.Charge(4 + uint64_t{v->size()}); !status.ok()) {
    return Within(absl::StrFormat("%s: ", field), status);
  }
  out.assign(reinterpret_cast<const char*>(v->data()), v->size());
  return absl::OkStatus();
}

// --- Tables every response shares ------------------------------------------------------------

flatbuffers::Offset<fb::LeaderHint> Write(Builder& b, const LeaderHint& m) {
  const auto address = WriteString(b, m.address);
  fb::LeaderHintBuilder t(b);
  t.add_group_id(m.group_id);
  t.add_broker_id(m.broker_id);
  t.add_address(address);
  return t.Finish();
}

absl::Status Read(const fb::LeaderHint& f, LeaderHint& m, DecodeContext& ctx) {
  m.group_id = f.group_id();
  m.broker_id = f.broker_id();
  MQ_RETURN_IF_ERROR(ReadString("address", f.address(), m.address, ctx));
  return ctx.Text("address", m.address, ctx.limits().address_bytes_max, "address_bytes_max");
}

flatbuffers::Offset<fb::ResponseHeader> Write(Builder& b, const ResponseHeader& m) {
  const auto message = WriteString(b, m.message);
  const bool has_hint = m.leader_hint != LeaderHint();
  const auto hint = has_hint ? Write(b, m.leader_hint) : 0;
  fb::ResponseHeaderBuilder t(b);
  t.add_error_code(static_cast<fb::ErrorCode>(m.error_code));
  t.add_message(message);
  if (has_hint) t.add_leader_hint(hint);
  t.add_definite(m.definite);
  return t.Finish();
}

absl::Status Read(const fb::ResponseHeader& f, ResponseHeader& m, DecodeContext& ctx) {
  // Any code decodes, known or not: a newer broker may send codes this build does not know.
  m.error_code = static_cast<ErrorCode>(f.error_code());
  MQ_RETURN_IF_ERROR(ReadString("message", f.message(), m.message, ctx));
  MQ_RETURN_IF_ERROR(ctx.Text("message", m.message, ctx.limits().error_message_bytes_max,
                              "error_message_bytes_max"));
  MQ_RETURN_IF_ERROR(ReadTable("leader_hint", f.leader_hint(), m.leader_hint, ctx));
  m.definite = f.definite();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::ErrorResponse> Write(Builder& b, const ErrorResponse& m) {
  const auto header = WriteHeader(b, m.header);
  fb::ErrorResponseBuilder t(b);
  t.add_header(header);
  return t.Finish();
}

absl::Status Read(const fb::ErrorResponse& f, ErrorResponse& m, DecodeContext& ctx) {
  return ReadHeader(f, m.header, ctx);
}

// --- Queue references, shared by several apis -------------------------------------------------

flatbuffers::Offset<fb::QueueRef> Write(Builder& b, const QueueRef& m) {
  const auto topic = WriteString(b, m.topic);
  fb::QueueRefBuilder t(b);
  t.add_topic(topic);
  t.add_queue_id(m.queue_id);
  return t.Finish();
}

absl::Status Read(const fb::QueueRef& f, QueueRef& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("topic", f.topic(), m.topic, ctx));
  MQ_RETURN_IF_ERROR(ctx.Name("topic", m.topic));
  m.queue_id = f.queue_id();
  return absl::OkStatus();
}

flatbuffers::Offset<fb::QueueOffset> Write(Builder& b, const QueueOffset& m) {
  const auto topic = WriteString(b, m.topic);
  fb::QueueOffsetBuilder t(b);
  t.add_topic(topic);
  t.add_queue_id(m.queue_id);
  t.add_offset(m.offset);
  return t.Finish();
}

absl::Status Read(const fb::QueueOffset& f, QueueOffset& m, DecodeContext& ctx) {
  MQ_RETURN_IF_ERROR(ReadString("topic", f.topic(), m.topic, ctx));
  MQ_RETURN_IF_ERROR(ctx.Name("topic", m.topic));
  m.queue_id = f.queue_id();
  m.offset = f.offset();
  return absl::OkStatus();
}

}  // namespace mq::protocol::internal
