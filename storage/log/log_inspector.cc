#include "storage/log/log_inspector.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_format.h"
#include "storage/base/status_macros.h"
#include "storage/file/atomic_file.h"
#include "storage/log/record_format.h"
#include "storage/log/segment_file.h"
#include "storage/log/segment_scanner.h"
#include "storage/log/sparse_index.h"

namespace mq::storage {
namespace {

using Severity = InspectProblem::Severity;

constexpr uint64_t kSparseIndexFileBytesMax = uint64_t{64} << 20;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

class Inspector {
 public:
  Inspector(Filesystem& fs, const std::string& dir, const InspectOptions& options,
            const std::function<void(const InspectedRecord&)>& on_record)
      : fs_(fs), dir_(dir), options_(options), on_record_(on_record) {}

  absl::StatusOr<InspectReport> Run() {
    MQ_ASSIGN_OR_RETURN(const std::vector<std::string> names, fs_.ListDir(dir_));
    std::vector<uint64_t> firsts;
    for (const std::string& name : names) {
      if (auto first = ParseLogFileName(name, kSegmentSuffix)) {
        firsts.push_back(*first);
      } else if (auto index_first = ParseLogFileName(name, kSparseIndexSuffix)) {
        index_files_.push_back(*index_first);
      } else if (EndsWith(name, kTempSuffix)) {
        Problem(Severity::kNote, name, 0,
                "temporary file of an interrupted write (removed at open)");
      }
    }
    // Without check_all, start at the segment holding from_index.
    size_t start = 0;
    if (!options_.check_all) {
      while (start + 1 < firsts.size() && firsts[start + 1] <= options_.from_index) ++start;
    }
    for (size_t i = start; i < firsts.size() && !Done(); ++i) {
      const bool last = i + 1 == firsts.size();
      MQ_RETURN_IF_ERROR(InspectSegment(firsts[i], last ? 0 : firsts[i + 1], last));
    }
    return std::move(report_);
  }

 private:
  bool Done() const { return !options_.check_all && reported_ >= options_.count_max; }

  void Problem(Severity severity, const std::string& file, uint64_t offset, std::string message) {
    report_.problems.push_back({severity, file, offset, std::move(message)});
  }

  void Report(const std::string& file, uint64_t offset, const RecordHeader& header, bool crc_ok) {
    if (header.index < options_.from_index || reported_ >= options_.count_max) return;
    ++reported_;
    if (!on_record_) return;
    on_record_(InspectedRecord{header.index, header.tag, header.kind, header.flags,
                               header.payload_length, file, offset, crc_ok});
  }

  // `next_first` is the next segment's first index (unused for the last segment).
  absl::Status InspectSegment(uint64_t first, uint64_t next_first, bool last) {
    const std::string name = SegmentFileName(first);
    const std::string path = JoinPath(dir_, name);
    ++report_.segments;
    MQ_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs_.Open(path, OpenMode::kReadOnly));
    MQ_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
    std::string header(static_cast<size_t>(std::min<uint64_t>(size, kSegmentHeaderBytes)), '\0');
    MQ_ASSIGN_OR_RETURN(const size_t got, file->ReadAt(0, header.data(), header.size()));
    header.resize(got);
    if (last && IsTornSegmentHeader(header)) {
      Problem(Severity::kTornTail, name, 0,
              "header never reached the disk; open removes this segment");
      return absl::OkStatus();
    }
    absl::StatusOr<uint64_t> header_first = DecodeSegmentHeader(header, name);
    if (!header_first.ok()) {
      Problem(Severity::kCorruption, name, 0, std::string(header_first.status().message()));
      return absl::OkStatus();
    }
    if (*header_first != first) {
      Problem(
          Severity::kCorruption, name, 0,
          absl::StrFormat("header says first index %u, the name says %u", *header_first, first));
      return absl::OkStatus();
    }

    // Sealed segments with a sparse index: its points must land on records.
    std::vector<SparseIndex::Point> points;
    if (!last && options_.check_all) points = SealedIndexPoints(first, next_first - 1, size);
    size_t next_point = 0;

    SegmentScanner scanner(*file, size, kSegmentHeaderBytes, first,
                           options_.record_payload_bytes_max);
    for (;;) {
      if (Done()) return absl::OkStatus();
      MQ_ASSIGN_OR_RETURN(const SegmentScanner::Item item, scanner.Next());
      if (item.outcome == SegmentScanner::Outcome::kRecord) {
        ++report_.records_checked;
        Report(name, item.offset, item.header, /*crc_ok=*/true);
        while (next_point < points.size() && points[next_point].position <= item.offset) {
          if (points[next_point].position != item.offset ||
              points[next_point].index != item.header.index) {
            Problem(Severity::kCorruption, SparseIndexFileName(first), 0,
                    absl::StrFormat("sparse index point (index %u, position %u) does not match "
                                    "the record at that position",
                                    points[next_point].index, points[next_point].position));
            points.clear();
            break;
          }
          ++next_point;
        }
        continue;
      }
      if (item.outcome == SegmentScanner::Outcome::kBad) {
        if (last) {
          // Zeros to the end of the file: the runway of the active segment, not a problem.
          MQ_ASSIGN_OR_RETURN(const bool runway, scanner.ZerosToEnd());
          if (runway) break;
        }
        const bool torn = last && item.looks_torn;
        // A torn record is reported as the torn tail only: it is not a record.
        if (item.header_complete && !torn) Report(name, item.offset, item.header, item.crc_ok);
        Problem(torn ? Severity::kTornTail : Severity::kCorruption, name, item.offset,
                torn ? absl::StrFormat("torn tail (%s); open drops the last %u bytes", item.reason,
                                       size - item.offset)
                     : item.reason);
        return absl::OkStatus();
      }
      break;  // clean end of file
    }
    if (!last && scanner.expected_index() != next_first) {
      Problem(Severity::kCorruption, name, size,
              absl::StrFormat("segment holds indexes [%u, %u] but the next segment starts at %u "
                              "(%s)",
                              first, scanner.expected_index() - 1, next_first,
                              scanner.expected_index() < next_first ? "gap" : "overlap"));
    }
    if (next_point < points.size()) {
      Problem(Severity::kCorruption, SparseIndexFileName(first), 0,
              "sparse index has points past the last record");
    }
    return absl::OkStatus();
  }

  // The points of a sealed segment's .sidx, or none (with a note) when missing or invalid.
  std::vector<SparseIndex::Point> SealedIndexPoints(uint64_t first, uint64_t last, uint64_t size) {
    const std::string name = SparseIndexFileName(first);
    if (!std::binary_search(index_files_.begin(), index_files_.end(), first)) {
      Problem(Severity::kNote, name, 0, "sparse index missing (rebuilt at open)");
      return {};
    }
    absl::StatusOr<std::string> image =
        ReadWholeFile(fs_, JoinPath(dir_, name), kSparseIndexFileBytesMax);
    absl::StatusOr<SparseIndex> index =
        image.ok() ? SparseIndex::Decode(*image, first, last, size, 1) : image.status();
    if (!index.ok()) {
      Problem(Severity::kNote, name, 0,
              absl::StrFormat("%s (rebuilt when the segment is read)", index.status().message()));
      return {};
    }
    return index->points();
  }

  Filesystem& fs_;
  const std::string& dir_;
  const InspectOptions& options_;
  const std::function<void(const InspectedRecord&)>& on_record_;
  std::vector<uint64_t> index_files_;
  uint64_t reported_ = 0;
  InspectReport report_;
};

}  // namespace

bool InspectReport::corrupt() const {
  return std::any_of(problems.begin(), problems.end(), [](const InspectProblem& p) {
    return p.severity == InspectProblem::Severity::kCorruption;
  });
}

absl::StatusOr<InspectReport> InspectLog(
    Filesystem& fs, const std::string& dir, const InspectOptions& options,
    const std::function<void(const InspectedRecord&)>& on_record) {
  return Inspector(fs, dir, options, on_record).Run();
}

}  // namespace mq::storage
