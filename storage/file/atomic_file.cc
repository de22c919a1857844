#include "storage/file/atomic_file.h"

#include <memory>

#include "absl/strings/str_format.h"
#include "storage/base/status_macros.h"

namespace mq::storage {

std::string AtomicTempPath(std::string_view path) {
  std::string temp(path);
  temp.append(kAtomicTempSuffix);
  return temp;
}

absl::Status WriteFileAtomically(Filesystem& fs, const std::string& path,
                                 std::string_view contents) {
  const std::string temp = AtomicTempPath(path);
  {
    MQ_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs.Open(temp, OpenMode::kCreateOrOpen));
    // A stale temp file from an interrupted earlier call may be longer than `contents`.
    MQ_RETURN_IF_ERROR(file->Truncate(0));
    MQ_RETURN_IF_ERROR(file->WriteAt(0, contents));
    // The data must be durable before the rename can be: otherwise a crash could leave `path`
    // naming a file whose contents never reached the disk.
    MQ_RETURN_IF_ERROR(file->Sync());
  }
  MQ_RETURN_IF_ERROR(fs.Rename(temp, path));
  return fs.SyncDir(DirName(path));
}

absl::StatusOr<std::string> ReadWholeFile(Filesystem& fs, const std::string& path,
                                          uint64_t bytes_max) {
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs.Open(path, OpenMode::kReadOnly));
  MQ_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  if (size > bytes_max) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s is %d bytes, more than the limit of %d bytes", path, size, bytes_max));
  }
  std::string contents(size, '\0');
  MQ_ASSIGN_OR_RETURN(const size_t read, file->ReadAt(0, contents.data(), contents.size()));
  contents.resize(read);
  return contents;
}

absl::Status RemoveStaleTempFile(Filesystem& fs, const std::string& path) {
  const std::string temp = AtomicTempPath(path);
  MQ_ASSIGN_OR_RETURN(const bool exists, fs.Exists(temp));
  if (!exists) return absl::OkStatus();
  MQ_RETURN_IF_ERROR(fs.Remove(temp));
  return fs.SyncDir(DirName(path));
}

}  // namespace mq::storage
