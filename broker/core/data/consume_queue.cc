#include "broker/core/data/consume_queue.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "storage/base/coding.h"
#include "storage/base/status_macros.h"

namespace mq::broker {

void EncodeCqUnit(const CqUnit& unit, char* out) {
  EncodeFixed64(out + kCqRaftIndexOffset, unit.raft_index);
  EncodeFixed32(out + kCqSlotOffset, unit.slot);
  EncodeFixed32(out + kCqMessageBytesOffset, unit.message_bytes);
  EncodeFixed64(out + kCqTagHashOffset, unit.tag_hash);
  EncodeFixed64(out + kCqStoreTimeOffset, unit.store_time_ms);
}

CqUnit DecodeCqUnit(const char* in) {
  return CqUnit{.raft_index = DecodeFixed64(in + kCqRaftIndexOffset),
                .slot = DecodeFixed32(in + kCqSlotOffset),
                .message_bytes = DecodeFixed32(in + kCqMessageBytesOffset),
                .tag_hash = DecodeFixed64(in + kCqTagHashOffset),
                .store_time_ms = DecodeFixed64(in + kCqStoreTimeOffset)};
}

std::string QueueDirName(std::string_view topic, uint32_t queue_id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "cq-";
  name.reserve(3 + 2 * topic.size() + 9);
  for (char c : topic) {
    const unsigned char u = static_cast<unsigned char>(c);
    name.push_back(kHex[u >> 4]);
    name.push_back(kHex[u & 0xF]);
  }
  name += absl::StrFormat("-%08x", queue_id);
  return name;
}

absl::StatusOr<std::unique_ptr<ConsumeQueue>> ConsumeQueue::Open(
    storage::Filesystem& fs, std::string dir, const storage::FixedUnitFileOptions& options) {
  MQ_CHECK(options.unit_bytes == kConsumeQueueUnitBytes);
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<storage::FixedUnitFile> file,
                      storage::FixedUnitFile::Open(fs, std::move(dir), options));
  return std::unique_ptr<ConsumeQueue>(new ConsumeQueue(std::move(file)));
}

absl::Status ConsumeQueue::Append(const CqUnit& unit) {
  char buf[kConsumeQueueUnitBytes];
  EncodeCqUnit(unit, buf);
  MQ_ASSIGN_OR_RETURN(uint64_t offset, file_->Append(std::string_view(buf, sizeof(buf))));
  (void)offset;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<CqUnit>> ConsumeQueue::Read(uint64_t offset, uint64_t count) const {
  std::vector<CqUnit> units;
  if (count == 0) return units;
  units.reserve(count);
  std::string buf;
  uint64_t done = 0;
  while (done < count) {
    const uint64_t n = std::min(count - done, kReadChunkUnits);
    buf.resize(n * kConsumeQueueUnitBytes);
    MQ_RETURN_IF_ERROR(file_->ReadInto(offset + done, n, buf.data()));
    for (uint64_t i = 0; i < n; ++i) {
      units.push_back(DecodeCqUnit(buf.data() + i * kConsumeQueueUnitBytes));
    }
    done += n;
  }
  return units;
}

absl::StatusOr<CqUnit> ConsumeQueue::ReadOne(uint64_t offset) const {
  char buf[kConsumeQueueUnitBytes];
  MQ_RETURN_IF_ERROR(file_->ReadInto(offset, 1, buf));
  return DecodeCqUnit(buf);
}

}  // namespace mq::broker
