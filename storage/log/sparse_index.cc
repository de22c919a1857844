#include "storage/log/sparse_index.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/log/segment_file.h"

namespace mq::storage {
namespace {

constexpr size_t kMagicOffset = 4;
constexpr size_t kVersionOffset = 8;
constexpr size_t kPointCountOffset = 12;
constexpr size_t kFirstIndexOffset = 16;
constexpr size_t kLastIndexOffset = 24;
constexpr size_t kSegmentBytesOffset = 32;

absl::Status Invalid(std::string_view why) {
  return absl::DataLossError(absl::StrFormat("invalid sparse index: %s", why));
}

}  // namespace

SparseIndex::Point SparseIndex::Floor(uint64_t index) const {
  // First point with a greater index, then one back.
  auto it = std::upper_bound(points_.begin(), points_.end(), index,
                             [](uint64_t i, const Point& p) { return i < p.index; });
  if (it == points_.begin()) return Point{0, 0};
  return *(it - 1);
}

void SparseIndex::TruncateFrom(uint64_t index) {
  auto it = std::lower_bound(points_.begin(), points_.end(), index,
                             [](const Point& p, uint64_t i) { return p.index < i; });
  points_.erase(it, points_.end());
}

std::string SparseIndex::Encode(uint64_t first_index, uint64_t last_index,
                                uint64_t segment_bytes) const {
  std::string image(kSparseIndexHeaderBytes + points_.size() * kSparseIndexPointBytes, '\0');
  char* p = image.data();
  EncodeFixed32(p + kMagicOffset, kSparseIndexMagic);
  p[kVersionOffset] = static_cast<char>(kSparseIndexVersion & 0xFF);
  p[kVersionOffset + 1] = static_cast<char>(kSparseIndexVersion >> 8);
  EncodeFixed32(p + kPointCountOffset, static_cast<uint32_t>(points_.size()));
  EncodeFixed64(p + kFirstIndexOffset, first_index);
  EncodeFixed64(p + kLastIndexOffset, last_index);
  EncodeFixed64(p + kSegmentBytesOffset, segment_bytes);
  char* out = p + kSparseIndexHeaderBytes;
  for (const Point& point : points_) {
    EncodeFixed64(out, point.index);
    EncodeFixed64(out + 8, point.position);
    out += kSparseIndexPointBytes;
  }
  EncodeFixed32(p, Crc32c(p + 4, image.size() - 4));
  return image;
}

absl::StatusOr<SparseIndex> SparseIndex::Decode(std::string_view image, uint64_t first_index,
                                                uint64_t last_index, uint64_t segment_bytes,
                                                uint64_t interval_bytes) {
  if (image.size() < kSparseIndexHeaderBytes) return Invalid("shorter than its header");
  const char* p = image.data();
  if (Crc32c(p + 4, image.size() - 4) != DecodeFixed32(p)) return Invalid("checksum mismatch");
  if (DecodeFixed32(p + kMagicOffset) != kSparseIndexMagic) return Invalid("bad magic");
  const uint16_t version = static_cast<uint16_t>(static_cast<uint8_t>(p[kVersionOffset]) |
                                                 static_cast<uint8_t>(p[kVersionOffset + 1]) << 8);
  if (version != kSparseIndexVersion) {
    return Invalid(absl::StrFormat("unsupported version %u", version));
  }
  const uint64_t count = DecodeFixed32(p + kPointCountOffset);
  if (image.size() != kSparseIndexHeaderBytes + count * kSparseIndexPointBytes) {
    return Invalid("size does not match its point count");
  }
  if (DecodeFixed64(p + kFirstIndexOffset) != first_index ||
      DecodeFixed64(p + kLastIndexOffset) != last_index ||
      DecodeFixed64(p + kSegmentBytesOffset) != segment_bytes) {
    return Invalid("describes a different segment (first/last index or size differ)");
  }
  SparseIndex index(interval_bytes);
  index.points_.reserve(count);
  const char* in = p + kSparseIndexHeaderBytes;
  for (uint64_t i = 0; i < count; ++i, in += kSparseIndexPointBytes) {
    const Point point{DecodeFixed64(in), DecodeFixed64(in + 8)};
    // The first point is the first record; points strictly increase and stay inside the
    // segment. Anything else would send reads to the wrong place.
    const bool ok = i == 0 ? (point.index == first_index && point.position == kSegmentHeaderBytes)
                           : (point.index > index.points_.back().index &&
                              point.position > index.points_.back().position);
    if (!ok || point.index > last_index || point.position >= segment_bytes) {
      return Invalid(absl::StrFormat("point %u (index %u, position %u) is out of order or range", i,
                                     point.index, point.position));
    }
    index.points_.push_back(point);
  }
  if (count == 0) return Invalid("no points");
  return index;
}

}  // namespace mq::storage
