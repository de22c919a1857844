#pragma once

// SimFilesystem: an in-memory Filesystem for tests and the Raft simulator that models crashes.
//
// Every file keeps the content that a completed Sync() made durable and the content written
// since. Every directory keeps the entries that a completed SyncDir() made durable and the
// namespace operations (create, rename, remove) done since. Crash(prng) then decides, from the
// seed, what survives:
//   - each unsynced write is dropped, kept, or torn at 512-byte sector granularity (each sector
//     piece of the write kept or not); what is not kept reads as the bytes that were there
//     before the write (zeros beyond the old end of file); unsynced truncations are kept or not;
//   - for each directory, a prefix (chosen by the seed) of its unsynced namespace operations
//     survives, in order; so a rename not followed by SyncDir may be lost;
//   - nothing that was never written appears, and everything covered by a completed Sync /
//     SyncDir survives intact.
// After Crash every File opened before it fails with FailedPrecondition ("crashed").
// Deterministic: the same operations and seed give the same result. Single-threaded.
//
// Details of the model:
//   - a torn or dropped write that extended the file leaves the size either unchanged or grown
//     to the end of its last kept sector piece (zeros where no piece was kept), as on a real
//     filesystem whose size update reached the disk before the data;
//   - a rename inside one directory is one atomic operation of that directory (after a crash
//     the target names either the old or the new file). A rename across directories is an
//     unlink in the source and a link in the target, each kept or lost on its own until both
//     directories are synced: the file may then show up in both, either, or neither;
//   - a directory made by CreateDirs is an entry of its parent: it survives only once the
//     parent is synced; a file, directory or subtree no longer reachable after the crash is gone;
//   - an open File keeps its inode across Rename and Remove, as on POSIX;
//   - paths: "/a//b/" and "a/b" name the same entry (one root; "." and ".." are resolved by
//     name); Open, Lock and CreateDirs need an existing parent (NotFound otherwise);
//     Open of a directory and Remove of a directory fail with FailedPrecondition;
//   - a file may hold at most 1 GiB (ResourceExhausted beyond), to keep a runaway offset from
//     exhausting memory;
//   - Lock is exclusive per file (inode), created if missing; all locks are released by Crash,
//     and destroying a lock taken before a crash does not release one taken after.
// Files and locks may outlive the SimFilesystem that made them (they share its state).

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "storage/base/prng.h"
#include "storage/fs/filesystem.h"

namespace mq::storage {

class SimFilesystem final : public Filesystem {
 public:
  SimFilesystem();
  ~SimFilesystem() override;

  absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override;
  absl::Status CreateDirs(const std::string& dir) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status SyncDir(const std::string& dir) override;
  absl::StatusOr<bool> Exists(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<FileLock>> Lock(const std::string& path) override;

  // Simulates power loss now; see the class comment. Releases all locks.
  void Crash(Prng& prng);

  // Fault injection: the next `count` calls of File::Sync (any file whose path starts with
  // `path_prefix`) fail with an InternalError ("injected"), and their data stays unsynced.
  void FailNextSyncs(const std::string& path_prefix, int count);
  // Same for File::WriteAt (nothing is written).
  void FailNextWrites(const std::string& path_prefix, int count);

  struct Stats {
    uint64_t file_syncs = 0;
    uint64_t dir_syncs = 0;
    uint64_t bytes_written = 0;
    uint64_t crashes = 0;
  };
  const Stats& stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mq::storage
