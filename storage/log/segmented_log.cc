// SegmentedLog: open and recovery, appends, sync, rolls, truncation, prefix drops and resets.
// The read path is in segmented_log_read.cc.

#include "storage/log/segmented_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"
#include "storage/file/atomic_file.h"
#include "storage/log/segment_file.h"
#include "storage/log/segment_scanner.h"

namespace mq::storage {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// fdatasync / directory fsync, aborting on failure (see the file comment of segmented_log.h).
void SyncFileOrDie(File& file) {
  const absl::Status status = file.Sync();
  MQ_CHECK_MSG(status.ok(), status.ToString().c_str());
}
void SyncDirOrDie(Filesystem& fs, const std::string& dir) {
  const absl::Status status = fs.SyncDir(dir);
  MQ_CHECK_MSG(status.ok(), status.ToString().c_str());
}

// The runway ends on a multiple of this: a filesystem block, and a multiple of kSectorBytes.
constexpr uint64_t kRunwayAlignBytes = 4096;
static_assert(kRunwayAlignBytes % kSectorBytes == 0);
// The runway is written from this many zeros at a time (one static buffer, made on first use).
constexpr size_t kZeroChunkBytes = size_t{256} << 10;
std::string_view ZeroChunk() {
  static const std::string* const zeros = new std::string(kZeroChunkBytes, '\0');
  return *zeros;
}

// Remove that treats "already gone" as done.
absl::Status RemoveIfPresent(Filesystem& fs, const std::string& path) {
  absl::Status status = fs.Remove(path);
  if (absl::IsNotFound(status)) return absl::OkStatus();
  return status;
}

}  // namespace

SegmentedLog::IoTurn::IoTurn(SegmentedLog& log) : log_(log) {
  std::unique_lock<std::mutex> lock(log_.mu_);
  log_.io_cv_.wait(lock, [this] { return !log_.io_busy_; });
  log_.io_busy_ = true;
}

SegmentedLog::IoTurn::~IoTurn() {
  std::lock_guard<std::mutex> lock(log_.mu_);
  log_.io_busy_ = false;
  log_.io_cv_.notify_all();
}

SegmentedLog::ReadGate::ReadGate(SegmentedLog& log, bool exclusive)
    : log_(log), exclusive_(exclusive) {
  std::unique_lock<std::mutex> lock(log_.mu_);
  if (exclusive_) {
    // Only the owner thread excludes readers, so there is never a second exclusive holder.
    log_.readers_excluded_ = true;
    log_.gate_cv_.wait(lock, [this] { return log_.readers_ == 0; });
  } else {
    log_.gate_cv_.wait(lock, [this] { return !log_.readers_excluded_; });
    ++log_.readers_;
  }
}

SegmentedLog::ReadGate::~ReadGate() {
  std::lock_guard<std::mutex> lock(log_.mu_);
  if (exclusive_) {
    log_.readers_excluded_ = false;
  } else {
    --log_.readers_;
  }
  log_.gate_cv_.notify_all();
}

SegmentedLog::SegmentedLog(Filesystem& fs, std::string dir, SegmentedLogOptions options)
    : fs_(fs),
      dir_(std::move(dir)),
      options_(options),
      active_index_(options.index_interval_bytes) {}

SegmentedLog::~SegmentedLog() = default;

absl::StatusOr<std::unique_ptr<SegmentedLog>> SegmentedLog::Open(Filesystem& fs, std::string dir,
                                                                 SegmentedLogOptions options) {
  MQ_RETURN_IF_ERROR(options.Validate());
  if (dir.empty()) return absl::InvalidArgumentError("SegmentedLog::Open: empty directory path");
  // A new directory is an entry of its parent, durable only once the parent is synced: find the
  // missing ancestors first, create them, then sync the parent of each.
  std::vector<std::string> created;
  for (std::string path = dir;; path = DirName(path)) {
    MQ_ASSIGN_OR_RETURN(const bool exists, fs.Exists(path));
    if (exists) break;
    created.push_back(path);
    if (DirName(path) == path || DirName(path) == ".") break;
  }
  MQ_RETURN_IF_ERROR(fs.CreateDirs(dir));
  for (auto it = created.rbegin(); it != created.rend(); ++it) SyncDirOrDie(fs, DirName(*it));
  std::unique_ptr<SegmentedLog> log(new SegmentedLog(fs, std::move(dir), options));
  MQ_RETURN_IF_ERROR(log->Recover());
  return log;
}

std::string SegmentedLog::SegmentPath(uint64_t first_index) const {
  return JoinPath(dir_, SegmentFileName(first_index));
}

std::string SegmentedLog::SparseIndexPath(uint64_t first_index) const {
  return JoinPath(dir_, SparseIndexFileName(first_index));
}

// ---------------------------------------------------------------------------------------------
// Recovery

absl::Status SegmentedLog::Recover() {
  MQ_ASSIGN_OR_RETURN(const std::vector<std::string> names, fs_.ListDir(dir_));
  std::vector<uint64_t> firsts;  // segment first indexes, ascending (names are fixed-width)
  std::vector<uint64_t> index_files;
  bool dir_changed = false;
  for (const std::string& name : names) {
    if (EndsWith(name, kTempSuffix)) {
      LogWarning(
          absl::StrFormat("log %s: removing %s, left by an interrupted atomic write", dir_, name));
      MQ_RETURN_IF_ERROR(fs_.Remove(JoinPath(dir_, name)));
      dir_changed = true;
    } else if (auto first = ParseLogFileName(name, kSegmentSuffix)) {
      if (*first == 0) {
        return absl::DataLossError(absl::StrFormat("segment %s: index 0 is not a valid first index",
                                                   JoinPath(dir_, name)));
      }
      firsts.push_back(*first);
    } else if (auto index_first = ParseLogFileName(name, kSparseIndexSuffix)) {
      index_files.push_back(*index_first);
    } else {
      LogWarning(absl::StrFormat("log %s: ignoring unexpected file %s", dir_, name));
    }
  }

  std::shared_ptr<File> file;
  uint64_t file_bytes = 0;
  uint64_t data_bytes = 0;
  uint64_t last_index = 0;
  MQ_RETURN_IF_ERROR(
      RecoverLastSegment(firsts, dir_changed, file, file_bytes, data_bytes, last_index));

  // A .sidx belongs to a sealed segment only: remove strays (their segment was dropped) and the
  // active segment's (a roll that stopped between writing it and creating the next segment).
  std::vector<uint64_t> missing_index;
  for (size_t i = 0; i + 1 < firsts.size(); ++i) {
    if (!std::binary_search(index_files.begin(), index_files.end(), firsts[i])) {
      missing_index.push_back(firsts[i]);
    }
  }
  for (uint64_t first : index_files) {
    const bool sealed =
        firsts.size() > 1 && std::binary_search(firsts.begin(), firsts.end() - 1, first);
    if (!sealed) {
      MQ_RETURN_IF_ERROR(fs_.Remove(SparseIndexPath(first)));
      dir_changed = true;
    }
  }
  if (dir_changed) SyncDirOrDie(fs_, dir_);

  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!firsts.empty()) {
      for (size_t i = 0; i + 1 < firsts.size(); ++i) {
        auto segment = std::make_shared<Segment>();
        segment->first_index = firsts[i];
        segment->last_index = firsts[i + 1] - 1;
        segments_.push_back(std::move(segment));
      }
      auto active = std::make_shared<Segment>();
      active->first_index = firsts.back();
      first_index_ = firsts.front();
      InstallActiveLocked(std::move(active), std::move(file), data_bytes, std::move(active_index_));
      active_file_frontier_bytes_ = file_bytes;  // the runway found is kept
      last_index_ = last_index;
      segments_.back()->last_index = last_index;
      active_file_last_index_ = last_index;
      flushing_last_index_ = last_index;
      durable_index_ = last_index;
    }
  }

  // Rebuild the sparse index of any sealed segment that lacks one (rare: a crash between sealing
  // and the next segment's creation cannot cause it, because the .sidx is made durable first).
  for (uint64_t first : missing_index) {
    std::shared_ptr<Segment> segment;
    {
      std::lock_guard<std::mutex> lock(mu_);
      segment = FindSegmentLocked(first);
    }
    MQ_ASSIGN_OR_RETURN(std::shared_ptr<const LoadedSegment> loaded, LoadSealed(segment));
    MQ_RETURN_IF_ERROR(WriteFileAtomically(
        fs_, SparseIndexPath(first),
        loaded->index.Encode(segment->first_index, segment->last_index, loaded->file_bytes)));
    LogWarning(
        absl::StrFormat("segment %s: sparse index was missing; rebuilt", SegmentPath(first)));
  }
  return absl::OkStatus();
}

absl::Status SegmentedLog::RecoverLastSegment(std::vector<uint64_t>& firsts, bool& dir_changed,
                                              std::shared_ptr<File>& file, uint64_t& file_bytes,
                                              uint64_t& data_bytes, uint64_t& last_index) {
  while (!firsts.empty()) {
    const uint64_t first = firsts.back();
    const std::string path = SegmentPath(first);
    MQ_ASSIGN_OR_RETURN(std::unique_ptr<File> opened, fs_.Open(path, OpenMode::kReadWrite));
    file = std::move(opened);
    MQ_ASSIGN_OR_RETURN(file_bytes, file->Size());
    data_bytes = file_bytes;
    std::string header(static_cast<size_t>(std::min<uint64_t>(file_bytes, kSegmentHeaderBytes)),
                       '\0');
    MQ_ASSIGN_OR_RETURN(const size_t got, file->ReadAt(0, header.data(), header.size()));
    header.resize(got);
    if (IsTornSegmentHeader(header)) {
      // Created by a roll or reset just before a crash; nothing in it was ever reported durable
      // (the header is synced before any record is appended).
      LogWarning(absl::StrFormat(
          "segment %s: header never reached the disk (%u bytes, created just before a crash); "
          "removing the segment",
          path, file_bytes));
      file.reset();
      MQ_RETURN_IF_ERROR(fs_.Remove(path));
      dir_changed = true;
      firsts.pop_back();
      continue;
    }
    MQ_ASSIGN_OR_RETURN(const uint64_t header_first, DecodeSegmentHeader(header, path));
    if (header_first != first) {
      return absl::DataLossError(absl::StrFormat(
          "segment %s: header says first index %u, the name says %u", path, header_first, first));
    }
    active_index_ = SparseIndex(options_.index_interval_bytes);
    SegmentScanner scanner(*file, file_bytes, kSegmentHeaderBytes, first,
                           options_.record_payload_bytes_max);
    for (;;) {
      MQ_ASSIGN_OR_RETURN(const SegmentScanner::Item item, scanner.Next());
      if (item.outcome == SegmentScanner::Outcome::kRecord) {
        active_index_.OnRecord(item.header.index, item.offset);
        continue;
      }
      if (item.outcome == SegmentScanner::Outcome::kBad) {
        MQ_ASSIGN_OR_RETURN(const bool runway, scanner.ZerosToEnd());
        if (runway) {
          data_bytes = item.offset;
          break;
        }
        if (!item.looks_torn) {
          return absl::DataLossError(
              absl::StrFormat("segment %s: %s at offset %u", path, item.reason, item.offset));
        }
        const uint64_t dropped = file_bytes - item.offset;
        MQ_RETURN_IF_ERROR(file->Truncate(item.offset));
        SyncFileOrDie(*file);
        LogWarning(absl::StrFormat("segment %s: torn tail at offset %u (%s); dropped %u bytes",
                                   path, item.offset, item.reason, dropped));
        file_bytes = item.offset;
        data_bytes = item.offset;
      }
      break;
    }
    last_index = scanner.expected_index() - 1;
    // What survived in the page cache of a crashed process is not yet on disk: make it so,
    // so that everything recovered counts as durable.
    SyncFileOrDie(*file);
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Small helpers

absl::Status SegmentedLog::CheckUsableLocked() const {
  if (closed_) return absl::FailedPreconditionError(absl::StrFormat("log %s is closed", dir_));
  return broken_;
}

std::shared_ptr<SegmentedLog::Segment> SegmentedLog::FindSegmentLocked(uint64_t index) const {
  // The last segment whose first index is <= index.
  auto it = std::upper_bound(
      segments_.begin(), segments_.end(), index,
      [](uint64_t i, const std::shared_ptr<Segment>& s) { return i < s->first_index; });
  if (it == segments_.begin()) return nullptr;
  return *(it - 1);
}

uint64_t SegmentedLog::ActiveEndBytesLocked() const {
  return active_file_bytes_ + flushing_.size() + buffer_.size();
}

void SegmentedLog::InstallActiveLocked(std::shared_ptr<Segment> segment, std::shared_ptr<File> file,
                                       uint64_t file_bytes, SparseIndex index) {
  segment->loaded.reset();
  segment->sealed_bytes = 0;
  segments_.push_back(std::move(segment));
  active_file_ = std::move(file);
  active_file_bytes_ = file_bytes;
  active_file_frontier_bytes_ = file_bytes;
  active_index_ = std::move(index);
  buffer_.clear();
  flushing_.clear();
}

absl::Status SegmentedLog::RemoveSegmentFiles(const Segment& segment) {
  MQ_RETURN_IF_ERROR(RemoveIfPresent(fs_, SegmentPath(segment.first_index)));
  return RemoveIfPresent(fs_, SparseIndexPath(segment.first_index));
}

uint64_t SegmentedLog::first_index() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_index_;
}

uint64_t SegmentedLog::last_index() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_index_;
}

uint64_t SegmentedLog::durable_index() const {
  std::lock_guard<std::mutex> lock(mu_);
  return durable_index_;
}

size_t SegmentedLog::segment_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return segments_.size();
}

std::vector<uint64_t> SegmentedLog::SegmentFirstIndexes() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint64_t> out;
  out.reserve(segments_.size());
  for (const auto& segment : segments_) out.push_back(segment->first_index);
  return out;
}

std::vector<SegmentInfo> SegmentedLog::Segments() const {
  std::vector<SegmentInfo> out;
  std::vector<size_t> unknown;  // sealed segments whose size is not known yet
  {
    std::lock_guard<std::mutex> lock(mu_);
    out.reserve(segments_.size());
    for (size_t i = 0; i < segments_.size(); ++i) {
      Segment& segment = *segments_[i];
      SegmentInfo info;
      info.first_index = segment.first_index;
      info.last_index = segment.last_index;
      info.active = i + 1 == segments_.size();
      if (info.active) {
        info.bytes = ActiveEndBytesLocked();
      } else if (segment.sealed_bytes != 0) {
        info.bytes = segment.sealed_bytes;
      } else if (segment.loaded != nullptr) {
        info.bytes = segment.loaded->file_bytes;
        segment.sealed_bytes = info.bytes;
      } else {
        unknown.push_back(i);
      }
      out.push_back(info);
    }
  }
  // Sealed segments of an earlier run are not opened by Open; their size is asked once here,
  // outside the lock, and remembered.
  for (size_t i : unknown) {
    absl::StatusOr<std::unique_ptr<File>> file =
        fs_.Open(SegmentPath(out[i].first_index), OpenMode::kReadOnly);
    absl::StatusOr<uint64_t> size =
        file.ok() ? (*file)->Size() : absl::StatusOr<uint64_t>(file.status());
    if (!size.ok()) continue;  // dropped meanwhile: reported as 0 bytes
    out[i].bytes = *size;
    std::lock_guard<std::mutex> lock(mu_);
    if (std::shared_ptr<Segment> segment = FindSegmentLocked(out[i].first_index);
        segment != nullptr && segment->first_index == out[i].first_index &&
        segment != segments_.back() && segment->sealed_bytes == 0) {
      segment->sealed_bytes = *size;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

absl::StatusOr<std::shared_ptr<File>> SegmentedLog::CreateSegmentFile(uint64_t first_index) {
  const std::string path = SegmentPath(first_index);
  // Created whole or not at all (temp file, fdatasync, rename, directory fsync): a crash never
  // leaves a segment without its header, and a failure (e.g. a full disk) leaves at most a
  // temp file, which the next Open removes. The name is durable before anything is appended.
  MQ_RETURN_IF_ERROR(WriteFileAtomically(fs_, path, EncodeSegmentHeader(first_index)));
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs_.Open(path, OpenMode::kReadWrite));
  return std::shared_ptr<File>(std::move(file));
}

absl::Status SegmentedLog::StartFirstSegment(uint64_t first_index) {
  IoTurn turn(*this);
  MQ_ASSIGN_OR_RETURN(std::shared_ptr<File> file, CreateSegmentFile(first_index));
  std::lock_guard<std::mutex> lock(mu_);
  StartEmptyLocked(first_index, std::move(file));
  return absl::OkStatus();
}

void SegmentedLog::StartEmptyLocked(uint64_t first_index, std::shared_ptr<File> file) {
  auto segment = std::make_shared<Segment>();
  segment->first_index = first_index;
  segment->last_index = first_index - 1;
  InstallActiveLocked(std::move(segment), std::move(file), kSegmentHeaderBytes,
                      SparseIndex(options_.index_interval_bytes));
  first_index_ = first_index;
  last_index_ = first_index - 1;
  active_file_last_index_ = last_index_;
  flushing_last_index_ = last_index_;
  durable_index_ = last_index_;
}

absl::Status SegmentedLog::Append(uint64_t index, uint64_t tag, uint16_t kind, uint16_t flags,
                                  std::string_view payload) {
  if (payload.size() > options_.record_payload_bytes_max) {
    return absl::InvalidArgumentError(
        absl::StrFormat("append of index %u to %s: payload of %u bytes exceeds "
                        "record_payload_bytes_max (%u)",
                        index, dir_, payload.size(), options_.record_payload_bytes_max));
  }
  const uint64_t record_bytes = RecordBytes(payload.size());
  // The crc is computed before taking the mutex; if the index turns out wrong, it is wasted.
  char header[kRecordHeaderBytes];
  EncodeRecordHeader(index, tag, kind, flags, payload, header);
  // Usually one pass: check, then buffer. A first segment, a roll or a full buffer are handled
  // outside the mutex, then the checks run again.
  for (bool prepared = false;; prepared = true) {
    bool fresh = false;
    bool roll = false;
    bool flush = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      MQ_RETURN_IF_ERROR(CheckUsableLocked());
      if (segments_.empty()) {
        if (index == 0) {
          return absl::InvalidArgumentError(
              absl::StrFormat("append to %s: index 0 is invalid (indexes start at 1)", dir_));
        }
        fresh = true;
      } else if (index != last_index_ + 1) {
        return absl::FailedPreconditionError(
            absl::StrFormat("append of index %u to %s: expected index %u (the last index is %u)",
                            index, dir_, last_index_ + 1, last_index_));
      } else if (!prepared) {
        roll = last_index_ >= segments_.back()->first_index &&
               ActiveEndBytesLocked() + record_bytes > options_.segment_bytes_max;
        flush = !buffer_.empty() && buffer_.size() + record_bytes > options_.write_buffer_bytes;
      }
      if (!fresh && !roll && !flush) {
        const uint64_t position = ActiveEndBytesLocked();
        if (buffer_.capacity() < buffer_.size() + record_bytes) {
          buffer_.reserve(
              std::max<uint64_t>(options_.write_buffer_bytes, buffer_.size() + record_bytes));
        }
        buffer_.append(header, kRecordHeaderBytes);
        buffer_.append(payload.data(), payload.size());
        active_index_.OnRecord(index, position);
        last_index_ = index;
        segments_.back()->last_index = index;
        return absl::OkStatus();
      }
    }
    if (fresh) {
      MQ_RETURN_IF_ERROR(StartFirstSegment(index));
    } else if (roll) {
      MQ_RETURN_IF_ERROR(Roll(index));
    } else {
      MQ_RETURN_IF_ERROR(FlushBuffer());
    }
  }
}

absl::Status SegmentedLog::FlushBuffer() {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  std::shared_ptr<File> file;
  uint64_t offset;
  uint64_t frontier;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (buffer_.empty()) return absl::OkStatus();
    // flushing_ is empty here (only the write_mu_ holder fills it); swapping keeps both
    // allocations alive, so steady-state appends never allocate.
    flushing_.swap(buffer_);
    flushing_last_index_ = last_index_;
    file = active_file_;
    offset = active_file_bytes_;
    frontier = active_file_frontier_bytes_;
  }
  // flushing_ is read here without mu_: readers only read it too, and nobody else writes it.
  const absl::Status status = file->WriteAt(offset, flushing_);
  const uint64_t end = offset + flushing_.size();
  if (status.ok() && end > frontier) frontier = ExtendRunway(*file, end, flushing_.size());
  std::lock_guard<std::mutex> lock(mu_);
  if (status.ok()) {
    active_file_bytes_ = end;
    active_file_frontier_bytes_ = frontier;
    active_file_last_index_ = flushing_last_index_;
    if (flushing_.capacity() > 2 * options_.write_buffer_bytes) {
      std::string().swap(flushing_);  // do not keep a huge one-off record's buffer around
    }
  } else {
    // Put the bytes back in front of what was appended meanwhile; a later flush retries them
    // at the same offset.
    flushing_.append(buffer_);
    buffer_.swap(flushing_);
    flushing_last_index_ = active_file_last_index_;
  }
  flushing_.clear();
  return status;
}

uint64_t SegmentedLog::ExtendRunway(File& file, uint64_t data_end, uint64_t flush_bytes) {
  if (flush_bytes >= kRunwayFlushBytesMax || options_.preallocate_bytes == 0) return data_end;
  // The end is rounded up to whole filesystem blocks and, wherever it falls, is a multiple of
  // kSectorBytes: a crash may leave a later write visible only up to the durable file size (the
  // size update lost), and recovery knows such a cut only at a record or sector boundary. No
  // zeros past segment_bytes_max, where data never goes (but a single oversized record).
  const uint64_t runway_end =
      std::min((data_end + options_.preallocate_bytes + kRunwayAlignBytes - 1) / kRunwayAlignBytes *
                   kRunwayAlignBytes,
               options_.segment_bytes_max / kSectorBytes * kSectorBytes);
  uint64_t frontier = data_end;
  while (frontier < runway_end) {
    const std::string_view zeros = ZeroChunk().substr(
        0, static_cast<size_t>(std::min<uint64_t>(kZeroChunkBytes, runway_end - frontier)));
    // A failure (e.g. a full disk) only ends the runway here: the data is written.
    if (!file.WriteAt(frontier, zeros).ok()) break;
    frontier += zeros.size();
  }
  return frontier;
}

absl::StatusOr<bool> SegmentedLog::TrimRunway() {
  std::shared_ptr<File> file;
  uint64_t data_bytes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (active_file_ == nullptr || active_file_frontier_bytes_ <= active_file_bytes_) return false;
    file = active_file_;
    data_bytes = active_file_bytes_;
  }
  MQ_RETURN_IF_ERROR(file->Truncate(data_bytes));
  std::lock_guard<std::mutex> lock(mu_);
  active_file_frontier_bytes_ = data_bytes;
  return true;
}

absl::StatusOr<uint64_t> SegmentedLog::Sync() {
  std::shared_ptr<File> file;
  {
    std::unique_lock<std::mutex> lock(mu_);
    MQ_RETURN_IF_ERROR(CheckUsableLocked());
    const uint64_t target = last_index_;
    for (;;) {
      // Covered already (a truncation may have lowered last_index_ meanwhile).
      if (durable_index_ >= std::min(target, last_index_)) return durable_index_;
      if (!io_busy_) break;
      io_cv_.wait(lock);
      MQ_RETURN_IF_ERROR(CheckUsableLocked());
    }
    io_busy_ = true;
    file = active_file_;
  }
  // Holding the turn: no roll, truncation or reset can change the active segment meanwhile;
  // appends (and their buffer flushes) can, which is fine.
  const absl::Status flushed = FlushBuffer();
  uint64_t covered = 0;
  if (flushed.ok()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      covered = active_file_last_index_;  // written before the fdatasync below starts
    }
    SyncFileOrDie(*file);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (flushed.ok()) durable_index_ = std::max(durable_index_, covered);
  io_busy_ = false;
  io_cv_.notify_all();
  if (!flushed.ok()) return flushed;
  return durable_index_;
}

absl::Status SegmentedLog::Roll(uint64_t new_first_index) {
  IoTurn turn(*this);
  MQ_RETURN_IF_ERROR(FlushBuffer());
  // Sealed segments end at their data: the fdatasync below makes the cut durable.
  MQ_RETURN_IF_ERROR(TrimRunway().status());
  std::shared_ptr<Segment> old_segment;
  std::shared_ptr<File> old_file;
  uint64_t old_bytes;
  std::shared_ptr<LoadedSegment> sealed = std::make_shared<LoadedSegment>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    old_segment = segments_.back();
    old_file = active_file_;
    old_bytes = active_file_bytes_;
    sealed->file = active_file_;
    sealed->file_bytes = active_file_bytes_;
    sealed->index = active_index_;
  }
  // The old segment must be complete on disk before the new one exists: recovery never scans
  // sealed segments, so they must not have torn tails.
  SyncFileOrDie(*old_file);
  {
    std::lock_guard<std::mutex> lock(mu_);
    durable_index_ = std::max(durable_index_, old_segment->last_index);
  }
  MQ_RETURN_IF_ERROR(WriteFileAtomically(
      fs_, SparseIndexPath(old_segment->first_index),
      sealed->index.Encode(old_segment->first_index, new_first_index - 1, old_bytes)));
  MQ_ASSIGN_OR_RETURN(std::shared_ptr<File> new_file, CreateSegmentFile(new_first_index));

  std::lock_guard<std::mutex> lock(mu_);
  old_segment->sealed_bytes = old_bytes;
  old_segment->loaded = std::move(sealed);
  auto segment = std::make_shared<Segment>();
  segment->first_index = new_first_index;
  segment->last_index = new_first_index - 1;
  InstallActiveLocked(std::move(segment), std::move(new_file), kSegmentHeaderBytes,
                      SparseIndex(options_.index_interval_bytes));
  // InstallActiveLocked cleared loaded for the new segment only; the old one keeps `sealed`.
  active_file_last_index_ = new_first_index - 1;
  flushing_last_index_ = new_first_index - 1;
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Truncation, prefix drops, reset, close

absl::Status SegmentedLog::TruncateSuffix(uint64_t from_index) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    MQ_RETURN_IF_ERROR(CheckUsableLocked());
    if (segments_.empty() || from_index > last_index_) return absl::OkStatus();
    if (from_index < first_index_) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "truncate %s from index %u: below the first index %u (use Reset to drop everything)",
          dir_, from_index, first_index_));
    }
  }
  IoTurn turn(*this);
  ReadGate no_readers(*this, /*exclusive=*/true);

  std::shared_ptr<Segment> target;
  bool in_active;
  bool in_memory;
  std::shared_ptr<File> active_file;
  uint64_t active_bytes;
  SparseIndex::Point start{0, 0};
  {
    std::lock_guard<std::mutex> lock(mu_);
    target = FindSegmentLocked(from_index);
    in_active = target == segments_.back();
    in_memory = in_active && from_index > active_file_last_index_;
    active_file = active_file_;
    active_bytes = active_file_bytes_;
    if (in_active) start = active_index_.Floor(from_index);
    if (in_memory) {
      // Only unwritten records go: cut the buffer (flushing_ is empty while we hold the turn
      // on the owner thread).
      size_t offset = 0;
      for (uint64_t index = active_file_last_index_ + 1; index < from_index; ++index) {
        offset += RecordBytes(DecodeRecordHeader(buffer_.data() + offset).payload_length);
      }
      buffer_.resize(offset);
      active_index_.TruncateFrom(from_index);
      last_index_ = from_index - 1;
      target->last_index = last_index_;
      durable_index_ = std::min(durable_index_, last_index_);
      return absl::OkStatus();
    }
  }

  if (in_active) {
    MQ_ASSIGN_OR_RETURN(const uint64_t position,
                        FindRecordOffset(*active_file, active_bytes, start, from_index));
    const absl::Status status = active_file->Truncate(position);
    if (status.ok()) SyncFileOrDie(*active_file);
    std::lock_guard<std::mutex> lock(mu_);
    if (!status.ok()) {
      broken_ = status;
      return status;
    }
    buffer_.clear();
    active_file_bytes_ = position;
    active_file_frontier_bytes_ = position;
    active_index_.TruncateFrom(from_index);
    last_index_ = from_index - 1;
    target->last_index = last_index_;
    active_file_last_index_ = last_index_;
    flushing_last_index_ = last_index_;
    durable_index_ = std::min(durable_index_, last_index_);
    return absl::OkStatus();
  }

  // The cut is in a sealed segment, which becomes the active one again.
  MQ_ASSIGN_OR_RETURN(std::shared_ptr<const LoadedSegment> loaded, LoadSealed(target));
  MQ_ASSIGN_OR_RETURN(const uint64_t position,
                      FindRecordOffset(*loaded->file, loaded->file_bytes,
                                       loaded->index.Floor(from_index), from_index));
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<File> reopened,
                      fs_.Open(SegmentPath(target->first_index), OpenMode::kReadWrite));
  std::vector<std::shared_ptr<Segment>> later;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find(segments_.begin(), segments_.end(), target);
    later.assign(it + 1, segments_.end());
  }
  // Newest first, so that a crash part way leaves a contiguous log; the directory is synced
  // before the cut so no removed segment can come back after the cut segment shrank.
  absl::Status status;
  for (auto it = later.rbegin(); it != later.rend() && status.ok(); ++it) {
    status = RemoveSegmentFiles(**it);
  }
  if (status.ok()) status = RemoveIfPresent(fs_, SparseIndexPath(target->first_index));
  if (status.ok()) {
    SyncDirOrDie(fs_, dir_);
    status = reopened->Truncate(position);
  }
  if (status.ok()) SyncFileOrDie(*reopened);
  std::lock_guard<std::mutex> lock(mu_);
  if (!status.ok()) {
    broken_ = status;
    return status;
  }
  segments_.resize(segments_.size() - later.size());
  segments_.pop_back();
  SparseIndex index = loaded->index;
  index.TruncateFrom(from_index);
  InstallActiveLocked(target, std::shared_ptr<File>(std::move(reopened)), position,
                      std::move(index));
  last_index_ = from_index - 1;
  target->last_index = last_index_;
  active_file_last_index_ = last_index_;
  flushing_last_index_ = last_index_;
  durable_index_ = std::min(durable_index_, last_index_);
  return absl::OkStatus();
}

absl::StatusOr<size_t> SegmentedLog::DropPrefix(uint64_t up_to_index) {
  std::vector<std::shared_ptr<Segment>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    MQ_RETURN_IF_ERROR(CheckUsableLocked());
    size_t count = 0;
    while (count + 1 < segments_.size() && segments_[count]->last_index <= up_to_index) ++count;
    if (count == 0) return size_t{0};
    dropped.assign(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(count));
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(count));
    first_index_ = segments_.front()->first_index;
  }
  // Oldest first: a crash part way leaves a contiguous suffix. Readers still holding a dropped
  // segment keep reading it through their open file.
  for (const auto& segment : dropped) MQ_RETURN_IF_ERROR(RemoveSegmentFiles(*segment));
  SyncDirOrDie(fs_, dir_);
  return dropped.size();
}

absl::Status SegmentedLog::Reset(uint64_t next_index) {
  if (next_index == 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("reset of %s: next index 0 is invalid (indexes start at 1)", dir_));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    MQ_RETURN_IF_ERROR(CheckUsableLocked());
  }
  IoTurn turn(*this);
  ReadGate no_readers(*this, /*exclusive=*/true);
  std::vector<std::shared_ptr<Segment>> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = segments_;
  }
  // Oldest first, then the new segment: a crash part way leaves a suffix of the old log, or
  // nothing, or the new empty segment; never a mix with a gap.
  absl::Status status;
  for (const auto& segment : old) {
    status = RemoveSegmentFiles(*segment);
    if (!status.ok()) break;
  }
  std::shared_ptr<File> file;
  if (status.ok()) {
    SyncDirOrDie(fs_, dir_);
    absl::StatusOr<std::shared_ptr<File>> created = CreateSegmentFile(next_index);
    if (created.ok()) {
      file = *std::move(created);
    } else {
      status = created.status();
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!status.ok()) {
    broken_ = status;
    return status;
  }
  segments_.clear();
  StartEmptyLocked(next_index, std::move(file));
  return absl::OkStatus();
}

absl::Status SegmentedLog::Close() {
  absl::Status status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return absl::OkStatus();
    status = broken_;
  }
  if (status.ok()) status = Sync().status();
  if (status.ok()) {
    // A cleanly closed log ends at its data, like a sealed segment.
    IoTurn turn(*this);
    std::shared_ptr<File> file;
    {
      std::lock_guard<std::mutex> lock(mu_);
      file = active_file_;
    }
    absl::StatusOr<bool> trimmed = TrimRunway();
    if (trimmed.ok() && *trimmed) SyncFileOrDie(*file);
    status = trimmed.status();
  }
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  segments_.clear();
  active_file_.reset();
  buffer_.clear();
  return status;
}

}  // namespace mq::storage
