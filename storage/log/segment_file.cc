#include "storage/log/segment_file.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"

namespace mq::storage {
namespace {

constexpr size_t kMagicOffset = 4;
constexpr size_t kVersionOffset = 8;
constexpr size_t kFirstIndexOffset = 12;
constexpr size_t kIndexDigits = 20;

std::string NameWithSuffix(uint64_t first_index, std::string_view suffix) {
  return absl::StrFormat("%020u%s", first_index, suffix);
}

}  // namespace

std::string SegmentFileName(uint64_t first_index) {
  return NameWithSuffix(first_index, kSegmentSuffix);
}

std::string SparseIndexFileName(uint64_t first_index) {
  return NameWithSuffix(first_index, kSparseIndexSuffix);
}

std::optional<uint64_t> ParseLogFileName(std::string_view name, std::string_view suffix) {
  if (name.size() != kIndexDigits + suffix.size()) return std::nullopt;
  if (name.substr(kIndexDigits) != suffix) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < kIndexDigits; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;  // 20 digits can overflow u64
    value = value * 10 + digit;
  }
  return value;
}

std::string EncodeSegmentHeader(uint64_t first_index) {
  std::string header(kSegmentHeaderBytes, '\0');
  EncodeFixed32(header.data() + kMagicOffset, kSegmentMagic);
  header[kVersionOffset] = static_cast<char>(kSegmentVersion & 0xFF);
  header[kVersionOffset + 1] = static_cast<char>(kSegmentVersion >> 8);
  EncodeFixed64(header.data() + kFirstIndexOffset, first_index);
  EncodeFixed32(header.data(), Crc32c(header.data() + 4, kSegmentHeaderBytes - 4));
  return header;
}

absl::StatusOr<uint64_t> DecodeSegmentHeader(std::string_view bytes, std::string_view path) {
  if (bytes.size() < kSegmentHeaderBytes) {
    return absl::DataLossError(absl::StrFormat("segment %s: header is %u bytes, expected %u", path,
                                               bytes.size(), kSegmentHeaderBytes));
  }
  const char* p = bytes.data();
  if (Crc32c(p + 4, kSegmentHeaderBytes - 4) != DecodeFixed32(p)) {
    return absl::DataLossError(
        absl::StrFormat("segment %s: header checksum mismatch at offset 0", path));
  }
  if (DecodeFixed32(p + kMagicOffset) != kSegmentMagic) {
    return absl::DataLossError(
        absl::StrFormat("segment %s: bad magic at offset %u", path, kMagicOffset));
  }
  const uint16_t version = static_cast<uint16_t>(static_cast<uint8_t>(p[kVersionOffset]) |
                                                 static_cast<uint8_t>(p[kVersionOffset + 1]) << 8);
  if (version != kSegmentVersion) {
    return absl::DataLossError(
        absl::StrFormat("segment %s: unsupported format version %u (this build reads %u)", path,
                        version, kSegmentVersion));
  }
  return DecodeFixed64(p + kFirstIndexOffset);
}

bool IsTornSegmentHeader(std::string_view bytes) {
  if (bytes.size() < kSegmentHeaderBytes) return true;
  return std::all_of(bytes.begin(), bytes.begin() + kSegmentHeaderBytes,
                     [](char c) { return c == 0; });
}

}  // namespace mq::storage
