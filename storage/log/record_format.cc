#include "storage/log/record_format.h"

#include <algorithm>
#include <cstring>

#include "storage/base/coding.h"
#include "storage/base/crc32c.h"

namespace mq::storage {
namespace {

inline void EncodeFixed16(char* out, uint16_t v) {
  out[0] = static_cast<char>(v);
  out[1] = static_cast<char>(v >> 8);
}
inline uint16_t DecodeFixed16(const char* in) {
  return static_cast<uint16_t>(static_cast<uint8_t>(in[0]) |
                               (static_cast<uint16_t>(static_cast<uint8_t>(in[1])) << 8));
}

}  // namespace

void EncodeRecordHeader(uint64_t index, uint64_t tag, uint16_t kind, uint16_t flags,
                        std::string_view payload, char* out) {
  EncodeFixed32(out + kRecordLengthOffset, static_cast<uint32_t>(payload.size()));
  EncodeFixed64(out + kRecordIndexOffset, index);
  EncodeFixed64(out + kRecordTagOffset, tag);
  EncodeFixed16(out + kRecordKindOffset, kind);
  EncodeFixed16(out + kRecordFlagsOffset, flags);
  EncodeFixed32(out + kRecordCrcOffset, ComputeRecordCrc(out, payload));
}

RecordHeader DecodeRecordHeader(const char* in) {
  RecordHeader header;
  header.crc = DecodeFixed32(in + kRecordCrcOffset);
  header.payload_length = DecodeFixed32(in + kRecordLengthOffset);
  header.index = DecodeFixed64(in + kRecordIndexOffset);
  header.tag = DecodeFixed64(in + kRecordTagOffset);
  header.kind = DecodeFixed16(in + kRecordKindOffset);
  header.flags = DecodeFixed16(in + kRecordFlagsOffset);
  return header;
}

uint32_t ComputeRecordCrc(const char* header, std::string_view payload) {
  const uint32_t crc =
      Crc32c(header + kRecordLengthOffset, kRecordHeaderBytes - kRecordLengthOffset);
  return Crc32cExtend(crc, payload.data(), payload.size());
}

bool RecordCrcMatches(const char* record, size_t record_bytes) {
  // One pass over the contiguous bytes after the crc field.
  return Crc32c(record + kRecordLengthOffset, record_bytes - kRecordLengthOffset) ==
         DecodeFixed32(record + kRecordCrcOffset);
}

bool AllZero(const char* data, size_t size) {
  // Word at a time: this runs over whole records and runways on the recovery path, and both
  // can be megabytes.
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, data + i, sizeof word);
    if (word != 0) return false;
  }
  for (; i < size; ++i) {
    if (data[i] != 0) return false;
  }
  return true;
}

bool HasZeroSectorPiece(const char* data, size_t size, uint64_t file_offset) {
  size_t done = 0;
  while (done < size) {
    const uint64_t position = file_offset + done;
    const uint64_t sector_end = (position / kSectorBytes + 1) * kSectorBytes;
    const size_t piece =
        static_cast<size_t>(std::min<uint64_t>(sector_end - position, size - done));
    if (AllZero(data + done, piece)) return true;
    done += piece;
  }
  return false;
}

}  // namespace mq::storage
