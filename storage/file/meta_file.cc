#include "storage/file/meta_file.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/base/status_macros.h"
#include "storage/file/atomic_file.h"

namespace mq::storage {
namespace {

constexpr size_t kMagicOffset = 0;
constexpr size_t kVersionOffset = 4;
constexpr size_t kSequenceOffset = 8;
constexpr size_t kLengthOffset = 16;
static_assert(kLengthOffset + 4 == MetaFile::kHeaderBytes);

// The full slot image for `sequence` and `payload` (payload already bounds-checked).
std::string EncodeSlot(uint64_t sequence, std::string_view payload) {
  std::string slot(MetaFile::kSlotBytes, '\0');
  EncodeFixed32(&slot[kMagicOffset], MetaFile::kMagic);
  EncodeFixed32(&slot[kVersionOffset], MetaFile::kVersion);
  EncodeFixed64(&slot[kSequenceOffset], sequence);
  EncodeFixed32(&slot[kLengthOffset], static_cast<uint32_t>(payload.size()));
  slot.replace(MetaFile::kHeaderBytes, payload.size(), payload);
  const size_t crc_offset = MetaFile::kHeaderBytes + payload.size();
  EncodeFixed32(&slot[crc_offset], Crc32c(slot.data(), crc_offset));
  return slot;
}

// A slot that decoded cleanly.
struct DecodedSlot {
  uint64_t sequence;
  std::string_view payload;
};

// Decodes one slot image. Returns false (as the first member) for a slot that is blank, torn
// or damaged; an error for a valid slot of a format this build does not know.
absl::StatusOr<std::pair<bool, DecodedSlot>> DecodeSlot(std::string_view slot,
                                                        const std::string& path, int index) {
  const std::pair<bool, DecodedSlot> invalid{false, {}};
  if (DecodeFixed32(&slot[kMagicOffset]) != MetaFile::kMagic) return invalid;
  const uint32_t length = DecodeFixed32(&slot[kLengthOffset]);
  if (length > MetaFile::kPayloadBytesMax) return invalid;
  const size_t crc_offset = MetaFile::kHeaderBytes + length;
  if (DecodeFixed32(&slot[crc_offset]) != Crc32c(slot.data(), crc_offset)) return invalid;
  const uint32_t version = DecodeFixed32(&slot[kVersionOffset]);
  if (version != MetaFile::kVersion) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s: slot %d has format version %d; this build reads version %d", path,
                        index, version, MetaFile::kVersion));
  }
  return std::pair<bool, DecodedSlot>{
      true, {DecodeFixed64(&slot[kSequenceOffset]), slot.substr(MetaFile::kHeaderBytes, length)}};
}

// What a new file holds: slot 0 with sequence 0 and no payload ("no state yet"), slot 1 blank.
std::string InitialImage() {
  std::string image = EncodeSlot(0, "");
  image.resize(MetaFile::kFileBytes, '\0');
  return image;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetaFile>> MetaFile::Open(Filesystem& fs, std::string path) {
  std::unique_ptr<File> file;
  absl::StatusOr<std::unique_ptr<File>> existing = fs.Open(path, OpenMode::kReadWrite);
  if (existing.ok()) {
    MQ_ASSIGN_OR_RETURN(const uint64_t size, (*existing)->Size());
    // We never leave an empty file behind, so an empty one holds nothing of ours.
    if (size > 0) file = *std::move(existing);
  } else if (!absl::IsNotFound(existing.status())) {
    return existing.status();
  }
  if (file == nullptr) {
    // Created through a rename so that the file never exists without a valid slot.
    MQ_RETURN_IF_ERROR(WriteFileAtomically(fs, path, InitialImage()));
    MQ_ASSIGN_OR_RETURN(file, fs.Open(path, OpenMode::kReadWrite));
  }
  // What we see may still be only in the page cache: a writer that died between its write and
  // its fdatasync, or between creating the file and syncing the directory. Make it durable
  // before trusting it: the next Write overwrites the other slot, which may hold the only
  // durable state, and a Write to a file whose name then vanishes in a crash is lost.
  MQ_RETURN_IF_ERROR(file->Sync());
  MQ_RETURN_IF_ERROR(fs.SyncDir(DirName(path)));
  std::unique_ptr<MetaFile> meta(new MetaFile(std::move(path), std::move(file)));
  MQ_ASSIGN_OR_RETURN(const Scan scan, meta->ScanSlots());
  meta->readable_ = scan.newest_slot >= 0;
  meta->newest_slot_ = scan.newest_slot;
  meta->newest_sequence_ = scan.sequence;
  return meta;
}

absl::StatusOr<MetaFile::Scan> MetaFile::ScanSlots() {
  MQ_ASSIGN_OR_RETURN(const uint64_t size, file_->Size());
  if (size == 0) return Scan{};
  std::string image(kFileBytes, '\0');  // a short file reads as zeros past its end
  MQ_RETURN_IF_ERROR(file_->ReadAt(0, image.data(), image.size()).status());
  Scan scan;
  for (size_t i = 0; i < kSlotCount; ++i) {
    MQ_ASSIGN_OR_RETURN(
        const auto decoded,
        DecodeSlot(std::string_view(image).substr(i * kSlotBytes, kSlotBytes), path_, i));
    if (!decoded.first) continue;
    if (scan.newest_slot < 0 || decoded.second.sequence > scan.sequence) {
      scan.newest_slot = static_cast<int>(i);
      scan.sequence = decoded.second.sequence;
      scan.payload = std::string(decoded.second.payload);
    }
  }
  return scan;
}

absl::StatusOr<std::string> MetaFile::Read() {
  MQ_ASSIGN_OR_RETURN(const uint64_t size, file_->Size());
  MQ_ASSIGN_OR_RETURN(Scan scan, ScanSlots());
  if (scan.newest_slot < 0) {
    if (size == 0) return absl::NotFoundError(absl::StrFormat("%s is empty", path_));
    return absl::DataLossError(absl::StrFormat(
        "%s (%d bytes) holds no valid slot: the state it stored is lost", path_, size));
  }
  if (scan.sequence == 0) {
    return absl::NotFoundError(absl::StrFormat("%s holds no state yet", path_));
  }
  return std::move(scan.payload);
}

absl::Status MetaFile::Write(std::string_view payload) {
  if (payload.size() > kPayloadBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: payload of %d bytes exceeds the limit of %d bytes", path_,
                        payload.size(), kPayloadBytesMax));
  }
  if (!readable_) {
    return absl::DataLossError(absl::StrFormat(
        "%s holds no valid slot; refusing to overwrite it (remove the file to start afresh)",
        path_));
  }
  const int target = newest_slot_ < 0 ? 0 : 1 - newest_slot_;
  const uint64_t sequence = newest_sequence_ + 1;
  MQ_RETURN_IF_ERROR(file_->WriteAt(target * kSlotBytes, EncodeSlot(sequence, payload)));
  MQ_RETURN_IF_ERROR(file_->Sync());
  newest_slot_ = target;
  newest_sequence_ = sequence;
  return absl::OkStatus();
}

}  // namespace mq::storage
