#include "storage/log/segment_scanner.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "storage/base/status_macros.h"

namespace mq::storage {

SegmentScanner::SegmentScanner(File& file, uint64_t file_bytes, uint64_t offset,
                               uint64_t expected_index, uint64_t payload_bytes_max,
                               size_t chunk_bytes)
    : file_(file),
      file_bytes_(file_bytes),
      offset_(offset),
      expected_index_(expected_index),
      payload_bytes_max_(payload_bytes_max),
      chunk_bytes_(std::max<size_t>(chunk_bytes, kRecordHeaderBytes)) {}

absl::StatusOr<const char*> SegmentScanner::Window(uint64_t position, size_t size) {
  if (position >= buffer_offset_ && position + size <= buffer_offset_ + buffer_size_) {
    return buffer_.get() + (position - buffer_offset_);
  }
  const size_t want = std::max<size_t>(
      size, static_cast<size_t>(std::min<uint64_t>(chunk_bytes_, file_bytes_ - position)));
  if (want > buffer_capacity_) {
    // Uninitialized on purpose: pread fills it.
    buffer_.reset(new char[want]);
    buffer_capacity_ = want;
  }
  buffer_size_ = 0;
  MQ_ASSIGN_OR_RETURN(const size_t read, file_.ReadAt(position, buffer_.get(), want));
  if (read != want) {
    return absl::DataLossError(absl::StrFormat(
        "%s: short read at offset %u (%u of %u bytes): file shrank while being scanned",
        file_.path(), position, read, want));
  }
  buffer_offset_ = position;
  buffer_size_ = want;
  return buffer_.get();
}

absl::StatusOr<SegmentScanner::Item> SegmentScanner::Next() {
  Item item;
  item.offset = offset_;
  if (offset_ >= file_bytes_) {
    item.outcome = Outcome::kEnd;
    return item;
  }
  item.outcome = Outcome::kBad;
  const uint64_t remaining = file_bytes_ - offset_;
  if (remaining < kRecordHeaderBytes) {
    item.looks_torn = true;
    item.reason = absl::StrFormat("incomplete record header (%u of %u bytes before end of file)",
                                  remaining, kRecordHeaderBytes);
    return item;
  }
  MQ_ASSIGN_OR_RETURN(const char* header_bytes, Window(offset_, kRecordHeaderBytes));
  item.header = DecodeRecordHeader(header_bytes);
  item.header_complete = true;
  const uint64_t record_bytes = RecordBytes(item.header.payload_length);
  if (record_bytes > remaining) {
    item.looks_torn = true;
    item.reason = absl::StrFormat(
        "record with a %u-byte payload runs past the end of the file (%u bytes left)",
        item.header.payload_length, remaining);
    return item;
  }
  if (item.header.payload_length > payload_bytes_max_) {
    item.reason = absl::StrFormat("payload length %u exceeds the limit of %u bytes",
                                  item.header.payload_length, payload_bytes_max_);
    return item;
  }
  MQ_ASSIGN_OR_RETURN(const char* record, Window(offset_, static_cast<size_t>(record_bytes)));
  if (!RecordCrcMatches(record, static_cast<size_t>(record_bytes))) {
    item.looks_torn = HasZeroSectorPiece(record, static_cast<size_t>(record_bytes), offset_);
    item.reason = "checksum mismatch";
    return item;
  }
  if (item.header.index != expected_index_) {
    item.crc_ok = true;
    item.reason = absl::StrFormat("index discontinuity: found index %u where %u was expected",
                                  item.header.index, expected_index_);
    return item;
  }
  item.outcome = Outcome::kRecord;
  item.payload = std::string_view(record + kRecordHeaderBytes, item.header.payload_length);
  offset_ += record_bytes;
  ++expected_index_;
  return item;
}

absl::StatusOr<bool> SegmentScanner::ZerosToEnd() {
  for (uint64_t position = offset_; position < file_bytes_;) {
    const size_t size =
        static_cast<size_t>(std::min<uint64_t>(chunk_bytes_, file_bytes_ - position));
    MQ_ASSIGN_OR_RETURN(const char* bytes, Window(position, size));
    if (!AllZero(bytes, size)) return false;
    position += size;
  }
  return true;
}

}  // namespace mq::storage
