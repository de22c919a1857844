#pragma once

// MetaFile: a small piece of state (such as Raft's hard state) that must survive any crash,
// rewritten in place without ever passing through a state in which it is lost.
//
// The file holds two fixed slots. Write() puts the new state, with the next sequence number,
// into the slot that does NOT hold the newest valid state, then fdatasyncs; Read() returns the
// valid slot with the highest sequence. A write torn by a crash damages only the slot being
// written, so the other slot still holds the previous state: nothing completed is lost.
//
// Each slot (kSlotBytes) on disk, little-endian; the CRC32C covers the header and the payload:
//
//   0        4         8               16           20                  20+n     24+n   4096
//   +--------+---------+---------------+------------+-------------------+--------+-------+
//   | magic  | version | sequence u64  | length u32 | payload (n bytes) | crc32c | zeros |
//   +--------+---------+---------------+------------+-------------------+--------+-------+
//   slot 0 at file offset 0, slot 1 at file offset 4096
//
// Open creates a missing (or empty) file atomically with slot 0 holding sequence 0 and no
// payload, which reads as "no state yet" (NotFound). So a file that has content but no valid
// slot can only be damage, never an interrupted first write: Read returns DataLoss naming the
// file, and Write refuses too, because overwriting would hide that the state was lost.
//
// Lifecycle: Open, then any sequence of Read/Write. Not thread-safe: one owner.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/fs/filesystem.h"

namespace mq::storage {

class MetaFile {
 public:
  static constexpr uint32_t kMagic = 0x534d514d;  // "MQMS" read as little-endian bytes
  static constexpr uint32_t kVersion = 1;
  static constexpr size_t kSlotBytes = 4096;
  static constexpr size_t kSlotCount = 2;
  static constexpr size_t kHeaderBytes = 20;  // magic, version, sequence, length
  static constexpr size_t kCrcBytes = 4;
  static constexpr size_t kPayloadBytesMax = kSlotBytes - kHeaderBytes - kCrcBytes;  // 4072
  static constexpr size_t kFileBytes = kSlotBytes * kSlotCount;

  // Opens `path`, creating it when missing or empty, then fdatasyncs it and fsyncs its
  // directory, so that the state it shows is durable before a Write may overwrite the other
  // slot (an earlier writer may have died before its own syncs). Fails on I/O errors and when a
  // slot was written by a newer format version; damaged slots are reported by Read (so tools can
  // open a damaged file to report on it).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MetaFile>> Open(Filesystem& fs,
                                                                      std::string path);

  MetaFile(const MetaFile&) = delete;
  MetaFile& operator=(const MetaFile&) = delete;

  // The newest durable payload, read from the file: NotFound if nothing was ever written,
  // DataLoss (naming the file) if the file has content but no valid slot.
  [[nodiscard]] absl::StatusOr<std::string> Read();

  // Makes `payload` (at most kPayloadBytesMax bytes, else InvalidArgument) the newest state;
  // durable when this returns OK. On an error the previous state stays intact on disk and the
  // write may be retried (a retry rewrites the same slot, whose page is then dirty again).
  [[nodiscard]] absl::Status Write(std::string_view payload);

  // Sequence number of the newest state (0: nothing written yet).
  uint64_t sequence() const { return newest_sequence_; }
  const std::string& path() const { return path_; }

 private:
  // What a scan of both slots found.
  struct Scan {
    int newest_slot = -1;  // -1: no valid slot
    uint64_t sequence = 0;
    std::string payload;
  };

  MetaFile(std::string path, std::unique_ptr<File> file)
      : path_(std::move(path)), file_(std::move(file)) {}

  [[nodiscard]] absl::StatusOr<Scan> ScanSlots();

  std::string path_;
  std::unique_ptr<File> file_;
  // False when Open found content but no valid slot; Write then refuses.
  bool readable_ = true;
  int newest_slot_ = -1;
  uint64_t newest_sequence_ = 0;
};

}  // namespace mq::storage
