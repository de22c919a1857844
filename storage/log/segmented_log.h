#pragma once

// SegmentedLog: the commit log of one Raft group, as a directory of segment files.
//
// Layout. Records (record_format.h) carry a dense, increasing index. They are appended to the
// *active* segment, the newest file; older segments are *sealed* and never change again except
// by whole-file removal (DropPrefix) or a suffix truncation that reaches back into them. A
// segment is named by the index of its first record (segment_file.h), so a sealed segment's
// last index is the next segment's first index minus one: nothing but the name list is needed
// to know where every index lives. Each sealed segment has a sparse index (.sidx,
// sparse_index.h) mapping an index to a nearby file position; the active segment's sparse index
// is kept in memory.
//
// Writing. Append encodes the record into an in-memory write buffer: no system call. The buffer
// is written with one pwrite when it fills (write_buffer_bytes) or when Sync runs. Sync writes
// what is buffered and then issues ONE fdatasync that covers every append made before the call:
// callers that append many records and then sync once get group commit, and concurrent Sync
// calls coalesce (a Sync that finds another in flight waits for it and returns at once if that
// one covered its appends). Rolling to a new segment happens inside Append when the next record
// would push the active segment past segment_bytes_max: the old segment is written and
// fdatasynced completely, its .sidx written atomically, and only then is the new segment
// created, atomically too (header in a temp file, fdatasync, rename, directory fsync). So a
// sealed segment never has a torn tail, a segment never lacks its header, and nothing in a
// segment is reported durable before its directory entry is.
//
// Runway. An fdatasync after a write that grows a file must also write the file's size and
// extent metadata; after a write into blocks already written it need not (measured on ext4:
// ~30% less per fdatasync for 1-4 KiB appends; fallocate does not help, as converting an
// unwritten extent is metadata too). So the active segment keeps a *runway*: zeros written
// after its data end. When a small flush (< kRunwayFlushBytesMax) would end beyond the zeroed
// frontier, the data is written, then zeros from its end to end + preallocate_bytes, rounded
// up to a 4 KiB boundary and never past segment_bytes_max; the next fdatasync makes both
// durable, and the fdatasyncs after it, until the runway is used up, are pure overwrites. A
// larger flush just appends: it is bandwidth-bound, and zeros would double its bytes. The
// rounding keeps the durable file size on a record or sector boundary: a crash that loses the
// size update of a later write shows that write only up to there, which recovery recognizes as
// a torn tail. The log tracks the data end (every size it reports, every read) apart from the
// frontier. The runway is cut off (ftruncate before the seal's fdatasync) when a segment is
// sealed, and by Close, so sealed segments and cleanly closed logs end at their data; suffix
// truncation and Reset leave file size = data end too. A failed zero write is no error (the
// data is written; the runway is only a speed-up): the frontier stays where it got to.
//
// Recovery (Open). Sealed segments are not read at open, so open time does not grow with the
// size of the log; they are checked when first read (header, sparse index, and the crc of
// every record returned). Only the last segment is scanned, record by record. In the last
// segment, bytes that are all zeros from a record boundary to the end of the file are the
// runway (or appends a crash lost before they were synced: nothing durable either): the
// clean end of the data, with no warning. They are kept as the runway (trimming would cost a
// metadata fdatasync that the next flush would undo). Otherwise a bad record is judged a
// *torn tail* -- the remains of writes that were never
// synced when the machine stopped -- if its extent runs past the end of the file, or if some
// 512-byte-aligned piece of its extent (clipped to the end of file) is all zeros, which is how
// an unsynced sector lost in a crash reads back. A torn tail is cut off (ftruncate +
// fdatasync) and reported with a warning naming the file, the offset and the bytes dropped.
// Any other bad record -- a flipped bit in a record that is fully present with no zeroed
// sector -- is corruption: Open fails with DataLoss naming the file and byte offset, and the
// log must be repaired from peers; nothing is silently dropped. Limit of the rule: a record
// that was synced, whose payload legitimately contains a zero sector, and which is ALSO
// damaged elsewhere would be taken for a torn tail (likewise a flipped length field that makes
// a synced record seem to run past the end of file), and synced records at the tail whose
// sectors all read back as zeros are taken for the runway; Raft detects that loss through its
// persisted commit index. A last segment whose header never reached the disk (shorter than a
// header, or all zeros; the creation protocol above prevents it, but a copied or foreign
// directory may hold one) held nothing durable: it is removed. A bad header elsewhere, a header
// naming another first index, a gap or overlap between segments, or an index discontinuity inside a
// segment is DataLoss. Temporary files of interrupted atomic writes are removed, stray .sidx files
// too, and a sealed segment whose .sidx is missing gets it rebuilt. An empty trailing segment is
// fine.
//
// Failed fsyncs abort the process (MQ_CHECK): after a failed fdatasync the kernel may have
// dropped the dirty pages, and retrying would report data durable that is not. A failed write
// (e.g. ENOSPC) is returned; the buffered records stay buffered and a later Sync retries them.
// Destroying the log without Close() is a simulated process crash: appends not yet synced are
// lost (this is what tests and the simulator rely on; with SimFilesystem, destroy a log after
// SimFilesystem::Crash without calling it again, since every call on a crashed file fails).
//
// Threading. One owner thread calls Append, TruncateSuffix, DropPrefix, Reset and Close. Sync
// may run concurrently on another (disk) thread, and Read on any threads, concurrently with
// everything but Close. The accessors may be called from any thread. Internally a small mutex
// guards the bookkeeping and is never held across an fdatasync or a file read; Sync, segment
// rolls, truncations and resets take turns through a flag guarded by that mutex (so the owner
// may block in a roll or truncation until an in-flight Sync finishes); readers pass a gate
// while reading files, which suffix truncation and Reset close (waiting for reads in progress). The
// File objects of the filesystem are used concurrently (pwrite of new bytes, pread of old ones,
// fdatasync): PosixFilesystem supports that; SimFilesystem is single-threaded, so use it from
// one thread.

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/fs/filesystem.h"
#include "storage/log/log_options.h"
#include "storage/log/record_format.h"
#include "storage/log/sparse_index.h"

namespace mq::storage {

// One segment file of a SegmentedLog, as SegmentedLog::Segments() reports it.
struct SegmentInfo {
  uint64_t first_index = 0;
  uint64_t last_index = 0;  // first_index - 1 when the segment is empty
  // Bytes of the segment's data (header and records; for the active segment, buffered records
  // too, and never its runway of zeros).
  uint64_t bytes = 0;
  bool active = false;  // the segment appends go to; the others are sealed
};

class SegmentedLog {
 public:
  // A flush of fewer bytes than this extends the runway (see Runway in the file comment); a larger
  // one just appends: it is bandwidth-bound, and zeros written after it would double its bytes.
  static constexpr uint64_t kRunwayFlushBytesMax = uint64_t{64} << 10;

  // Opens (creating if needed) the log in `dir` and recovers it as described above.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SegmentedLog>> Open(
      Filesystem& fs, std::string dir, SegmentedLogOptions options = {});

  SegmentedLog(const SegmentedLog&) = delete;
  SegmentedLog& operator=(const SegmentedLog&) = delete;
  // No flush, no sync: see the file comment.
  ~SegmentedLog();

  // Buffers a record. `index` must be last_index() + 1, or anything >= 1 for a log that has no
  // segment yet (fresh). FailedPrecondition for the wrong index, InvalidArgument for a payload
  // above record_payload_bytes_max. May write the buffer, or roll the segment (which syncs).
  [[nodiscard]] absl::Status Append(uint64_t index, uint64_t tag, uint16_t kind, uint16_t flags,
                                    std::string_view payload);

  // Writes buffered records and fdatasyncs: every append made before the call is durable when
  // it returns OK. Returns the durable index.
  [[nodiscard]] absl::StatusOr<uint64_t> Sync();

  // Records from `first_index` on: at most count_max of them, and no more than bytes_max bytes
  // of payload in all -- except that the first record is returned whatever its size. Unsynced
  // records are included. Every record returned has had its crc checked; a mismatch, or any
  // framing or index inconsistency, is DataLoss naming the file and byte offset. OutOfRange when
  // first_index is outside [first_index(), last_index() + 1]; empty at last_index() + 1.
  [[nodiscard]] absl::StatusOr<std::vector<Record>> Read(uint64_t first_index, uint64_t bytes_max,
                                                         uint64_t count_max);

  // Removes the records >= from_index; durable when it returns (later segments removed and the
  // directory fsynced, then the containing segment ftruncated and fdatasynced). A no-op when
  // from_index > last_index(). InvalidArgument below first_index() (use Reset).
  [[nodiscard]] absl::Status TruncateSuffix(uint64_t from_index);

  // Removes whole segments whose last index is <= up_to_index, oldest first, never the active
  // segment; returns how many were removed.
  [[nodiscard]] absl::StatusOr<size_t> DropPrefix(uint64_t up_to_index);

  // Drops every record and segment; the log becomes empty and its next append must be
  // `next_index` (for installing a snapshot). Durable when it returns.
  [[nodiscard]] absl::Status Reset(uint64_t next_index);

  // Writes and syncs what is buffered, cuts off the runway, then closes; every later call fails
  // with FailedPrecondition. The log is closed even when the final sync fails (which is
  // returned).
  [[nodiscard]] absl::Status Close();

  // The first index held (1 for a fresh log); last_index() == first_index() - 1 when empty.
  uint64_t first_index() const;
  uint64_t last_index() const;
  // Every record up to here is durable (reported by Sync, a roll, or recovery).
  uint64_t durable_index() const;
  // Number of segment files, the active one included.
  size_t segment_count() const;
  // Every segment, oldest first, the active one last; empty for a fresh log. The size of a
  // sealed segment this process has not sealed or read yet is found on the first call (one
  // file open each, outside the lock); 0 if its file could not be opened (dropped meanwhile).
  std::vector<SegmentInfo> Segments() const;
  // The first index of every segment, oldest first (Segments() without the sizes: no I/O).
  std::vector<uint64_t> SegmentFirstIndexes() const;
  const std::string& dir() const { return dir_; }
  const SegmentedLogOptions& options() const { return options_; }

 private:
  // What a reader needs of a sealed segment; immutable once made.
  struct LoadedSegment {
    std::shared_ptr<File> file;
    uint64_t file_bytes = 0;
    SparseIndex index{1};
  };
  struct Segment {
    uint64_t first_index = 0;
    uint64_t last_index = 0;  // guarded by mu_; first_index - 1 when empty
    // Sealed segments only, guarded by mu_: the file's size once known (0: not yet).
    uint64_t sealed_bytes = 0;
    // Sealed segments only, guarded by mu_: set by the first reader (or by the roll that
    // sealed it); null until then.
    std::shared_ptr<const LoadedSegment> loaded;
  };
  // The limits of one Read and what it has gathered.
  struct ReadBudget {
    uint64_t bytes_max;
    uint64_t count_max;
    std::vector<Record>* out;
    uint64_t bytes = 0;  // payload bytes taken
    uint64_t count = 0;  // records taken (some may not be in `out` yet)
    bool done = false;
    // Takes a record of `payload_bytes` if it fits; the first record always fits.
    bool Take(uint64_t payload_bytes) {
      if (done || count >= count_max ||
          (count > 0 && (bytes > bytes_max || payload_bytes > bytes_max - bytes))) {
        done = true;
        return false;
      }
      bytes += payload_bytes;
      ++count;
      return true;
    }
    bool full() const { return done || count >= count_max; }
  };
  // A Read in progress (shared) or a truncation/reset keeping reads out (exclusive), for the
  // object's lifetime. Writer-preferring: once an exclusive holder waits, new reads wait too,
  // so a stream of reads cannot starve a truncation.
  class ReadGate {
   public:
    ReadGate(SegmentedLog& log, bool exclusive);
    ~ReadGate();
    ReadGate(const ReadGate&) = delete;
    ReadGate& operator=(const ReadGate&) = delete;

   private:
    SegmentedLog& log_;
    const bool exclusive_;
  };
  // Holds the I/O turn (io_busy_) for its lifetime.
  class IoTurn {
   public:
    explicit IoTurn(SegmentedLog& log);
    ~IoTurn();
    IoTurn(const IoTurn&) = delete;
    IoTurn& operator=(const IoTurn&) = delete;

   private:
    SegmentedLog& log_;
  };

  SegmentedLog(Filesystem& fs, std::string dir, SegmentedLogOptions options);

  // Open.
  absl::Status Recover();
  // `file_bytes` is the file's size, `data_bytes` where its records end (before the runway).
  absl::Status RecoverLastSegment(std::vector<uint64_t>& firsts, bool& dir_changed,
                                  std::shared_ptr<File>& file, uint64_t& file_bytes,
                                  uint64_t& data_bytes, uint64_t& last_index);

  // Writing.
  absl::Status FlushBuffer();
  // Writes the runway's zeros after `data_end` in `file` (see the file comment); returns the new
  // frontier (data_end when nothing was written).
  uint64_t ExtendRunway(File& file, uint64_t data_end, uint64_t flush_bytes);
  // Cuts the runway off the active file (the turn held, nothing buffered); true when the file
  // shrank, which is durable only after its next fdatasync.
  absl::StatusOr<bool> TrimRunway();
  absl::Status StartFirstSegment(uint64_t first_index);
  absl::Status Roll(uint64_t new_first_index);
  absl::StatusOr<std::shared_ptr<File>> CreateSegmentFile(uint64_t first_index);
  void InstallActiveLocked(std::shared_ptr<Segment> segment, std::shared_ptr<File> file,
                           uint64_t file_bytes, SparseIndex index);
  // The log becomes empty, its next entry `first_index`, in the fresh segment file `file`.
  void StartEmptyLocked(uint64_t first_index, std::shared_ptr<File> file);

  // Reading.
  absl::StatusOr<std::shared_ptr<const LoadedSegment>> LoadSealed(
      const std::shared_ptr<Segment>& segment);
  absl::Status ReadFromFile(File& file, uint64_t file_bytes, SparseIndex::Point start,
                            uint64_t end_index, bool whole_segment, uint64_t& next,
                            ReadBudget& budget);
  absl::Status ReadMemoryLocked(uint64_t& next, ReadBudget& budget);
  absl::StatusOr<uint64_t> FindRecordOffset(File& file, uint64_t file_bytes,
                                            SparseIndex::Point start, uint64_t index);

  absl::Status CheckUsableLocked() const;
  std::shared_ptr<Segment> FindSegmentLocked(uint64_t index) const;
  std::string SegmentPath(uint64_t first_index) const;
  std::string SparseIndexPath(uint64_t first_index) const;
  absl::Status RemoveSegmentFiles(const Segment& segment);
  uint64_t ActiveEndBytesLocked() const;

  Filesystem& fs_;
  const std::string dir_;
  const SegmentedLogOptions options_;

  // Lock order: (the turn, the read gate), load_mu_, write_mu_, mu_. The turn and the gate are
  // flags guarded by mu_ and waited for on condition variables, not held mutexes.
  std::mutex load_mu_;     // one lazy load of a sealed segment at a time
  std::mutex write_mu_;    // one pwrite of the write buffer at a time
  mutable std::mutex mu_;  // everything below
  std::condition_variable io_cv_;
  std::condition_variable gate_cv_;

  bool io_busy_ = false;           // a Sync, roll, truncation or Reset holds the turn
  int readers_ = 0;                // Reads inside the read gate
  bool readers_excluded_ = false;  // a truncation or Reset holds or awaits the gate
  bool closed_ = false;
  absl::Status broken_;  // a truncation/reset failed halfway: reopen the log
  // Sorted by first index; back() is the active segment. Empty only for a fresh log.
  std::vector<std::shared_ptr<Segment>> segments_;
  uint64_t first_index_ = 1;
  uint64_t last_index_ = 0;
  uint64_t durable_index_ = 0;

  // The active segment. Records (active_file_last_index_, flushing_last_index_] are in
  // flushing_ (being written by FlushBuffer outside mu_; only the holder of write_mu_ touches
  // it), records (flushing_last_index_, last_index_] in buffer_; both start where the file ends.
  std::shared_ptr<File> active_file_;
  uint64_t active_file_bytes_ = 0;  // the data end (written records), without the runway
  // The zeroed frontier: the active file holds at least this many bytes, the runway's zeros
  // after active_file_bytes_. Changed by the write_mu_ holder and by the turn holder.
  uint64_t active_file_frontier_bytes_ = 0;
  uint64_t active_file_last_index_ = 0;
  SparseIndex active_index_;
  std::string flushing_;
  uint64_t flushing_last_index_ = 0;
  std::string buffer_;
};

}  // namespace mq::storage
