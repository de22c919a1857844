#include "storage/file/fixed_unit_file.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"

namespace mq::storage {
namespace {

// Unit file header fields (see the box in the header file).
constexpr size_t kMagicOffset = 0;
constexpr size_t kVersionOffset = 4;
constexpr size_t kUnitBytesOffset = 8;
constexpr size_t kUnitsPerFileOffset = 12;
constexpr size_t kFirstUnitOffset = 16;
constexpr size_t kHeaderCrcOffset = 24;
static_assert(kHeaderCrcOffset + 4 <= FixedUnitFile::kHeaderBytes);

// State record payload: unit_bytes u32 | zero u32 | first u64 | end u64.
constexpr size_t kStateBytes = 24;

constexpr size_t kDigits = 20;

std::string EncodeHeader(uint32_t unit_bytes, uint32_t units_per_file, uint64_t first_unit) {
  std::string header(FixedUnitFile::kHeaderBytes, '\0');
  EncodeFixed32(&header[kMagicOffset], FixedUnitFile::kMagic);
  EncodeFixed32(&header[kVersionOffset], FixedUnitFile::kVersion);
  EncodeFixed32(&header[kUnitBytesOffset], unit_bytes);
  EncodeFixed32(&header[kUnitsPerFileOffset], units_per_file);
  EncodeFixed64(&header[kFirstUnitOffset], first_unit);
  EncodeFixed32(&header[kHeaderCrcOffset], Crc32c(header.data(), kHeaderCrcOffset));
  return header;
}

std::string EncodeState(uint32_t unit_bytes, uint64_t first, uint64_t end) {
  std::string state;
  PutFixed32(&state, unit_bytes);
  PutFixed32(&state, 0);
  PutFixed64(&state, first);
  PutFixed64(&state, end);
  return state;
}

// The first unit named by a unit file name, or nothing for names that are not unit files.
absl::StatusOr<std::optional<uint64_t>> ParseUnitFileName(std::string_view name,
                                                          const std::string& dir) {
  const std::string_view suffix = FixedUnitFile::kUnitFileSuffix;
  if (name.size() < suffix.size() || name.substr(name.size() - suffix.size()) != suffix) {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(0, name.size() - suffix.size());
  uint64_t first = 0;
  if (digits.size() != kDigits ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), &first)) {
    return absl::DataLossError(absl::StrFormat("%s: unit file name %s is not %d digits and %s", dir,
                                               name, kDigits, suffix));
  }
  return first;
}

// Creates `dir` and its missing parents, and makes their entries durable: a directory whose
// own name is not durable can vanish in a crash with everything synced inside it. The parent
// of `dir` is synced even when `dir` already existed, since an earlier Open may have died
// between creating it and syncing that parent.
absl::Status CreateDirsDurably(Filesystem& fs, const std::string& dir) {
  std::vector<std::string> missing;  // deepest first
  for (std::string level = dir;; level = DirName(level)) {
    MQ_ASSIGN_OR_RETURN(const bool exists, fs.Exists(level));
    if (exists) break;
    missing.push_back(level);
    if (DirName(level) == level) break;
  }
  if (!missing.empty()) MQ_RETURN_IF_ERROR(fs.CreateDirs(dir));
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    MQ_RETURN_IF_ERROR(fs.SyncDir(DirName(*it)));
  }
  if (missing.empty()) MQ_RETURN_IF_ERROR(fs.SyncDir(DirName(dir)));
  return absl::OkStatus();
}

}  // namespace

std::string FixedUnitFile::UnitFileName(uint64_t first_unit) {
  return absl::StrFormat("%020d%s", first_unit, kUnitFileSuffix);
}

FixedUnitFile::FixedUnitFile(Filesystem& fs, std::string dir, const FixedUnitFileOptions& options,
                             std::unique_ptr<MetaFile> state)
    : fs_(fs), dir_(std::move(dir)), options_(options), state_(std::move(state)) {}

absl::StatusOr<std::unique_ptr<FixedUnitFile>> FixedUnitFile::Open(
    Filesystem& fs, std::string dir, const FixedUnitFileOptions& options) {
  if (options.unit_bytes == 0 || options.unit_bytes > kUnitBytesMax) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: unit_bytes %d is not in [1, %d]", dir,
                                                      options.unit_bytes, kUnitBytesMax));
  }
  if (options.units_per_file == 0 ||
      options.units_per_file > (kFileBytesMax - kHeaderBytes) / options.unit_bytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: units_per_file %d must be at least 1 and keep a file within %d bytes",
                        dir, options.units_per_file, kFileBytesMax));
  }
  if (options.buffer_bytes_max < options.unit_bytes || options.buffer_bytes_max > kBufferBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: buffer_bytes_max %d is not in [unit_bytes %d, %d]", dir,
                        options.buffer_bytes_max, options.unit_bytes, kBufferBytesMax));
  }
  MQ_RETURN_IF_ERROR(CreateDirsDurably(fs, dir));
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<MetaFile> state,
                      MetaFile::Open(fs, JoinPath(dir, kStateFileName)));
  std::unique_ptr<FixedUnitFile> units(
      new FixedUnitFile(fs, std::move(dir), options, std::move(state)));
  MQ_RETURN_IF_ERROR(units->Recover());
  return units;
}

absl::Status FixedUnitFile::Recover() {
  const std::string state_path = JoinPath(dir_, kStateFileName);
  absl::StatusOr<std::string> state = state_->Read();
  bool have_state = true;
  if (absl::IsNotFound(state.status())) {
    have_state = false;
  } else if (!state.ok()) {
    return state.status();
  } else {
    if (state->size() != kStateBytes) {
      return absl::DataLossError(absl::StrFormat("%s: state record is %d bytes, expected %d",
                                                 state_path, state->size(), kStateBytes));
    }
    const uint32_t unit_bytes = DecodeFixed32(state->data());
    if (unit_bytes != options_.unit_bytes) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s was created with unit_bytes %d, opened with %d", dir_, unit_bytes,
                          options_.unit_bytes));
    }
    durable_first_ = DecodeFixed64(state->data() + 8);
    durable_end_ = DecodeFixed64(state->data() + 16);
    if (durable_first_ > durable_end_) {
      return absl::DataLossError(absl::StrFormat("%s: state record range [%d, %d) is inverted",
                                                 state_path, durable_first_, durable_end_));
    }
  }

  // Unit files by first unit.
  MQ_ASSIGN_OR_RETURN(const std::vector<std::string> names, fs_.ListDir(dir_));
  std::map<uint64_t, std::string> files;
  for (const std::string& name : names) {
    MQ_ASSIGN_OR_RETURN(const std::optional<uint64_t> first, ParseUnitFileName(name, dir_));
    if (first.has_value()) files[*first] = name;
  }
  if (!have_state) {
    if (!files.empty()) {
      return absl::DataLossError(absl::StrFormat(
          "%s holds unit files but its state record %s holds no state", dir_, state_path));
    }
    // Record the unit size now, so that a reopen with another one fails even while empty.
    MQ_RETURN_IF_ERROR(WriteState(0, 0));
    return absl::OkStatus();
  }
  // Classify: files that hold units of the durable range are verified and kept; the others
  // are leftovers of operations the state record does not cover.
  std::vector<uint64_t> leftovers;
  for (auto it = files.begin(); it != files.end(); ++it) {
    const uint64_t first = it->first;
    const auto next = std::next(it);
    const bool below = next != files.end() && next->first <= durable_first_;
    if (durable_first_ == durable_end_ || first >= durable_end_ || below) {
      leftovers.push_back(first);
      continue;
    }
    const std::string path = JoinPath(dir_, it->second);
    MQ_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs_.Open(path, OpenMode::kReadWrite));
    MQ_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
    std::string header(kHeaderBytes, '\0');
    MQ_ASSIGN_OR_RETURN(const size_t read, file->ReadAt(0, header.data(), header.size()));
    if (read < kHeaderBytes) {
      return absl::DataLossError(absl::StrFormat("%s: %d bytes, too short for its %d-byte header",
                                                 path, size, kHeaderBytes));
    }
    if (DecodeFixed32(&header[kMagicOffset]) != kMagic ||
        DecodeFixed32(&header[kHeaderCrcOffset]) != Crc32c(header.data(), kHeaderCrcOffset)) {
      return absl::DataLossError(
          absl::StrFormat("%s: header is damaged (bad magic or checksum)", path));
    }
    const uint32_t version = DecodeFixed32(&header[kVersionOffset]);
    if (version != kVersion) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s: format version %d; this build reads version %d", path, version, kVersion));
    }
    const uint32_t unit_bytes = DecodeFixed32(&header[kUnitBytesOffset]);
    const uint64_t capacity = DecodeFixed32(&header[kUnitsPerFileOffset]);
    const uint64_t header_first = DecodeFixed64(&header[kFirstUnitOffset]);
    if (unit_bytes != options_.unit_bytes || header_first != first || capacity == 0 ||
        capacity > (kFileBytesMax - kHeaderBytes) / unit_bytes) {
      return absl::DataLossError(absl::StrFormat(
          "%s: header says unit_bytes %d, units_per_file %d, first unit %d; expected unit_bytes "
          "%d and first unit %d",
          path, unit_bytes, capacity, header_first, options_.unit_bytes, first));
    }
    // Units of this file that the state record says are durable.
    const uint64_t expected = std::min(first + capacity, durable_end_) - first;
    const uint64_t on_disk = (size - kHeaderBytes) / unit_bytes;
    if (on_disk < expected) {
      return absl::DataLossError(
          absl::StrFormat("%s holds %d units; the durable range [%d, %d) needs %d of them", path,
                          on_disk, durable_first_, durable_end_, expected));
    }
    if (!segments_.empty()) {
      const auto& [prev_first, prev] = *segments_.rbegin();
      if (prev_first + prev.capacity != first) {
        return absl::DataLossError(
            absl::StrFormat("%s: starts at unit %d but the file before it ends at unit %d", path,
                            first, prev_first + prev.capacity));
      }
    } else if (first > durable_first_) {
      return absl::DataLossError(absl::StrFormat(
          "%s: units [%d, %d) of the durable range have no file", dir_, durable_first_, first));
    }
    Segment segment;
    segment.file = std::move(file);
    segment.capacity = capacity;
    segment.units = expected;
    // Past the durable units lies an unsynced tail (whole units or a torn one), dropped below.
    segment.dirty = size != kHeaderBytes + expected * unit_bytes;
    segments_.emplace(first, std::move(segment));
  }
  if (durable_first_ < durable_end_) {
    if (segments_.empty()) {
      return absl::DataLossError(absl::StrFormat("%s: the durable units [%d, %d) have no file",
                                                 dir_, durable_first_, durable_end_));
    }
    const auto& [last_first, last] = *segments_.rbegin();
    if (last_first + last.capacity < durable_end_) {
      return absl::DataLossError(absl::StrFormat("%s: the durable units [%d, %d) have no file",
                                                 dir_, last_first + last.capacity, durable_end_));
    }
  }
  // Nothing is changed on disk before the checks above have passed.
  for (auto& [first, segment] : segments_) {
    if (!segment.dirty) continue;
    const uint64_t keep_bytes = kHeaderBytes + segment.units * options_.unit_bytes;
    LogInfo(absl::StrFormat("%s: truncating to %d bytes, the end of the durable range [%d, %d)",
                            segment.file->path(), keep_bytes, durable_first_, durable_end_));
    MQ_RETURN_IF_ERROR(segment.file->Truncate(keep_bytes));
  }
  for (const uint64_t first : leftovers) {
    LogInfo(absl::StrFormat("%s: removing %s, outside the durable range [%d, %d)", dir_,
                            files[first], durable_first_, durable_end_));
    MQ_RETURN_IF_ERROR(fs_.Remove(JoinPath(dir_, files[first])));
    dir_dirty_ = true;
  }
  first_ = durable_first_;
  end_ = durable_end_;
  buffer_first_ = end_;
  return absl::OkStatus();
}

absl::Status FixedUnitFile::CheckUsable() const {
  if (broken_.ok()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrFormat(
      "%s is unusable after an earlier I/O error (%s); reopen it", dir_, broken_.ToString()));
}

absl::Status FixedUnitFile::Fail(absl::Status status) {
  if (!status.ok() && broken_.ok()) broken_ = status;
  return status;
}

absl::Status FixedUnitFile::WriteState(uint64_t first, uint64_t end) {
  MQ_RETURN_IF_ERROR(Fail(state_->Write(EncodeState(options_.unit_bytes, first, end))));
  durable_first_ = first;
  durable_end_ = end;
  return absl::OkStatus();
}

std::string FixedUnitFile::PathOf(uint64_t first_unit) const {
  return JoinPath(dir_, UnitFileName(first_unit));
}

absl::Status FixedUnitFile::FlushBuffer() {
  if (buffer_.empty()) return absl::OkStatus();
  auto& [first, segment] = *segments_.rbegin();
  const uint64_t offset = kHeaderBytes + (buffer_first_ - first) * options_.unit_bytes;
  MQ_RETURN_IF_ERROR(Fail(segment.file->WriteAt(offset, buffer_)));
  segment.dirty = true;
  buffer_.clear();
  buffer_first_ = end_;
  return absl::OkStatus();
}

absl::Status FixedUnitFile::CreateSegment(uint64_t first_unit) {
  const std::string path = PathOf(first_unit);
  absl::StatusOr<std::unique_ptr<File>> file = fs_.Open(path, OpenMode::kCreateExclusive);
  MQ_RETURN_IF_ERROR(Fail(file.status()));
  dir_dirty_ = true;
  MQ_RETURN_IF_ERROR(Fail(
      (*file)->WriteAt(0, EncodeHeader(options_.unit_bytes, options_.units_per_file, first_unit))));
  Segment segment;
  segment.file = *std::move(file);
  segment.capacity = options_.units_per_file;
  segment.dirty = true;
  segments_.emplace(first_unit, std::move(segment));
  return absl::OkStatus();
}

absl::Status FixedUnitFile::RemoveSegment(uint64_t first_unit) {
  segments_.erase(first_unit);
  dir_dirty_ = true;
  return Fail(fs_.Remove(PathOf(first_unit)));
}

absl::StatusOr<uint64_t> FixedUnitFile::Append(std::string_view unit) {
  MQ_RETURN_IF_ERROR(CheckUsable());
  if (unit.size() != options_.unit_bytes) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: unit of %d bytes, expected %d", dir_,
                                                      unit.size(), options_.unit_bytes));
  }
  if (segments_.empty() ||
      segments_.rbegin()->second.units == segments_.rbegin()->second.capacity) {
    MQ_RETURN_IF_ERROR(FlushBuffer());
    MQ_RETURN_IF_ERROR(CreateSegment(end_));
  }
  buffer_.append(unit);
  ++segments_.rbegin()->second.units;
  const uint64_t unit_number = end_++;
  if (buffer_.size() + options_.unit_bytes > options_.buffer_bytes_max) {
    MQ_RETURN_IF_ERROR(FlushBuffer());
  }
  return unit_number;
}

absl::StatusOr<std::string> FixedUnitFile::Read(uint64_t first_unit, uint64_t count) {
  MQ_RETURN_IF_ERROR(CheckUsable());
  if (first_unit < first_ || first_unit > end_ || count > end_ - first_unit) {
    return absl::OutOfRangeError(absl::StrFormat("%s: units [%d, %d) are outside [%d, %d)", dir_,
                                                 first_unit, first_unit + count, first_, end_));
  }
  std::string out(count * options_.unit_bytes, '\0');
  MQ_RETURN_IF_ERROR(ReadInto(first_unit, count, out.data()));
  return out;
}

absl::Status FixedUnitFile::ReadInto(uint64_t first_unit, uint64_t count, char* out) {
  MQ_RETURN_IF_ERROR(CheckUsable());
  if (first_unit < first_ || first_unit > end_ || count > end_ - first_unit) {
    return absl::OutOfRangeError(absl::StrFormat("%s: units [%d, %d) are outside [%d, %d)", dir_,
                                                 first_unit, first_unit + count, first_, end_));
  }
  const uint64_t unit_bytes = options_.unit_bytes;
  uint64_t unit = first_unit;
  const uint64_t end = first_unit + count;
  while (unit < end) {
    if (unit >= buffer_first_) {
      std::copy_n(buffer_.data() + (unit - buffer_first_) * unit_bytes, (end - unit) * unit_bytes,
                  out);
      return absl::OkStatus();
    }
    auto it = std::prev(segments_.upper_bound(unit));
    const uint64_t segment_end = std::min(it->first + it->second.units, buffer_first_);
    const uint64_t n = std::min(end, segment_end) - unit;
    const size_t want = n * unit_bytes;
    MQ_ASSIGN_OR_RETURN(
        const size_t got,
        it->second.file->ReadAt(kHeaderBytes + (unit - it->first) * unit_bytes, out, want));
    if (got != want) {
      return absl::DataLossError(absl::StrFormat(
          "%s: ends before unit %d (read %d of %d bytes); was it truncated behind our back?",
          it->second.file->path(), unit + got / unit_bytes, got, want));
    }
    out += want;
    unit += n;
  }
  return absl::OkStatus();
}

absl::Status FixedUnitFile::Sync() {
  MQ_RETURN_IF_ERROR(CheckUsable());
  MQ_RETURN_IF_ERROR(FlushBuffer());
  for (auto& [first, segment] : segments_) {
    if (!segment.dirty) continue;
    MQ_RETURN_IF_ERROR(Fail(segment.file->Sync()));
    segment.dirty = false;
  }
  if (dir_dirty_) {
    MQ_RETURN_IF_ERROR(Fail(fs_.SyncDir(dir_)));
    dir_dirty_ = false;
  }
  // Only now may the durable range grow over the units just synced.
  if (durable_first_ != first_ || durable_end_ != end_) {
    MQ_RETURN_IF_ERROR(WriteState(first_, end_));
  }
  return absl::OkStatus();
}

absl::Status FixedUnitFile::TruncateTo(uint64_t unit_count) {
  MQ_RETURN_IF_ERROR(CheckUsable());
  if (unit_count < first_) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: cannot truncate to %d units, below the first unit %d", dir_, unit_count, first_));
  }
  if (unit_count >= end_) return absl::OkStatus();
  // Narrow the durable range first: a crash after this point must not bring back the units
  // being removed, nor let a later append reuse their numbers with stale bytes.
  if (unit_count < durable_end_) {
    MQ_RETURN_IF_ERROR(WriteState(std::min(durable_first_, unit_count), unit_count));
  }
  if (unit_count >= buffer_first_) {
    buffer_.resize((unit_count - buffer_first_) * options_.unit_bytes);
    segments_.rbegin()->second.units -= end_ - unit_count;
    end_ = unit_count;
    return absl::OkStatus();
  }
  buffer_.clear();
  while (!segments_.empty() && segments_.rbegin()->first >= unit_count) {
    MQ_RETURN_IF_ERROR(RemoveSegment(segments_.rbegin()->first));
  }
  if (!segments_.empty()) {
    auto& [first, segment] = *segments_.rbegin();
    segment.units = unit_count - first;
    MQ_RETURN_IF_ERROR(
        Fail(segment.file->Truncate(kHeaderBytes + segment.units * options_.unit_bytes)));
    segment.dirty = true;
  }
  end_ = unit_count;
  buffer_first_ = unit_count;
  return absl::OkStatus();
}

absl::Status FixedUnitFile::DropBefore(uint64_t unit) {
  MQ_RETURN_IF_ERROR(CheckUsable());
  std::vector<uint64_t> doomed;
  for (const auto& [first, segment] : segments_) {
    if (segment.units < segment.capacity || first + segment.units > unit) break;
    doomed.push_back(first);
  }
  if (doomed.empty()) return absl::OkStatus();
  const uint64_t new_first =
      doomed.size() == segments_.size()
          ? end_
          : std::max(first_, std::next(segments_.begin(), doomed.size())->first);
  // Narrow the durable range first, so that a crash cannot bring the removed units back.
  MQ_RETURN_IF_ERROR(WriteState(new_first, std::max(new_first, durable_end_)));
  for (const uint64_t first : doomed) MQ_RETURN_IF_ERROR(RemoveSegment(first));
  if (segments_.empty()) {
    buffer_.clear();
    buffer_first_ = end_;
  }
  first_ = new_first;
  return absl::OkStatus();
}

absl::Status FixedUnitFile::Reset(uint64_t first_unit) {
  MQ_RETURN_IF_ERROR(CheckUsable());
  // An empty durable range first: from here a crash recovers to "empty at first_unit".
  MQ_RETURN_IF_ERROR(WriteState(first_unit, first_unit));
  buffer_.clear();
  while (!segments_.empty()) MQ_RETURN_IF_ERROR(RemoveSegment(segments_.begin()->first));
  first_ = end_ = buffer_first_ = first_unit;
  return absl::OkStatus();
}

}  // namespace mq::storage
