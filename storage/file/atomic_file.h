#pragma once

// Small whole-file state (configuration, checkpoints) replaced atomically.
//
// WriteFileAtomically writes `path + ".tmp"`, fdatasyncs it, renames it over `path` and fsyncs
// the parent directory, so a crash at any point leaves `path` holding either its old contents
// or the new ones, never a mix; once the call returns OK the new contents are durable.
//
// A crash can leave a stale `path + ".tmp"` behind. It is harmless: readers never look at it,
// and the next WriteFileAtomically of the same path truncates and reuses it. An owner that
// stops writing a path for good removes the leftover with RemoveStaleTempFile.
//
// Not synchronized: one writer per path at a time.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/fs/filesystem.h"

namespace mq::storage {

inline constexpr std::string_view kAtomicTempSuffix = ".tmp";

// The temporary file WriteFileAtomically uses for `path`.
std::string AtomicTempPath(std::string_view path);

// Replaces the contents of `path` (created if missing) with `contents`; see the file comment.
[[nodiscard]] absl::Status WriteFileAtomically(Filesystem& fs, const std::string& path,
                                               std::string_view contents);

// Reads all of `path`. A file larger than `bytes_max` is refused with FailedPrecondition naming
// the file, its size and the limit (a damaged or foreign file must not make us allocate
// without bound); a missing file is NotFound.
[[nodiscard]] absl::StatusOr<std::string> ReadWholeFile(Filesystem& fs, const std::string& path,
                                                        uint64_t bytes_max);

// Removes a temporary file left by an interrupted WriteFileAtomically of `path`, if any.
[[nodiscard]] absl::Status RemoveStaleTempFile(Filesystem& fs, const std::string& path);

}  // namespace mq::storage
