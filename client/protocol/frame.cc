#include "client/protocol/frame.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/str_format.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/base/status_macros.h"

namespace mq::protocol {
namespace {

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrFormat("frame: %s", message));
}

// A few printable bytes of what arrived instead of a frame header: a client speaking another
// protocol (an HTTP request, a TLS hello) is the usual cause and is recognisable at a glance.
std::string Preview(std::string_view bytes) {
  std::string out;
  for (char c : bytes.substr(0, 4)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) {
      out.push_back(c);
    } else {
      out += absl::StrFormat("\\x%02x", u);
    }
  }
  return out;
}

absl::Status CheckMagic(std::string_view first4) {
  if (DecodeFixed32(first4.data()) != kFrameMagic) {
    return Invalid(absl::StrFormat(
        "bad magic \"%s\" (want \"RMQF\"): not a RaftMQ frame, or the stream lost its place",
        Preview(first4)));
  }
  return absl::OkStatus();
}

}  // namespace

std::array<char, kFrameHeaderBytes> EncodeFrameHeader(const FrameHeader& header,
                                                      std::string_view payload) {
  MQ_CHECK_MSG(payload.size() <= std::numeric_limits<uint32_t>::max(),
               "frame payload of 4 GiB or more");
  std::array<char, kFrameHeaderBytes> out{};
  char* p = out.data();
  EncodeFixed32(p + kFrameMagicOffset, kFrameMagic);
  p[kFrameVersionOffset] = static_cast<char>(kFrameVersion);
  p[kFrameFlagsOffset] = static_cast<char>(header.flags);
  const auto api_key = static_cast<uint16_t>(header.api_key);
  p[kFrameApiKeyOffset] = static_cast<char>(api_key & 0xFF);
  p[kFrameApiKeyOffset + 1] = static_cast<char>(api_key >> 8);
  p[kFrameApiVersionOffset] = static_cast<char>(header.api_version & 0xFF);
  p[kFrameApiVersionOffset + 1] = static_cast<char>(header.api_version >> 8);
  // Reserved bytes stay zero.
  EncodeFixed32(p + kFramePayloadBytesOffset, static_cast<uint32_t>(payload.size()));
  EncodeFixed64(p + kFrameRequestIdOffset, header.request_id);
  EncodeFixed32(p + kFramePayloadCrcOffset, Crc32c(payload));
  EncodeFixed32(p + kFrameHeaderCrcOffset, Crc32c(p, kFrameHeaderCrcOffset));
  return out;
}

std::string EncodeFrame(const FrameHeader& header, std::string_view payload) {
  const std::array<char, kFrameHeaderBytes> head = EncodeFrameHeader(header, payload);
  std::string out;
  out.reserve(head.size() + payload.size());
  out.append(head.data(), head.size());
  out.append(payload.data(), payload.size());
  return out;
}

absl::StatusOr<WireFrameHeader> DecodeFrameHeader(std::string_view bytes,
                                                  const ProtocolLimits& limits) {
  if (bytes.size() != kFrameHeaderBytes) {
    return Invalid(absl::StrFormat("header is %d bytes, want %d", bytes.size(), kFrameHeaderBytes));
  }
  const char* p = bytes.data();
  // Magic, then version, before the checksum: a client of another protocol or a newer frame
  // version gets told so rather than "bad checksum".
  MQ_RETURN_IF_ERROR(CheckMagic(bytes.substr(0, 4)));
  const auto version = static_cast<uint8_t>(p[kFrameVersionOffset]);
  if (version != kFrameVersion) {
    return Invalid(absl::StrFormat("unsupported frame version %d (this build speaks %d)", version,
                                   kFrameVersion));
  }
  const uint32_t want_crc = DecodeFixed32(p + kFrameHeaderCrcOffset);
  const uint32_t have_crc = Crc32c(p, kFrameHeaderCrcOffset);
  if (want_crc != have_crc) {
    return Invalid(absl::StrFormat("header crc32c mismatch (header says %08x, bytes give %08x)",
                                   want_crc, have_crc));
  }
  WireFrameHeader out;
  out.header.flags = static_cast<uint8_t>(p[kFrameFlagsOffset]);
  if ((out.header.flags & ~kFrameFlagsKnown) != 0) {
    return Invalid(absl::StrFormat("unknown flags 0x%02x", out.header.flags & ~kFrameFlagsKnown));
  }
  const uint16_t reserved =
      static_cast<uint16_t>(static_cast<uint8_t>(p[kFrameReservedOffset]) |
                            static_cast<uint8_t>(p[kFrameReservedOffset + 1]) << 8);
  if (reserved != 0) {
    return Invalid(absl::StrFormat("reserved header bits are 0x%04x, want 0", reserved));
  }
  out.header.api_key = static_cast<ApiKey>(static_cast<uint8_t>(p[kFrameApiKeyOffset]) |
                                           static_cast<uint8_t>(p[kFrameApiKeyOffset + 1]) << 8);
  out.header.api_version =
      static_cast<uint16_t>(static_cast<uint8_t>(p[kFrameApiVersionOffset]) |
                            static_cast<uint8_t>(p[kFrameApiVersionOffset + 1]) << 8);
  out.payload_bytes = DecodeFixed32(p + kFramePayloadBytesOffset);
  out.header.request_id = DecodeFixed64(p + kFrameRequestIdOffset);
  out.payload_crc32c = DecodeFixed32(p + kFramePayloadCrcOffset);
  const uint64_t frame_bytes = uint64_t{kFrameHeaderBytes} + out.payload_bytes;
  if (frame_bytes > limits.frame_bytes_max) {
    return Invalid(
        absl::StrFormat("%s frame of %d bytes (request id %d) is more than frame_bytes_max %d",
                        ApiKeyName(out.header.api_key), frame_bytes, out.header.request_id,
                        limits.frame_bytes_max));
  }
  return out;
}

FrameDecoder::FrameDecoder(const ProtocolLimits& limits) : limits_(limits) {}

absl::Status FrameDecoder::Fail(absl::Status status) {
  status_ = std::move(status);
  return status_;
}

absl::Status FrameDecoder::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    MQ_RETURN_IF_ERROR(status_);
    const std::span<char> into = ReadBuffer();
    const size_t n = std::min(into.size(), bytes.size());
    std::memcpy(into.data(), bytes.data(), n);
    bytes.remove_prefix(n);
    MQ_RETURN_IF_ERROR(Commit(n));
  }
  return status_;
}

std::span<char> FrameDecoder::ReadBuffer() {
  if (!status_.ok()) return {};
  if (in_payload_) {
    return std::span<char>(payload_.data() + payload_filled_, payload_.size() - payload_filled_);
  }
  return std::span<char>(header_bytes_.data() + header_filled_,
                         header_bytes_.size() - header_filled_);
}

absl::Status FrameDecoder::Commit(size_t n) {
  MQ_RETURN_IF_ERROR(status_);
  if (n == 0) return absl::OkStatus();
  if (in_payload_) {
    MQ_CHECK_MSG(n <= payload_.size() - payload_filled_, "Commit past ReadBuffer()");
    payload_filled_ += n;
    return PayloadProgress();
  }
  MQ_CHECK_MSG(n <= kFrameHeaderBytes - header_filled_, "Commit past ReadBuffer()");
  header_filled_ += n;
  return HeaderProgress();
}

absl::Status FrameDecoder::HeaderProgress() {
  // The magic is judged as soon as it is in: a peer speaking another protocol may send fewer
  // than 32 bytes and then wait for an answer forever.
  if (header_filled_ < 4) return absl::OkStatus();
  if (absl::Status status = CheckMagic(std::string_view(header_bytes_.data(), 4)); !status.ok()) {
    return Fail(std::move(status));
  }
  if (header_filled_ < kFrameHeaderBytes) return absl::OkStatus();
  absl::StatusOr<WireFrameHeader> header =
      DecodeFrameHeader(std::string_view(header_bytes_.data(), header_bytes_.size()), limits_);
  if (!header.ok()) return Fail(header.status());
  current_ = *header;
  header_filled_ = 0;
  // Allocated only now that the length is known to be within frame_bytes_max.
  payload_ = AlignedBuffer(current_.payload_bytes);
  payload_filled_ = 0;
  in_payload_ = true;
  return PayloadProgress();
}

absl::Status FrameDecoder::PayloadProgress() {
  if (payload_filled_ < payload_.size()) return absl::OkStatus();
  in_payload_ = false;
  const uint32_t have_crc = Crc32c(payload_.data(), payload_.size());
  if (have_crc != current_.payload_crc32c) {
    return Fail(Invalid(absl::StrFormat(
        "payload crc32c mismatch in %s frame, request id %d (header says %08x, %d payload "
        "bytes give %08x)",
        ApiKeyName(current_.header.api_key), current_.header.request_id, current_.payload_crc32c,
        payload_.size(), have_crc)));
  }
  frames_.push_back(Frame{.header = current_.header, .payload = std::move(payload_)});
  payload_ = AlignedBuffer();
  payload_filled_ = 0;
  return absl::OkStatus();
}

std::optional<Frame> FrameDecoder::Next() {
  if (frames_.empty()) return std::nullopt;
  Frame frame = std::move(frames_.front());
  frames_.pop_front();
  return frame;
}

}  // namespace mq::protocol
