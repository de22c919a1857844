#pragma once

// The record, the unit of the segmented log, as it lies in a segment file:
//
//    0        4                8                16               24       26       28
//    +--------+----------------+----------------+----------------+--------+--------+-----------+
//    | crc32c | payload_length |     index      |      tag       |  kind  | flags  |  payload  |
//    |  u32   |      u32       |      u64       |      u64       |  u16   |  u16   | length B  |
//    +--------+----------------+----------------+----------------+--------+--------+-----------+
//             |<------------------ covered by crc32c (everything after the crc) ------------->|
//
// All integers little-endian (storage/base/coding.h). `tag`, `kind` and `flags` are opaque to
// storage (the broker puts the Raft term and entry type there). Records follow each other with
// no padding; a reader checks payload_length against a limit before allocating for it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace mq::storage {

inline constexpr size_t kRecordCrcOffset = 0;
inline constexpr size_t kRecordLengthOffset = 4;
inline constexpr size_t kRecordIndexOffset = 8;
inline constexpr size_t kRecordTagOffset = 16;
inline constexpr size_t kRecordKindOffset = 24;
inline constexpr size_t kRecordFlagsOffset = 26;
inline constexpr size_t kRecordHeaderBytes = 28;

// Torn-write detection works on the device sector size: a write that was never made durable
// shows up after power loss as whole 512-byte sectors reading as zeros.
inline constexpr uint64_t kSectorBytes = 512;

// The decoded fixed part of a record.
struct RecordHeader {
  uint32_t crc = 0;
  uint32_t payload_length = 0;
  uint64_t index = 0;
  uint64_t tag = 0;
  uint16_t kind = 0;
  uint16_t flags = 0;
};

// A record handed out by SegmentedLog::Read. `payload` points into memory that `storage` keeps
// alive (one buffer is shared by the records of one read), so copying a Record is cheap.
struct Record {
  uint64_t index = 0;
  uint64_t tag = 0;
  uint16_t kind = 0;
  uint16_t flags = 0;
  std::string_view payload;
  std::shared_ptr<const char[]> storage;
};

inline uint64_t RecordBytes(uint64_t payload_length) { return kRecordHeaderBytes + payload_length; }

// Writes the header of a record carrying `payload` into out[0, kRecordHeaderBytes), crc included.
void EncodeRecordHeader(uint64_t index, uint64_t tag, uint16_t kind, uint16_t flags,
                        std::string_view payload, char* out);

// Decodes in[0, kRecordHeaderBytes); checks nothing.
RecordHeader DecodeRecordHeader(const char* in);

// The crc a record with this header and payload must carry (computed over header[4, 28) and the
// payload; the stored crc field itself is ignored).
uint32_t ComputeRecordCrc(const char* header, std::string_view payload);

// True when `record` (a header followed by its payload_length payload bytes) carries a matching
// crc. Requires record_bytes == RecordBytes(payload_length of the header).
bool RecordCrcMatches(const char* record, size_t record_bytes);

// True when data[0, size) is all zeros.
bool AllZero(const char* data, size_t size);

// True when some 512-byte-aligned piece of the byte range [file_offset, file_offset + size) --
// whose contents are data[0, size) -- is all zeros: the signature of a lost, unsynced sector.
bool HasZeroSectorPiece(const char* data, size_t size, uint64_t file_offset);

}  // namespace mq::storage
