#include "broker/core/controller/byte_io.h"

#include "absl/strings/str_format.h"

namespace mq::broker {

void PutString(std::string* out, std::string_view s) {
  PutFixed32(out, static_cast<uint32_t>(s.size()));
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

absl::Status ByteReader::ReadU8(std::string_view field, uint8_t* v) {
  if (absl::Status s = Need(field, 1); !s.ok()) return s;
  *v = static_cast<uint8_t>(bytes_[position_]);
  position_ += 1;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadU32(std::string_view field, uint32_t* v) {
  if (absl::Status s = Need(field, 4); !s.ok()) return s;
  *v = DecodeFixed32(bytes_.data() + position_);
  position_ += 4;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadU64(std::string_view field, uint64_t* v) {
  if (absl::Status s = Need(field, 8); !s.ok()) return s;
  *v = DecodeFixed64(bytes_.data() + position_);
  position_ += 8;
  return absl::OkStatus();
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

}  // namespace mq::broker
