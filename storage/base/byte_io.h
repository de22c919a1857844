#pragma once

// Little-endian field writing and bounds-checked reading for the broker's small binary
// encodings (controller commands and snapshots, cluster.meta fingerprints, data group
// snapshots). Strings are a u32 length then the bytes; short strings a u16 length.
//
// ByteReader never trusts its input: every read checks the bytes left, every string and count
// is checked against a maximum BEFORE anything is allocated, and a count must also fit in the
// bytes left at `item_bytes_min` each, so a forged count cannot make a decoder allocate more
// than the input justifies. Errors carry the caller's status code (InvalidArgument for
// commands, DataLoss for stored state) and name `what` and the field.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "storage/base/coding.h"

namespace mq {

inline void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }
// A u32 byte count, then the bytes.
void PutString(std::string* out, std::string_view s);
// A u16 byte count, then the bytes (at most 65535: a programmer error beyond).
void PutShortString(std::string* out, std::string_view s);

class ByteReader {
 public:
  // `what` names the input in errors ("controller command", "controller snapshot").
  ByteReader(std::string_view bytes, std::string_view what,
             absl::StatusCode error_code = absl::StatusCode::kInvalidArgument)
      : bytes_(bytes), what_(what), error_code_(error_code) {}

  [[nodiscard]] absl::Status ReadU8(std::string_view field, uint8_t* v);
  [[nodiscard]] absl::Status ReadU16(std::string_view field, uint16_t* v);
  [[nodiscard]] absl::Status ReadU32(std::string_view field, uint32_t* v);
  [[nodiscard]] absl::Status ReadU64(std::string_view field, uint64_t* v);
  // A string of at most `bytes_max` bytes.
  [[nodiscard]] absl::Status ReadString(std::string_view field, uint64_t bytes_max,
                                        std::string* out);
  // A u16-length string (PutShortString).
  [[nodiscard]] absl::Status ReadShortString(std::string_view field, std::string* out);
  // A u32 item count of at most `count_max`, each item taking at least `item_bytes_min` bytes.
  [[nodiscard]] absl::Status ReadCount(std::string_view field, uint64_t count_max,
                                       uint64_t item_bytes_min, uint32_t* count);
  // Error unless every byte was read.
  [[nodiscard]] absl::Status ExpectEnd() const;

  size_t position() const { return position_; }
  size_t remaining() const { return bytes_.size() - position_; }
  // An error of this reader's code: "<what> at byte <position>: <field>: <detail>".
  absl::Status Error(std::string_view field, std::string_view detail) const;

 private:
  absl::Status Need(std::string_view field, uint64_t bytes) const;
  template <typename T, T (*Decode)(const char*)>
  absl::Status ReadFixed(std::string_view field, T* v);

  std::string_view bytes_;
  std::string_view what_;
  absl::StatusCode error_code_;
  size_t position_ = 0;
};

}  // namespace mq
