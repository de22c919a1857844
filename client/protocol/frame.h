#pragma once

// Frames: how requests and responses (and, on the peer port, Raft batches) travel over TCP.
//
// A frame is a fixed 32-byte little-endian header followed by `payload_bytes` of payload (one
// FlatBuffers table of client/protocol/protocol.fbs, or a raft/wire PeerBatch):
//
//   0               4       5       6               8               10              12
//   +---------------+-------+-------+---------------+---------------+---------------+
//   | magic "RMQF"  |version| flags | api_key  u16  | api_version   | reserved = 0  |
//   |               |  u8   |  u8   |               |      u16      |      u16      |
//   +---------------+-------+-------+---------------+---------------+---------------+
//   12              16                              24              28              32
//   +---------------+-------------------------------+---------------+---------------+
//   | payload_bytes | request_id  u64               | payload_crc32c| header_crc32c |
//   |      u32      |                               |      u32      | of bytes 0..27|
//   +---------------+-------------------------------+---------------+---------------+
//   32: payload_bytes bytes of payload
//
// Requests are pipelined: a client may send many before the first answer, and matches each
// response to its request by request_id (responses may come back in any order). A response
// carries the response flag and its request's api key and request id.
//
// A header that is not right (magic, version, header crc, unknown flags, reserved bits, or a
// frame longer than frame_bytes_max) or a payload whose crc does not match breaks the stream:
// the connection must be closed. The decoder checks the length before it allocates anything.
// A whole frame whose payload fails verification is the request's problem, not the stream's:
// the broker answers INVALID_ARGUMENT and carries on (client/protocol/codec.h).

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/protocol/aligned_buffer.h"
#include "client/protocol/api_key.h"
#include "client/protocol/limits.h"

namespace mq::protocol {

// "RMQF" as it appears on the wire (little-endian u32 0x46514D52).
inline constexpr uint32_t kFrameMagic = 0x46514D52;
inline constexpr uint8_t kFrameVersion = 1;
inline constexpr size_t kFrameHeaderBytes = 32;
// Field offsets, per the box above.
inline constexpr size_t kFrameMagicOffset = 0;
inline constexpr size_t kFrameVersionOffset = 4;
inline constexpr size_t kFrameFlagsOffset = 5;
inline constexpr size_t kFrameApiKeyOffset = 6;
inline constexpr size_t kFrameApiVersionOffset = 8;
inline constexpr size_t kFrameReservedOffset = 10;
inline constexpr size_t kFramePayloadBytesOffset = 12;
inline constexpr size_t kFrameRequestIdOffset = 16;
inline constexpr size_t kFramePayloadCrcOffset = 24;
inline constexpr size_t kFrameHeaderCrcOffset = 28;

// Flags. Unknown bits are refused: a new flag comes with a new frame version.
inline constexpr uint8_t kFrameFlagResponse = 0x01;
inline constexpr uint8_t kFrameFlagsKnown = kFrameFlagResponse;

// What a sender chooses; the encoder adds the magic, version, length and checksums.
struct FrameHeader {
  uint8_t flags = 0;
  ApiKey api_key = ApiKey::kNone;
  uint16_t api_version = 0;
  uint64_t request_id = 0;

  bool is_response() const { return (flags & kFrameFlagResponse) != 0; }
  bool operator==(const FrameHeader&) const = default;
};

// A decoded header: the sender's fields plus the payload's length and checksum.
struct WireFrameHeader {
  FrameHeader header;
  uint32_t payload_bytes = 0;
  uint32_t payload_crc32c = 0;
};

struct Frame {
  FrameHeader header;
  // Checked against payload_crc32c; 8-byte aligned, its own allocation.
  AlignedBuffer payload;
};

// The 32 header bytes for `payload`. A payload of 4 GiB or more is a programmer error (no
// limit admits it) and aborts. Use with a gather write: header, then payload, no copy.
std::array<char, kFrameHeaderBytes> EncodeFrameHeader(const FrameHeader& header,
                                                      std::string_view payload);
// Header and payload in one string.
std::string EncodeFrame(const FrameHeader& header, std::string_view payload);

// Decodes and checks a whole 32-byte header (magic, version, header crc, flags, reserved bits,
// frame length against frame_bytes_max). InvalidArgument naming the problem; every failure is
// fatal to the connection.
[[nodiscard]] absl::StatusOr<WireFrameHeader> DecodeFrameHeader(
    std::string_view header_bytes, const ProtocolLimits& limits = ProtocolLimits());

// FrameDecoder: turns a byte stream into frames, however the bytes are chunked.
//
// Two ways to feed it:
//  - Feed(bytes): bytes the socket read into a buffer of its own. Header bytes are staged,
//    payload bytes copied once, straight into the frame's payload buffer.
//  - ReadBuffer() / Commit(n): the socket reads straight into the decoder (the rest of the
//    current header, then the current frame's payload buffer): no copy at all, at the price of
//    reads no longer than the current header or payload.
// Whole frames queue up; Next() takes them in order. The first error (a bad header or payload
// crc) is sticky: every later Feed/Commit returns it and the connection must be closed. Frames
// completed before the error stay available from Next().
//
// Memory: the staged header, the payload being filled (allocated when its header has been
// checked, so at most frame_bytes_max) and the queued frames, which the caller bounds by
// draining Next() before reading more.
//
// Lifecycle: one per connection, owned by the connection's reader; not thread-safe.
class FrameDecoder {
 public:
  explicit FrameDecoder(const ProtocolLimits& limits = ProtocolLimits());

  [[nodiscard]] absl::Status Feed(std::string_view bytes);

  // Where the next bytes of the stream belong: never empty unless the decoder failed.
  std::span<char> ReadBuffer();
  // `n` bytes were written at the start of ReadBuffer() (n <= its size).
  [[nodiscard]] absl::Status Commit(size_t n);

  // The oldest whole frame not yet taken, if any.
  std::optional<Frame> Next();

  size_t queued_frames() const { return frames_.size(); }
  // True between frames: no partial header or payload is buffered.
  bool at_frame_boundary() const { return header_filled_ == 0 && !in_payload_; }
  // OK, or the error that broke the stream.
  const absl::Status& status() const { return status_; }

 private:
  absl::Status Fail(absl::Status status);
  // Called when header_filled_ or payload_filled_ advanced.
  absl::Status HeaderProgress();
  absl::Status PayloadProgress();

  ProtocolLimits limits_;
  absl::Status status_;
  std::array<char, kFrameHeaderBytes> header_bytes_{};
  size_t header_filled_ = 0;
  bool in_payload_ = false;
  WireFrameHeader current_;
  AlignedBuffer payload_;
  size_t payload_filled_ = 0;
  std::deque<Frame> frames_;
};

}  // namespace mq::protocol
