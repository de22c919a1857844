#pragma once

// The production Filesystem: POSIX calls, fdatasync for File::Sync, fsync for directories.

#include "storage/fs/filesystem.h"

namespace mq::storage {

class PosixFilesystem final : public Filesystem {
 public:
  absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override;
  absl::Status CreateDirs(const std::string& dir) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status SyncDir(const std::string& dir) override;
  absl::StatusOr<bool> Exists(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<FileLock>> Lock(const std::string& path) override;

  // The process-wide instance.
  static PosixFilesystem& Get();
};

}  // namespace mq::storage
