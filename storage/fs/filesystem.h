#pragma once

// The filesystem seam. Storage code reaches the disk only through these interfaces, so the same
// code runs on the real disk (PosixFilesystem) and on SimFilesystem, which models what a crash
// does to writes that were never covered by a completed fdatasync.
//
// Paths are plain strings joined with '/'. Errors are values: I/O failures come back as Status
// with the path in the message; nothing throws.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mq::storage {

// An open file. Implementations say how far they are thread-safe: PosixFilesystem's files allow
// concurrent ReadAt, WriteAt of disjoint ranges and Sync (pread/pwrite/fdatasync), which
// SegmentedLog relies on; SimFilesystem is single-threaded.
class File {
 public:
  virtual ~File() = default;

  // Writes all of `data` at `offset`, extending the file if needed (a gap reads as zeros).
  [[nodiscard]] virtual absl::Status WriteAt(uint64_t offset, std::string_view data) = 0;
  // Reads up to `size` bytes at `offset` into `out`; returns how many were read (fewer only at
  // end of file).
  [[nodiscard]] virtual absl::StatusOr<size_t> ReadAt(uint64_t offset, char* out,
                                                      size_t size) = 0;
  // fdatasync: once this returns OK, the data and size written so far survive a crash.
  [[nodiscard]] virtual absl::Status Sync() = 0;
  // Sets the file's size. Durable only after the next Sync().
  [[nodiscard]] virtual absl::Status Truncate(uint64_t size) = 0;
  [[nodiscard]] virtual absl::StatusOr<uint64_t> Size() = 0;
  // Hints the kernel that [offset, offset+size) will be read soon; a no-op where unsupported.
  virtual void Prefetch(uint64_t offset, uint64_t size) {}
  virtual const std::string& path() const = 0;
};

enum class OpenMode {
  kReadOnly,         // must exist
  kReadWrite,        // must exist
  kCreateOrOpen,     // read-write, created empty if missing
  kCreateExclusive,  // read-write, fails with AlreadyExists if present
};

// An advisory lock on a path (released when destroyed).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Filesystem {
 public:
  virtual ~Filesystem() = default;

  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path,
                                                                   OpenMode mode) = 0;
  // Names (not paths) of the entries in `dir`, sorted, without "." and "..".
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) = 0;
  // Creates `dir` and any missing parents; OK if it already exists.
  [[nodiscard]] virtual absl::Status CreateDirs(const std::string& dir) = 0;
  // Atomically replaces `to` with `from`. Durable only after SyncDir of the parent.
  [[nodiscard]] virtual absl::Status Rename(const std::string& from, const std::string& to) = 0;
  // Removes a file. Durable only after SyncDir of the parent.
  [[nodiscard]] virtual absl::Status Remove(const std::string& path) = 0;
  // fsync of a directory: makes creations, renames and removals in it durable.
  [[nodiscard]] virtual absl::Status SyncDir(const std::string& dir) = 0;
  [[nodiscard]] virtual absl::StatusOr<bool> Exists(const std::string& path) = 0;
  // Takes an exclusive advisory lock on `path` (created if missing); FailedPrecondition if another
  // holder has it.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<FileLock>> Lock(const std::string& path) = 0;
};

// "a/b" + "c" -> "a/b/c".
std::string JoinPath(std::string_view dir, std::string_view name);
// "a/b/c" -> "a/b"; "c" -> ".".
std::string DirName(std::string_view path);

}  // namespace mq::storage
