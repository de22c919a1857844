#include "client/protocol/record_batch.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <limits>

#include "absl/strings/str_format.h"
#include "lz4.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/base/status_macros.h"

namespace mq::protocol {
namespace {

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrFormat("record batch: %s", message));
}

void PutBytes16(std::string* out, std::string_view bytes) {
  PutFixed16(out, static_cast<uint16_t>(bytes.size()));
  out->append(bytes.data(), bytes.size());
}

// Reads a message record field by field; every read checks the bytes are there.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : rest_(bytes) {}
  size_t remaining() const { return rest_.size(); }
  bool U8(uint8_t* v) {
    return Fixed(1, [&](const char* p) { *v = static_cast<uint8_t>(*p); });
  }
  bool U16(uint16_t* v) {
    return Fixed(2, [&](const char* p) { *v = DecodeFixed16(p); });
  }
  bool U32(uint32_t* v) {
    return Fixed(4, [&](const char* p) { *v = DecodeFixed32(p); });
  }
  bool U64(uint64_t* v) {
    return Fixed(8, [&](const char* p) { *v = DecodeFixed64(p); });
  }
  bool Bytes(size_t n, std::string_view* v) {
    if (rest_.size() < n) return false;
    *v = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }
  std::string_view Rest() {
    std::string_view all = rest_;
    rest_ = {};
    return all;
  }

 private:
  template <typename F>
  bool Fixed(size_t n, F&& take) {
    if (rest_.size() < n) return false;
    take(rest_.data());
    rest_.remove_prefix(n);
    return true;
  }
  std::string_view rest_;
};

// A tag is matched by tag expressions ("a || b", "*"), so it may not contain what separates
// or wildcards them.
absl::Status ValidateTag(std::string_view tag, const ProtocolLimits& limits) {
  const uint64_t tag_max = std::min<uint64_t>(limits.tag_bytes_max, kMessageFieldBytesMax);
  if (tag.size() > tag_max) {
    return absl::InvalidArgumentError(
        absl::StrFormat("tag of %d bytes is more than tag_bytes_max %d", tag.size(), tag_max));
  }
  if (tag == "*") return absl::InvalidArgumentError("tag \"*\" is reserved (it matches every tag)");
  for (size_t i = 0; i < tag.size(); ++i) {
    const auto c = static_cast<unsigned char>(tag[i]);
    if (c < 0x20 || c == 0x7F || c == ' ' || c == '|') {
      return absl::InvalidArgumentError(absl::StrFormat(
          "tag byte %d is 0x%02x (control characters, spaces and '|' are not allowed)", i, c));
    }
  }
  return absl::OkStatus();
}

// The checks shared by the builder (on a Message) and the reader (on a record's fields).
absl::Status ValidateView(const MessageView& m, const ProtocolLimits& limits) {
  MQ_RETURN_IF_ERROR(ValidateTag(m.tag, limits));
  const uint64_t group_max =
      std::min<uint64_t>(limits.message_group_bytes_max, kMessageFieldBytesMax);
  if (m.message_group.size() > group_max) {
    return absl::InvalidArgumentError(
        absl::StrFormat("message group of %d bytes is more than message_group_bytes_max %d",
                        m.message_group.size(), group_max));
  }
  if (m.keys.size() > limits.keys_per_message_max) {
    return absl::InvalidArgumentError(absl::StrFormat("%d keys, more than keys_per_message_max %d",
                                                      m.keys.size(), limits.keys_per_message_max));
  }
  const uint64_t key_max = std::min<uint64_t>(limits.key_bytes_max, kMessageFieldBytesMax);
  for (size_t i = 0; i < m.keys.size(); ++i) {
    if (m.keys[i].empty()) return absl::InvalidArgumentError(absl::StrFormat("key %d is empty", i));
    if (m.keys[i].size() > key_max) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "key %d has %d bytes, more than key_bytes_max %d", i, m.keys[i].size(), key_max));
    }
  }
  if (m.properties.size() > limits.properties_per_message_max) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d properties, more than properties_per_message_max %d",
                        m.properties.size(), limits.properties_per_message_max));
  }
  uint64_t property_bytes = 0;
  for (size_t i = 0; i < m.properties.size(); ++i) {
    const auto& [name, value] = m.properties[i];
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat("property %d has an empty name", i));
    }
    if (name.size() > kMessageFieldBytesMax || value.size() > kMessageFieldBytesMax) {
      return absl::InvalidArgumentError(
          absl::StrFormat("property \"%s\": name or value longer than %d bytes", name.substr(0, 64),
                          kMessageFieldBytesMax));
    }
    if (i > 0 && !(m.properties[i - 1].first < name)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "property %d (\"%s\") is not after property %d: names must be unique and ascending", i,
          name.substr(0, 64), i - 1));
    }
    property_bytes += name.size() + value.size();
  }
  if (property_bytes > limits.property_bytes_max) {
    return absl::InvalidArgumentError(
        absl::StrFormat("properties total %d bytes, more than property_bytes_max %d",
                        property_bytes, limits.property_bytes_max));
  }
  return absl::OkStatus();
}

MessageView ViewOf(const Message& message) {
  MessageView view;
  view.born_time_ms = message.born_time_ms;
  view.delivery_time_ms = message.delivery_time_ms;
  view.tag = message.tag;
  view.message_group = message.message_group;
  view.keys.assign(message.keys.begin(), message.keys.end());
  for (const auto& [name, value] : message.properties) view.properties.emplace_back(name, value);
  view.body = message.body;
  return view;
}

// The bytes a message's record takes in the section, length field included.
uint64_t RecordBytes(const Message& m) {
  uint64_t bytes = kMessageFixedBytes + m.tag.size() + m.message_group.size() + m.body.size();
  if (m.delivery_time_ms != 0) bytes += 8;
  for (const std::string& key : m.keys) bytes += 2 + key.size();
  for (const auto& [name, value] : m.properties) bytes += 4 + name.size() + value.size();
  return bytes;
}

// The largest section a batch may hold: what fits uncompressed in batch_bytes_max, and what a
// reader would agree to decompress.
uint64_t SectionBytesMax(const ProtocolLimits& limits) {
  const uint64_t stored =
      limits.batch_bytes_max > kBatchHeaderBytes ? limits.batch_bytes_max - kBatchHeaderBytes : 0;
  return std::min<uint64_t>(
      {stored, limits.batch_uncompressed_bytes_max, std::numeric_limits<int32_t>::max()});
}

// Parses the record at `offset` of `section` into `out` (slot `slot`), checking every length.
// With `limits`, also checks every field against them (verification); without, the record is
// known to be verified already. Returns the offset of the next record.
absl::StatusOr<size_t> ParseRecord(std::string_view section, size_t offset, uint32_t slot,
                                   const RecordBatchHeader& header, const ProtocolLimits* limits,
                                   MessageView* out) {
  Cursor head(section.substr(offset));
  uint32_t message_bytes = 0;
  if (!head.U32(&message_bytes)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("truncated: %d bytes left where its length should be", head.remaining()));
  }
  if (message_bytes > head.remaining()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "claims %d bytes but only %d remain in the section", message_bytes, head.remaining()));
  }
  if (uint64_t{message_bytes} + 4 < kMessageFixedBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "is %d bytes, shorter than the %d-byte fixed part", message_bytes + 4, kMessageFixedBytes));
  }
  std::string_view record;
  head.Bytes(message_bytes, &record);
  Cursor c(record);
  uint32_t born_delta_bits = 0;
  uint8_t flags = 0;
  uint8_t reserved = 0;
  uint16_t tag_len = 0, group_len = 0, key_count = 0, property_count = 0;
  // The fixed part is known to be there.
  c.U32(&born_delta_bits);
  c.U8(&flags);
  c.U8(&reserved);
  c.U16(&tag_len);
  c.U16(&group_len);
  c.U16(&key_count);
  c.U16(&property_count);
  if ((flags & ~kMessageFlagsKnown) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("unknown message flags 0x%02x", flags & ~kMessageFlagsKnown));
  }
  if (reserved != 0) {
    return absl::InvalidArgumentError(absl::StrFormat("reserved byte is 0x%02x, want 0", reserved));
  }
  // Counts are checked before anything is reserved for them.
  if (limits != nullptr && key_count > limits->keys_per_message_max) {
    return absl::InvalidArgumentError(absl::StrFormat("%d keys, more than keys_per_message_max %d",
                                                      key_count, limits->keys_per_message_max));
  }
  if (limits != nullptr && property_count > limits->properties_per_message_max) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d properties, more than properties_per_message_max %d", property_count,
                        limits->properties_per_message_max));
  }
  MessageView& m = *out;
  m = MessageView();
  m.slot = slot;
  const auto born_delta = static_cast<int32_t>(born_delta_bits);
  if (born_delta < 0 && header.first_born_time_ms < static_cast<uint64_t>(-int64_t{born_delta})) {
    return absl::InvalidArgumentError(
        absl::StrFormat("born time delta %d ms goes below time 0 (first born time %d)", born_delta,
                        header.first_born_time_ms));
  }
  if (born_delta > 0 &&
      header.first_born_time_ms > std::numeric_limits<uint64_t>::max() - born_delta) {
    return absl::InvalidArgumentError(
        absl::StrFormat("born time delta %d ms overflows the first born time %d", born_delta,
                        header.first_born_time_ms));
  }
  m.born_time_ms = header.first_born_time_ms + static_cast<uint64_t>(int64_t{born_delta});
  if ((flags & kMessageFlagDeliveryTime) != 0) {
    if (!c.U64(&m.delivery_time_ms)) {
      return absl::InvalidArgumentError("truncated in its delivery time");
    }
    if (m.delivery_time_ms == 0) {
      return absl::InvalidArgumentError("delivery time flag set with delivery time 0");
    }
  }
  if (!c.Bytes(tag_len, &m.tag)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "tag of %d bytes runs past the message's end (%d bytes left)", tag_len, c.remaining()));
  }
  if (!c.Bytes(group_len, &m.message_group)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("message group of %d bytes runs past the message's end (%d bytes left)",
                        group_len, c.remaining()));
  }
  m.keys.resize(key_count);
  for (uint16_t i = 0; i < key_count; ++i) {
    uint16_t len = 0;
    if (!c.U16(&len) || !c.Bytes(len, &m.keys[i])) {
      return absl::InvalidArgumentError(absl::StrFormat("key %d runs past the message's end", i));
    }
  }
  m.properties.resize(property_count);
  for (uint16_t i = 0; i < property_count; ++i) {
    uint16_t name_len = 0, value_len = 0;
    auto& [name, value] = m.properties[i];
    if (!c.U16(&name_len) || !c.Bytes(name_len, &name) || !c.U16(&value_len) ||
        !c.Bytes(value_len, &value)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("property %d runs past the message's end", i));
    }
  }
  m.body = c.Rest();
  if (limits != nullptr) MQ_RETURN_IF_ERROR(ValidateView(m, *limits));
  return offset + 4 + message_bytes;
}

absl::Status InMessage(uint32_t slot, uint32_t count, const absl::Status& status) {
  return Invalid(absl::StrFormat("message %d (of %d): %s", slot, count, status.message()));
}

}  // namespace

Message MessageView::ToMessage() const {
  Message m;
  m.body = std::string(body);
  m.tag = std::string(tag);
  for (std::string_view key : keys) m.keys.emplace_back(key);
  for (const auto& [name, value] : properties) m.properties.emplace(name, value);
  m.born_time_ms = born_time_ms;
  m.message_group = std::string(message_group);
  m.delivery_time_ms = delivery_time_ms;
  return m;
}

absl::Status ValidateMessage(const Message& message, const ProtocolLimits& limits) {
  return ValidateView(ViewOf(message), limits);
}

absl::StatusOr<RecordBatchHeader> DecodeRecordBatchHeader(std::string_view batch,
                                                          const ProtocolLimits& limits) {
  if (batch.size() < kBatchHeaderBytes) {
    return Invalid(absl::StrFormat("%d bytes, shorter than the %d-byte header", batch.size(),
                                   kBatchHeaderBytes));
  }
  if (batch.size() > limits.batch_bytes_max) {
    return Invalid(absl::StrFormat("%d bytes, more than batch_bytes_max %d", batch.size(),
                                   limits.batch_bytes_max));
  }
  const char* p = batch.data();
  if (DecodeFixed32(p + kBatchMagicOffset) != kBatchMagic) {
    return Invalid(
        absl::StrFormat("bad magic 0x%08x (want \"RMQB\")", DecodeFixed32(p + kBatchMagicOffset)));
  }
  RecordBatchHeader h;
  h.batch_bytes = DecodeFixed32(p + kBatchBytesOffset);
  if (h.batch_bytes != batch.size()) {
    return Invalid(absl::StrFormat("header says %d bytes, but the batch is %d bytes", h.batch_bytes,
                                   batch.size()));
  }
  h.crc32c = DecodeFixed32(p + kBatchCrcOffset);
  h.version = static_cast<uint8_t>(p[kBatchVersionOffset]);
  if (h.version != kBatchVersion) {
    return Invalid(
        absl::StrFormat("unsupported version %d (this build reads %d)", h.version, kBatchVersion));
  }
  const auto flags = static_cast<uint8_t>(p[kBatchFlagsOffset]);
  if ((flags & ~kBatchFlagsKnown) != 0) {
    return Invalid(absl::StrFormat("unknown flags 0x%02x", flags & ~kBatchFlagsKnown));
  }
  const uint8_t compression = flags & kBatchCompressionMask;
  if (compression > static_cast<uint8_t>(Compression::kLz4)) {
    return Invalid(absl::StrFormat("unknown compression %d", compression));
  }
  h.compression = static_cast<Compression>(compression);
  h.transactional = (flags & kBatchFlagTransactional) != 0;
  if (const uint16_t reserved = DecodeFixed16(p + kBatchReservedOffset); reserved != 0) {
    return Invalid(absl::StrFormat("reserved bytes are 0x%04x, want 0", reserved));
  }
  h.message_count = DecodeFixed32(p + kBatchMessageCountOffset);
  if (h.message_count == 0) return Invalid("holds no messages");
  if (h.message_count > limits.messages_per_batch_max) {
    return Invalid(absl::StrFormat("%d messages, more than messages_per_batch_max %d",
                                   h.message_count, limits.messages_per_batch_max));
  }
  h.section_bytes = DecodeFixed32(p + kBatchSectionBytesOffset);
  if (h.section_bytes > limits.batch_uncompressed_bytes_max) {
    return Invalid(
        absl::StrFormat("message section of %d bytes, more than "
                        "batch_uncompressed_bytes_max %d",
                        h.section_bytes, limits.batch_uncompressed_bytes_max));
  }
  if (uint64_t{h.message_count} * kMessageFixedBytes > h.section_bytes) {
    return Invalid(absl::StrFormat(
        "message section of %d bytes cannot hold %d messages of at least %d bytes each",
        h.section_bytes, h.message_count, kMessageFixedBytes));
  }
  const size_t stored_section = batch.size() - kBatchHeaderBytes;
  if (h.compression == Compression::kNone && h.section_bytes != stored_section) {
    return Invalid(absl::StrFormat(
        "uncompressed, but the header says the section is %d bytes and %d follow the header",
        h.section_bytes, stored_section));
  }
  h.producer_id = DecodeFixed64(p + kBatchProducerIdOffset);
  h.base_sequence = DecodeFixed64(p + kBatchBaseSequenceOffset);
  if (h.producer_id == 0 && h.base_sequence != 0) {
    return Invalid(absl::StrFormat("base sequence %d without a producer id (0)", h.base_sequence));
  }
  if (h.base_sequence > std::numeric_limits<uint64_t>::max() - (h.message_count - 1)) {
    return Invalid(absl::StrFormat("sequences from %d for %d messages overflow", h.base_sequence,
                                   h.message_count));
  }
  h.first_born_time_ms = DecodeFixed64(p + kBatchFirstBornTimeOffset);
  return h;
}

RecordBatchBuilder::RecordBatchBuilder(const RecordBatchOptions& options,
                                       const ProtocolLimits& limits)
    : options_(options), limits_(limits) {}

absl::Status RecordBatchBuilder::Add(const Message& message) {
  if (options_.producer_id == 0 && options_.base_sequence != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "record batch options: base sequence %d without a producer id", options_.base_sequence));
  }
  MQ_RETURN_IF_ERROR(ValidateMessage(message, limits_));
  const uint64_t record_bytes = RecordBytes(message);
  const uint64_t section_max = SectionBytesMax(limits_);
  if (record_bytes > section_max) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "message of %d bytes can never fit in a batch (at most %d bytes of messages, from "
        "batch_bytes_max %d and batch_uncompressed_bytes_max %d)",
        record_bytes, section_max, limits_.batch_bytes_max, limits_.batch_uncompressed_bytes_max));
  }
  if (message_count_ >= limits_.messages_per_batch_max) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "record batch is full: messages_per_batch_max %d", limits_.messages_per_batch_max));
  }
  if (section_.size() + record_bytes > section_max) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("record batch is full: %d + %d bytes of messages is more than %d",
                        section_.size(), record_bytes, section_max));
  }
  if (options_.base_sequence > std::numeric_limits<uint64_t>::max() - message_count_) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "record batch options: sequences from %d overflow", options_.base_sequence));
  }
  const uint64_t first = message_count_ == 0 ? message.born_time_ms : first_born_time_ms_;
  const int64_t delta = static_cast<int64_t>(message.born_time_ms - first);
  if (delta < std::numeric_limits<int32_t>::min() || delta > std::numeric_limits<int32_t>::max()) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "born time %d is too far from the batch's first born time %d (a batch spans at most "
        "2^31 ms): start a new batch",
        message.born_time_ms, first));
  }
  first_born_time_ms_ = first;

  section_.reserve(section_.size() + record_bytes);
  PutFixed32(&section_, static_cast<uint32_t>(record_bytes - 4));
  PutFixed32(&section_, static_cast<uint32_t>(static_cast<int32_t>(delta)));
  section_.push_back(
      static_cast<char>(message.delivery_time_ms != 0 ? kMessageFlagDeliveryTime : 0));
  section_.push_back(0);  // reserved
  PutFixed16(&section_, static_cast<uint16_t>(message.tag.size()));
  PutFixed16(&section_, static_cast<uint16_t>(message.message_group.size()));
  PutFixed16(&section_, static_cast<uint16_t>(message.keys.size()));
  PutFixed16(&section_, static_cast<uint16_t>(message.properties.size()));
  if (message.delivery_time_ms != 0) PutFixed64(&section_, message.delivery_time_ms);
  section_.append(message.tag);
  section_.append(message.message_group);
  for (const std::string& key : message.keys) PutBytes16(&section_, key);
  for (const auto& [name, value] : message.properties) {
    PutBytes16(&section_, name);
    PutBytes16(&section_, value);
  }
  section_.append(message.body);
  ++message_count_;
  return absl::OkStatus();
}

absl::StatusOr<std::string> RecordBatchBuilder::Build() && {
  if (message_count_ == 0) {
    return absl::FailedPreconditionError("record batch: no messages added");
  }
  std::string compressed;
  bool use_lz4 = false;
  if (options_.compression == Compression::kLz4) {
    const int bound = LZ4_compressBound(static_cast<int>(section_.size()));
    compressed.resize(static_cast<size_t>(bound));
    const int n = LZ4_compress_default(section_.data(), compressed.data(),
                                       static_cast<int>(section_.size()), bound);
    // Stored compressed only when that is smaller: the batch then never exceeds its cap.
    if (n > 0 && static_cast<size_t>(n) < section_.size()) {
      compressed.resize(static_cast<size_t>(n));
      use_lz4 = true;
    }
  }
  const std::string_view stored = use_lz4 ? std::string_view(compressed) : section_;
  std::string out(kBatchHeaderBytes, '\0');
  out.append(stored.data(), stored.size());
  char* p = out.data();
  EncodeFixed32(p + kBatchMagicOffset, kBatchMagic);
  EncodeFixed32(p + kBatchBytesOffset, static_cast<uint32_t>(out.size()));
  p[kBatchVersionOffset] = static_cast<char>(kBatchVersion);
  uint8_t flags = use_lz4 ? static_cast<uint8_t>(Compression::kLz4) : 0;
  if (options_.transactional) flags |= kBatchFlagTransactional;
  p[kBatchFlagsOffset] = static_cast<char>(flags);
  EncodeFixed32(p + kBatchMessageCountOffset, message_count_);
  EncodeFixed32(p + kBatchSectionBytesOffset, static_cast<uint32_t>(section_.size()));
  EncodeFixed64(p + kBatchProducerIdOffset, options_.producer_id);
  EncodeFixed64(p + kBatchBaseSequenceOffset, options_.base_sequence);
  EncodeFixed64(p + kBatchFirstBornTimeOffset, first_born_time_ms_);
  EncodeFixed32(p + kBatchCrcOffset,
                Crc32c(p + kBatchCrcCoverageStart, out.size() - kBatchCrcCoverageStart));
  return out;
}

absl::StatusOr<RecordBatchReader> RecordBatchReader::Open(std::string_view batch,
                                                          const ProtocolLimits& limits) {
  RecordBatchReader reader;
  MQ_ASSIGN_OR_RETURN(reader.header_, DecodeRecordBatchHeader(batch, limits));
  const RecordBatchHeader& h = reader.header_;
  const uint32_t have_crc =
      Crc32c(batch.data() + kBatchCrcCoverageStart, batch.size() - kBatchCrcCoverageStart);
  if (have_crc != h.crc32c) {
    return Invalid(
        absl::StrFormat("crc32c mismatch (header says %08x, bytes give %08x)", h.crc32c, have_crc));
  }
  reader.bytes_ = batch;
  const std::string_view stored = batch.substr(kBatchHeaderBytes);
  if (h.compression == Compression::kNone) {
    reader.section_ = stored;
  } else {
    if (stored.size() > static_cast<size_t>(INT_MAX) || h.section_bytes > INT_MAX) {
      return Invalid("LZ4 section too large for the decompressor");
    }
    // section_bytes was checked against batch_uncompressed_bytes_max by the header decoder.
    reader.decompressed_ = std::make_unique<char[]>(h.section_bytes);
    const int n =
        LZ4_decompress_safe(stored.data(), reader.decompressed_.get(),
                            static_cast<int>(stored.size()), static_cast<int>(h.section_bytes));
    if (n < 0) {
      return Invalid(absl::StrFormat(
          "LZ4 data (%d bytes) is corrupt or decompresses to more than the declared %d bytes",
          stored.size(), h.section_bytes));
    }
    if (static_cast<uint32_t>(n) != h.section_bytes) {
      return Invalid(
          absl::StrFormat("LZ4 data decompresses to %d bytes, header says %d", n, h.section_bytes));
    }
    reader.section_ = std::string_view(reader.decompressed_.get(), h.section_bytes);
  }
  reader.offsets_.reserve(h.message_count);
  size_t offset = 0;
  MessageView scratch;
  for (uint32_t slot = 0; slot < h.message_count; ++slot) {
    reader.offsets_.push_back(static_cast<uint32_t>(offset));
    absl::StatusOr<size_t> next = ParseRecord(reader.section_, offset, slot, h, &limits, &scratch);
    if (!next.ok()) return InMessage(slot, h.message_count, next.status());
    offset = *next;
  }
  if (offset != reader.section_.size()) {
    return Invalid(absl::StrFormat("%d bytes follow the last of the %d messages",
                                   reader.section_.size() - offset, h.message_count));
  }
  return reader;
}

MessageView RecordBatchReader::message(uint32_t slot) const {
  MQ_CHECK_MSG(slot < header_.message_count, "slot out of range");
  MessageView view;
  // Open verified every record against the limits; only the structure is walked again.
  absl::StatusOr<size_t> next =
      ParseRecord(section_, offsets_[slot], slot, header_, /*limits=*/nullptr, &view);
  MQ_CHECK_OK(next.status());
  return view;
}

std::vector<Message> RecordBatchReader::ToMessages() const {
  std::vector<Message> out;
  out.reserve(header_.message_count);
  for (uint32_t slot = 0; slot < header_.message_count; ++slot) {
    out.push_back(message(slot).ToMessage());
  }
  return out;
}

}  // namespace mq::protocol
