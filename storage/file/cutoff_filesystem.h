#pragma once

// CutoffFilesystem (test-only): forwards to another Filesystem until a budget of mutating
// calls is spent, then fails every call, reads included, as if the process had died at that
// step. A crash test arms a budget, runs an operation, and when the operation was cut off
// crashes the SimFilesystem underneath: so the crash lands after each step of the operation
// in turn (each write, sync, rename, removal...).
//
// Mutating calls: File::WriteAt/Sync/Truncate, Open in a creating mode, CreateDirs, Rename,
// Remove, SyncDir, Lock. Single-threaded, like the filesystems it wraps.

#include <cstdint>
#include <memory>

#include "storage/fs/filesystem.h"

namespace mq::storage {

class CutoffFilesystem final : public Filesystem {
 public:
  explicit CutoffFilesystem(Filesystem& inner);

  // Allows `calls` more mutating calls, then cuts off; a negative count never cuts off.
  // Re-arming also lifts a cut-off.
  void SetBudget(int64_t calls);
  // True once a call was refused.
  bool cut_off() const;
  // Mutating calls that went through since construction.
  uint64_t mutating_calls() const;

  absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override;
  absl::Status CreateDirs(const std::string& dir) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status SyncDir(const std::string& dir) override;
  absl::StatusOr<bool> Exists(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<FileLock>> Lock(const std::string& path) override;

  // Shared with the files it opened, which may outlive it.
  struct Budget;

 private:
  Filesystem& inner_;
  std::shared_ptr<Budget> budget_;
};

}  // namespace mq::storage
