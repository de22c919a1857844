#include "raft/durable/snapshot_file.h"

#include <memory>
#include <string_view>
#include <utility>

#include "absl/strings/str_format.h"
#include "raft/durable/durable_format.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/base/status_macros.h"
#include "storage/file/atomic_file.h"

namespace mq::raft {
namespace {

constexpr size_t kHeaderCrcBytes = 4;
constexpr size_t kConfOffset = 36;  // voter count, learner count, ids: AppendConfState

absl::Status ReadExactly(storage::File& file, uint64_t offset, char* out, size_t size,
                         const std::string& path) {
  MQ_ASSIGN_OR_RETURN(const size_t read, file.ReadAt(offset, out, size));
  if (read != size) {
    return absl::DataLossError(absl::StrFormat("%s: short read of %d bytes at offset %d (got %d)",
                                               path, size, offset, read));
  }
  return absl::OkStatus();
}

}  // namespace

std::string EncodeSnapshotFile(const Snapshot& snapshot) {
  const ConfState& conf = snapshot.metadata.conf_state;
  const std::string_view data = snapshot.data.view();
  std::string out;
  out.reserve(kConfOffset + ConfStateBytes(conf) + kHeaderCrcBytes + data.size());
  PutFixed32(&out, kSnapshotMagic);
  PutFixed32(&out, kSnapshotFormatVersion);
  PutFixed64(&out, snapshot.metadata.index);
  PutFixed64(&out, snapshot.metadata.term);
  PutFixed64(&out, data.size());
  PutFixed32(&out, Crc32c(data));
  AppendConfState(conf, &out);
  PutFixed32(&out, Crc32c(out));
  out.append(data);
  return out;
}

absl::Status WriteSnapshotFile(storage::Filesystem& fs, const std::string& path,
                               const Snapshot& snapshot) {
  return storage::WriteFileAtomically(fs, path, EncodeSnapshotFile(snapshot));
}

absl::StatusOr<Snapshot> ReadSnapshotFile(storage::Filesystem& fs, const std::string& path,
                                          uint64_t data_bytes_max) {
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<storage::File> file,
                      fs.Open(path, storage::OpenMode::kReadOnly));
  MQ_ASSIGN_OR_RETURN(const uint64_t file_bytes, file->Size());
  if (file_bytes < kSnapshotFixedHeaderBytes + kHeaderCrcBytes) {
    return absl::DataLossError(
        absl::StrFormat("%s: snapshot file of %d bytes is too short", path, file_bytes));
  }
  char fixed[kSnapshotFixedHeaderBytes];
  MQ_RETURN_IF_ERROR(ReadExactly(*file, 0, fixed, sizeof(fixed), path));
  if (DecodeFixed32(fixed) != kSnapshotMagic) {
    return absl::DataLossError(absl::StrFormat("%s: not a snapshot file (bad magic)", path));
  }
  const uint32_t voters = DecodeFixed32(fixed + kConfOffset);
  const uint32_t learners = DecodeFixed32(fixed + kConfOffset + 4);
  if (uint64_t{voters} + learners > kConfNodesMax) {
    return absl::DataLossError(
        absl::StrFormat("%s: snapshot header lists %d voters and %d learners, more than %d nodes",
                        path, voters, learners, kConfNodesMax));
  }
  const size_t header_bytes = kSnapshotFixedHeaderBytes + 8 * (size_t{voters} + learners);
  if (file_bytes < header_bytes + kHeaderCrcBytes) {
    return absl::DataLossError(absl::StrFormat("%s: snapshot header truncated", path));
  }
  std::string header(header_bytes + kHeaderCrcBytes, '\0');
  MQ_RETURN_IF_ERROR(ReadExactly(*file, 0, header.data(), header.size(), path));
  if (Crc32c(header.data(), header_bytes) != DecodeFixed32(header.data() + header_bytes)) {
    return absl::DataLossError(absl::StrFormat("%s: snapshot header checksum mismatch", path));
  }
  const uint32_t version = DecodeFixed32(header.data() + 4);
  if (version != kSnapshotFormatVersion) {
    return absl::DataLossError(
        absl::StrFormat("%s: snapshot format version %d (this build reads %d)", path, version,
                        kSnapshotFormatVersion));
  }
  Snapshot snapshot;
  snapshot.metadata.index = DecodeFixed64(header.data() + 8);
  snapshot.metadata.term = DecodeFixed64(header.data() + 16);
  const uint64_t data_bytes = DecodeFixed64(header.data() + 24);
  const uint32_t data_crc = DecodeFixed32(header.data() + 32);
  size_t used = 0;
  MQ_ASSIGN_OR_RETURN(
      snapshot.metadata.conf_state,
      DecodeConfState(std::string_view(header).substr(kConfOffset, header_bytes - kConfOffset),
                      path, &used));
  const uint64_t data_offset = header.size();
  if (data_bytes != file_bytes - data_offset) {
    return absl::DataLossError(
        absl::StrFormat("%s: header says %d data bytes but the file holds %d", path, data_bytes,
                        file_bytes - data_offset));
  }
  if (data_bytes > data_bytes_max) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s: snapshot data of %d bytes exceeds the limit of %d bytes", path,
                        data_bytes, data_bytes_max));
  }
  std::string data(data_bytes, '\0');
  MQ_RETURN_IF_ERROR(ReadExactly(*file, data_offset, data.data(), data.size(), path));
  if (Crc32c(data) != data_crc) {
    return absl::DataLossError(absl::StrFormat("%s: snapshot data checksum mismatch", path));
  }
  snapshot.data = Payload(std::move(data));
  return snapshot;
}

}  // namespace mq::raft
