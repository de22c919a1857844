#pragma once

// SnapshotCursor: bounds-checked little-endian reads from a byte string, for the data group's
// snapshot sections. Every read fails (returns false and consumes nothing) rather than read
// past the end, so decoders of untrusted bytes stay simple and safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/base/coding.h"

namespace mq::broker {

class SnapshotCursor {
 public:
  explicit SnapshotCursor(std::string_view in) : in_(in) {}

  bool ReadU8(uint8_t* v) {
    if (in_.empty()) return false;
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool ReadU16(uint16_t* v) {
    if (in_.size() < 2) return false;
    *v = static_cast<uint16_t>(static_cast<uint8_t>(in_[0]) |
                               (static_cast<uint16_t>(static_cast<uint8_t>(in_[1])) << 8));
    in_.remove_prefix(2);
    return true;
  }
  bool ReadU32(uint32_t* v) {
    if (in_.size() < 4) return false;
    *v = DecodeFixed32(in_.data());
    in_.remove_prefix(4);
    return true;
  }
  bool ReadU64(uint64_t* v) {
    if (in_.size() < 8) return false;
    *v = DecodeFixed64(in_.data());
    in_.remove_prefix(8);
    return true;
  }
  // `n` bytes as a view into the input.
  bool ReadBytes(size_t n, std::string_view* v) {
    if (in_.size() < n) return false;
    *v = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  // A u16 length, then that many bytes.
  bool ReadString16(std::string_view* v) {
    uint16_t n = 0;
    std::string_view save = in_;
    if (!ReadU16(&n) || !ReadBytes(n, v)) {
      in_ = save;
      return false;
    }
    return true;
  }

  std::string_view remaining() const { return in_; }

 private:
  std::string_view in_;
};

inline void PutFixed16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}

// A u16 length, then the bytes (at most 65535; programmer error beyond).
inline void PutString16(std::string* out, std::string_view s) {
  PutFixed16(out, static_cast<uint16_t>(s.size()));
  out->append(s);
}

}  // namespace mq::broker
