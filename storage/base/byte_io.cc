#include "storage/base/byte_io.h"

#include "absl/strings/str_format.h"
#include "storage/base/status_macros.h"

namespace mq {

void PutString(std::string* out, std::string_view s) {
  PutFixed32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

void PutShortString(std::string* out, std::string_view s) {
  MQ_CHECK_MSG(s.size() <= UINT16_MAX, "a short string holds at most 65535 bytes");
  PutFixed16(out, static_cast<uint16_t>(s.size()));
  out->append(s);
}

absl::Status ByteReader::Error(std::string_view field, std::string_view detail) const {
  return absl::Status(error_code_,
                      absl::StrFormat("%s at byte %d: %s: %s", what_, position_, field, detail));
}

absl::Status ByteReader::Need(std::string_view field, uint64_t bytes) const {
  if (bytes <= remaining()) return absl::OkStatus();
  return Error(field, absl::StrFormat("needs %d bytes, only %d left", bytes, remaining()));
}

template <typename T, T (*Decode)(const char*)>
absl::Status ByteReader::ReadFixed(std::string_view field, T* v) {
  if (absl::Status s = Need(field, sizeof(T)); !s.ok()) return s;
  *v = Decode(bytes_.data() + position_);
  position_ += sizeof(T);
  return absl::OkStatus();
}

namespace {
uint8_t DecodeFixed8(const char* in) { return static_cast<uint8_t>(*in); }
}  // namespace

absl::Status ByteReader::ReadU8(std::string_view field, uint8_t* v) {
  return ReadFixed<uint8_t, DecodeFixed8>(field, v);
}
absl::Status ByteReader::ReadU16(std::string_view field, uint16_t* v) {
  return ReadFixed<uint16_t, DecodeFixed16>(field, v);
}
absl::Status ByteReader::ReadU32(std::string_view field, uint32_t* v) {
  return ReadFixed<uint32_t, DecodeFixed32>(field, v);
}
absl::Status ByteReader::ReadU64(std::string_view field, uint64_t* v) {
  return ReadFixed<uint64_t, DecodeFixed64>(field, v);
}

absl::Status ByteReader::ReadString(std::string_view field, uint64_t bytes_max, std::string* out) {
  uint32_t size = 0;
  if (absl::Status s = ReadU32(field, &size); !s.ok()) return s;
  if (size > bytes_max) {
    return Error(field, absl::StrFormat("%d bytes, more than the %d allowed", size, bytes_max));
  }
  if (absl::Status s = Need(field, size); !s.ok()) return s;
  out->assign(bytes_.data() + position_, size);
  position_ += size;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadShortString(std::string_view field, std::string* out) {
  uint16_t size = 0;
  if (absl::Status s = ReadU16(field, &size); !s.ok()) return s;
  if (absl::Status s = Need(field, size); !s.ok()) return s;
  out->assign(bytes_.data() + position_, size);
  position_ += size;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadCount(std::string_view field, uint64_t count_max,
                                   uint64_t item_bytes_min, uint32_t* count) {
  if (absl::Status s = ReadU32(field, count); !s.ok()) return s;
  if (*count > count_max) {
    return Error(field, absl::StrFormat("%d items, more than the %d allowed", *count, count_max));
  }
  if (static_cast<uint64_t>(*count) * item_bytes_min > remaining()) {
    return Error(field,
                 absl::StrFormat("%d items cannot fit in the %d bytes left", *count, remaining()));
  }
  return absl::OkStatus();
}

absl::Status ByteReader::ExpectEnd() const {
  if (remaining() == 0) return absl::OkStatus();
  return Error("end", absl::StrFormat("%d unexpected trailing bytes", remaining()));
}

}  // namespace mq
