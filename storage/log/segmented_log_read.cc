// SegmentedLog: the read path (Read, lazy loading of sealed segments, locating records).

#include <algorithm>
#include <cstring>
#include <mutex>

#include "absl/strings/str_format.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"
#include "storage/file/atomic_file.h"
#include "storage/log/segment_file.h"
#include "storage/log/segment_scanner.h"
#include "storage/log/segmented_log.h"

namespace mq::storage {
namespace {

// A .sidx holds 16 bytes per interval; anything near this is not one of ours.
constexpr uint64_t kSparseIndexFileBytesMax = uint64_t{64} << 20;
// Bounds of one pread on the read path: large enough that sequential reads cost one system
// call per several megabytes, small enough that a read of a few records does not pull in a
// whole segment.
constexpr uint64_t kReadChunkBytesMin = uint64_t{64} << 10;
constexpr uint64_t kReadChunkBytesMax = uint64_t{8} << 20;
constexpr uint64_t kReadChunkBytesPerRecord = uint64_t{64} << 10;

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
uint64_t SaturatingMul(uint64_t a, uint64_t b) {
  return (b != 0 && a > UINT64_MAX / b) ? UINT64_MAX : a * b;
}

}  // namespace

absl::StatusOr<std::vector<Record>> SegmentedLog::Read(uint64_t first_index, uint64_t bytes_max,
                                                       uint64_t count_max) {
  std::vector<Record> out;
  ReadGate reading(*this, /*exclusive=*/false);
  {
    std::lock_guard<std::mutex> lock(mu_);
    MQ_RETURN_IF_ERROR(CheckUsableLocked());
    if (first_index < first_index_ || first_index > last_index_ + 1) {
      return absl::OutOfRangeError(
          absl::StrFormat("read of index %u from %s: the log holds indexes [%u, %u]", first_index,
                          dir_, first_index_, last_index_));
    }
  }
  ReadBudget budget{bytes_max, count_max, &out};
  uint64_t next = first_index;
  while (!budget.full()) {
    std::shared_ptr<Segment> segment;
    std::shared_ptr<const LoadedSegment> loaded;
    std::shared_ptr<File> active_file;
    uint64_t active_bytes = 0;
    SparseIndex::Point start{0, 0};
    uint64_t end_index = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (next > last_index_) break;
      segment = FindSegmentLocked(next);
      if (segment == nullptr) {
        return absl::OutOfRangeError(absl::StrFormat(
            "read of index %u from %s: dropped while reading (first index is now %u)", next, dir_,
            first_index_));
      }
      if (segment == segments_.back()) {
        if (next > active_file_last_index_) {
          MQ_RETURN_IF_ERROR(ReadMemoryLocked(next, budget));
          continue;
        }
        active_file = active_file_;
        active_bytes = active_file_bytes_;
        start = active_index_.Floor(next);
        end_index = active_file_last_index_;
      } else {
        loaded = segment->loaded;
        end_index = segment->last_index;
      }
    }
    if (active_file != nullptr) {
      MQ_RETURN_IF_ERROR(ReadFromFile(*active_file, active_bytes, start, end_index,
                                      /*whole_segment=*/false, next, budget));
      continue;
    }
    if (loaded == nullptr) {
      absl::StatusOr<std::shared_ptr<const LoadedSegment>> load = LoadSealed(segment);
      if (!load.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        if (next < first_index_) {
          return absl::OutOfRangeError(absl::StrFormat(
              "read of index %u from %s: dropped while reading (first index is now %u)", next, dir_,
              first_index_));
        }
        return load.status();
      }
      loaded = *std::move(load);
    }
    MQ_RETURN_IF_ERROR(ReadFromFile(*loaded->file, loaded->file_bytes, loaded->index.Floor(next),
                                    end_index, /*whole_segment=*/true, next, budget));
  }
  return out;
}

absl::Status SegmentedLog::ReadFromFile(File& file, uint64_t file_bytes, SparseIndex::Point start,
                                        uint64_t end_index, bool whole_segment, uint64_t& next,
                                        ReadBudget& budget) {
  // Records returned point into `chunk`; a new chunk is allocated (never reused) when the next
  // record is not in the current one, so earlier records stay valid.
  std::shared_ptr<char[]> chunk;
  uint64_t chunk_offset = 0;
  size_t chunk_size = 0;
  auto window = [&](uint64_t position, size_t size) -> absl::StatusOr<const char*> {
    if (chunk != nullptr && position >= chunk_offset &&
        position + size <= chunk_offset + chunk_size) {
      return chunk.get() + (position - chunk_offset);
    }
    const uint64_t payload_left = budget.bytes_max - std::min(budget.bytes, budget.bytes_max);
    const uint64_t count_left = budget.count_max - budget.count;
    uint64_t want = SaturatingAdd(payload_left, options_.index_interval_bytes + kReadChunkBytesMin);
    want = std::min(want, SaturatingAdd(options_.index_interval_bytes,
                                        SaturatingMul(count_left, kReadChunkBytesPerRecord)));
    want = std::clamp(want, kReadChunkBytesMin, kReadChunkBytesMax);
    want = std::max<uint64_t>(size, std::min(want, file_bytes - position));
    // Uninitialized on purpose: pread fills it.
    chunk = std::shared_ptr<char[]>(new char[want]);
    chunk_offset = position;
    chunk_size = 0;
    MQ_ASSIGN_OR_RETURN(const size_t got, file.ReadAt(position, chunk.get(), want));
    if (got != want) {
      return absl::DataLossError(absl::StrFormat("%s: short read at offset %u (%u of %u bytes)",
                                                 file.path(), position, got, want));
    }
    chunk_size = static_cast<size_t>(want);
    return chunk.get();
  };

  uint64_t position = start.position;
  uint64_t index = start.index;
  while (index <= end_index && !budget.full()) {
    if (file_bytes - position < kRecordHeaderBytes) {
      return absl::DataLossError(
          absl::StrFormat("%s: record %u expected at offset %u, but the segment ends at %u",
                          file.path(), index, position, file_bytes));
    }
    MQ_ASSIGN_OR_RETURN(const char* header_bytes, window(position, kRecordHeaderBytes));
    const RecordHeader header = DecodeRecordHeader(header_bytes);
    if (header.index != index) {
      return absl::DataLossError(absl::StrFormat(
          "%s: index discontinuity at offset %u: found index %u where %u was expected", file.path(),
          position, header.index, index));
    }
    if (header.payload_length > options_.record_payload_bytes_max) {
      return absl::DataLossError(absl::StrFormat(
          "%s: record %u at offset %u has a payload length of %u, above the limit of %u",
          file.path(), index, position, header.payload_length, options_.record_payload_bytes_max));
    }
    const uint64_t record_bytes = RecordBytes(header.payload_length);
    if (record_bytes > file_bytes - position) {
      return absl::DataLossError(
          absl::StrFormat("%s: record %u at offset %u runs past the end of the segment (%u bytes)",
                          file.path(), index, position, file_bytes));
    }
    if (index >= next) {
      if (!budget.Take(header.payload_length)) break;
      MQ_ASSIGN_OR_RETURN(const char* record, window(position, static_cast<size_t>(record_bytes)));
      if (!RecordCrcMatches(record, static_cast<size_t>(record_bytes))) {
        return absl::DataLossError(absl::StrFormat(
            "%s: checksum mismatch in record %u at offset %u", file.path(), index, position));
      }
      budget.out->push_back(
          Record{index, header.tag, header.kind, header.flags,
                 std::string_view(record + kRecordHeaderBytes, header.payload_length), chunk});
      next = index + 1;
    }
    position += record_bytes;
    ++index;
  }
  if (whole_segment && index > end_index && position != file_bytes) {
    return absl::DataLossError(absl::StrFormat(
        "%s: %u bytes at offset %u follow the segment's last index %u (overlap with the next "
        "segment)",
        file.path(), file_bytes - position, position, end_index));
  }
  return absl::OkStatus();
}

absl::Status SegmentedLog::ReadMemoryLocked(uint64_t& next, ReadBudget& budget) {
  struct Region {
    const std::string* bytes;
    uint64_t file_offset;  // where these bytes will land in the file
    uint64_t first_index;
    uint64_t last_index;
  };
  const Region regions[] = {
      {&flushing_, active_file_bytes_, active_file_last_index_ + 1, flushing_last_index_},
      {&buffer_, active_file_bytes_ + flushing_.size(), flushing_last_index_ + 1, last_index_},
  };
  struct Pending {
    size_t offset;  // in the copy
    RecordHeader header;
  };
  std::vector<Pending> pending;
  for (const Region& region : regions) {
    if (budget.full()) break;
    if (next > region.last_index || region.first_index > region.last_index) continue;
    const char* base = region.bytes->data();
    // Walk to `next` from the nearest index point inside this region.
    size_t offset = 0;
    uint64_t index = region.first_index;
    const SparseIndex::Point point = active_index_.Floor(next);
    if (point.index >= region.first_index && point.position >= region.file_offset) {
      offset = static_cast<size_t>(point.position - region.file_offset);
      index = point.index;
    }
    for (; index < next; ++index) {
      offset += RecordBytes(DecodeRecordHeader(base + offset).payload_length);
    }
    const size_t run_start = offset;
    pending.clear();
    for (; index <= region.last_index; ++index) {
      const RecordHeader header = DecodeRecordHeader(base + offset);
      if (!budget.Take(header.payload_length)) break;
      pending.push_back({offset - run_start, header});
      offset += RecordBytes(header.payload_length);
    }
    if (pending.empty()) break;
    // One copy per region: the buffers are reused after being written, so records cannot point
    // into them.
    std::shared_ptr<char[]> copy(new char[offset - run_start]);
    std::memcpy(copy.get(), base + run_start, offset - run_start);
    for (const Pending& p : pending) {
      const char* record = copy.get() + p.offset;
      const uint64_t record_bytes = RecordBytes(p.header.payload_length);
      if (p.header.index != next || !RecordCrcMatches(record, static_cast<size_t>(record_bytes))) {
        return absl::DataLossError(
            absl::StrFormat("log %s: unwritten record %u failed its check in memory", dir_, next));
      }
      budget.out->push_back(
          Record{p.header.index, p.header.tag, p.header.kind, p.header.flags,
                 std::string_view(record + kRecordHeaderBytes, p.header.payload_length), copy});
      ++next;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const SegmentedLog::LoadedSegment>> SegmentedLog::LoadSealed(
    const std::shared_ptr<Segment>& segment) {
  std::lock_guard<std::mutex> loading(load_mu_);
  uint64_t first;
  uint64_t last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (segment->loaded != nullptr) return segment->loaded;
    first = segment->first_index;
    last = segment->last_index;
  }
  const std::string path = SegmentPath(first);
  auto loaded = std::make_shared<LoadedSegment>();
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs_.Open(path, OpenMode::kReadOnly));
  loaded->file = std::move(file);
  MQ_ASSIGN_OR_RETURN(loaded->file_bytes, loaded->file->Size());
  std::string header(
      static_cast<size_t>(std::min<uint64_t>(loaded->file_bytes, kSegmentHeaderBytes)), '\0');
  MQ_ASSIGN_OR_RETURN(const size_t got, loaded->file->ReadAt(0, header.data(), header.size()));
  header.resize(got);
  MQ_ASSIGN_OR_RETURN(const uint64_t header_first, DecodeSegmentHeader(header, path));
  if (header_first != first) {
    return absl::DataLossError(absl::StrFormat(
        "segment %s: header says first index %u, the name says %u", path, header_first, first));
  }

  const std::string index_path = SparseIndexPath(first);
  absl::StatusOr<std::string> image = ReadWholeFile(fs_, index_path, kSparseIndexFileBytesMax);
  absl::Status index_status = image.status();
  if (image.ok()) {
    absl::StatusOr<SparseIndex> decoded =
        SparseIndex::Decode(*image, first, last, loaded->file_bytes, options_.index_interval_bytes);
    if (decoded.ok()) {
      loaded->index = *std::move(decoded);
    } else {
      index_status = decoded.status();
    }
  }
  if (!index_status.ok()) {
    // Rebuild by scanning the whole segment, which also checks every record in it.
    SparseIndex index(options_.index_interval_bytes);
    SegmentScanner scanner(*loaded->file, loaded->file_bytes, kSegmentHeaderBytes, first,
                           options_.record_payload_bytes_max);
    for (;;) {
      MQ_ASSIGN_OR_RETURN(const SegmentScanner::Item item, scanner.Next());
      if (item.outcome == SegmentScanner::Outcome::kEnd) break;
      if (item.outcome == SegmentScanner::Outcome::kBad) {
        return absl::DataLossError(
            absl::StrFormat("segment %s: %s at offset %u", path, item.reason, item.offset));
      }
      index.OnRecord(item.header.index, item.offset);
    }
    if (scanner.expected_index() != last + 1) {
      return absl::DataLossError(absl::StrFormat(
          "segment %s: holds indexes [%u, %u] but the next segment starts at %u (%s)", path, first,
          scanner.expected_index() - 1, last + 1,
          scanner.expected_index() <= last ? "gap" : "overlap"));
    }
    loaded->index = std::move(index);
    if (!absl::IsNotFound(index_status)) {
      // Removed so that the next Open writes a good one (only the owner writes files).
      LogWarning(absl::StrFormat("segment %s: %s; rebuilt in memory by scanning the segment", path,
                                 index_status.message()));
      (void)fs_.Remove(index_path);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (segment->loaded == nullptr) segment->loaded = std::move(loaded);
  return segment->loaded;
}

absl::StatusOr<uint64_t> SegmentedLog::FindRecordOffset(File& file, uint64_t file_bytes,
                                                        SparseIndex::Point start, uint64_t index) {
  SegmentScanner scanner(file, file_bytes, start.position, start.index,
                         options_.record_payload_bytes_max);
  while (scanner.expected_index() < index) {
    MQ_ASSIGN_OR_RETURN(const SegmentScanner::Item item, scanner.Next());
    if (item.outcome == SegmentScanner::Outcome::kEnd) {
      return absl::DataLossError(
          absl::StrFormat("%s: record %u not found: the segment ends at offset %u after index %u",
                          file.path(), index, item.offset, scanner.expected_index() - 1));
    }
    if (item.outcome == SegmentScanner::Outcome::kBad) {
      return absl::DataLossError(
          absl::StrFormat("%s: %s at offset %u", file.path(), item.reason, item.offset));
    }
  }
  return scanner.offset();
}

}  // namespace mq::storage
