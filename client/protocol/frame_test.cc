#include "client/protocol/frame.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/base/prng.h"

namespace mq::protocol {
namespace {

using ::testing::HasSubstr;

struct TestFrame {
  FrameHeader header;
  std::string payload;
};

// Frames of assorted sizes (empty, 1 byte, odd, a few KiB), requests and responses.
std::vector<TestFrame> SampleFrames(Prng& prng, int count) {
  std::vector<TestFrame> frames;
  for (int i = 0; i < count; ++i) {
    TestFrame f;
    f.header.flags = prng.Chance(1, 2) ? kFrameFlagResponse : 0;
    f.header.api_key = static_cast<ApiKey>(prng.Range(1, 19));
    f.header.api_version = static_cast<uint16_t>(prng.Uniform(3));
    f.header.request_id = prng.Next();
    const size_t sizes[] = {0, 1, 7, 8, 33, 1000, 4096 + 3};
    f.payload.resize(sizes[prng.Uniform(7)]);
    for (char& c : f.payload) c = static_cast<char>(prng.Next());
    frames.push_back(std::move(f));
  }
  return frames;
}

std::string Stream(const std::vector<TestFrame>& frames) {
  std::string out;
  for (const TestFrame& f : frames) out += EncodeFrame(f.header, f.payload);
  return out;
}

void ExpectFrames(FrameDecoder& decoder, const std::vector<TestFrame>& want) {
  for (size_t i = 0; i < want.size(); ++i) {
    std::optional<Frame> frame = decoder.Next();
    ASSERT_TRUE(frame.has_value()) << "frame " << i;
    EXPECT_EQ(frame->header, want[i].header) << "frame " << i;
    EXPECT_EQ(frame->payload.view(), want[i].payload) << "frame " << i;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(frame->payload.data()) % 8, 0u) << "frame " << i;
  }
  EXPECT_FALSE(decoder.Next().has_value());
}

// Rewrites the header crc after a test changed header bytes.
std::string Recrc(std::string frame) {
  EncodeFixed32(frame.data() + kFrameHeaderCrcOffset, Crc32c(frame.data(), kFrameHeaderCrcOffset));
  return frame;
}

std::string ErrorOf(std::string_view stream, const ProtocolLimits& limits = ProtocolLimits()) {
  FrameDecoder decoder(limits);
  absl::Status status = decoder.Feed(stream);
  if (status.ok()) return "";
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

const FrameHeader kHeader{.flags = kFrameFlagResponse,
                          .api_key = ApiKey::kProduce,
                          .api_version = 0x0102,
                          .request_id = 0x1122334455667788};

TEST(FrameTest, HeaderLayoutMatchesTheDrawing) {
  const std::string payload = "hello";
  const std::string frame = EncodeFrame(kHeader, payload);
  ASSERT_EQ(frame.size(), kFrameHeaderBytes + payload.size());
  EXPECT_EQ(frame.substr(0, 4), "RMQF");
  EXPECT_EQ(frame[kFrameVersionOffset], 1);
  EXPECT_EQ(frame[kFrameFlagsOffset], kFrameFlagResponse);
  EXPECT_EQ(frame[kFrameApiKeyOffset], 6);  // kProduce, little-endian
  EXPECT_EQ(frame[kFrameApiKeyOffset + 1], 0);
  EXPECT_EQ(frame[kFrameApiVersionOffset], 0x02);
  EXPECT_EQ(frame[kFrameApiVersionOffset + 1], 0x01);
  EXPECT_EQ(frame[kFrameReservedOffset], 0);
  EXPECT_EQ(frame[kFrameReservedOffset + 1], 0);
  EXPECT_EQ(DecodeFixed32(frame.data() + kFramePayloadBytesOffset), 5u);
  EXPECT_EQ(DecodeFixed64(frame.data() + kFrameRequestIdOffset), kHeader.request_id);
  EXPECT_EQ(DecodeFixed32(frame.data() + kFramePayloadCrcOffset), Crc32c(payload));
  EXPECT_EQ(DecodeFixed32(frame.data() + kFrameHeaderCrcOffset), Crc32c(frame.data(), 28));
  EXPECT_EQ(frame.substr(kFrameHeaderBytes), payload);

  const auto head = EncodeFrameHeader(kHeader, payload);
  EXPECT_EQ(std::string(head.data(), head.size()), frame.substr(0, kFrameHeaderBytes));
}

TEST(FrameTest, HeaderRoundTrips) {
  const std::string frame = EncodeFrame(kHeader, "payload bytes");
  absl::StatusOr<WireFrameHeader> decoded =
      DecodeFrameHeader(std::string_view(frame).substr(0, kFrameHeaderBytes));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->header, kHeader);
  EXPECT_TRUE(decoded->header.is_response());
  EXPECT_EQ(decoded->payload_bytes, 13u);
  EXPECT_EQ(decoded->payload_crc32c, Crc32c("payload bytes"));
}

TEST(FrameTest, DecodeFrameHeaderWantsExactly32Bytes) {
  const std::string frame = EncodeFrame(kHeader, "");
  EXPECT_THAT(DecodeFrameHeader(frame.substr(0, 31)).status().message(),
              HasSubstr("header is 31 bytes, want 32"));
}

TEST(FrameDecoderTest, DecodesAStreamFedWhole) {
  Prng prng(1);
  const std::vector<TestFrame> frames = SampleFrames(prng, 20);
  FrameDecoder decoder;
  ASSERT_TRUE(decoder.Feed(Stream(frames)).ok());
  EXPECT_TRUE(decoder.at_frame_boundary());
  EXPECT_EQ(decoder.queued_frames(), frames.size());
  ExpectFrames(decoder, frames);
}

TEST(FrameDecoderTest, DecodesAStreamFedByteByByte) {
  Prng prng(2);
  const std::vector<TestFrame> frames = SampleFrames(prng, 12);
  const std::string stream = Stream(frames);
  FrameDecoder decoder;
  for (size_t i = 0; i < stream.size(); ++i) {
    ASSERT_TRUE(decoder.Feed(stream.substr(i, 1)).ok()) << "byte " << i;
  }
  ExpectFrames(decoder, frames);
}

TEST(FrameDecoderTest, DecodesAStreamInRandomChunkings) {
  const char* env = std::getenv("RAFTMQ_PROTOCOL_SEEDS");
  const uint64_t seeds = env != nullptr ? std::strtoull(env, nullptr, 10) : 50;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " (RAFTMQ_PROTOCOL_SEEDS)");
    Prng prng(seed);
    const std::vector<TestFrame> frames = SampleFrames(prng, 10);
    const std::string stream = Stream(frames);
    FrameDecoder decoder;
    size_t at = 0;
    while (at < stream.size()) {
      const size_t n = std::min<size_t>(stream.size() - at, prng.Range(1, 5000));
      ASSERT_TRUE(decoder.Feed(std::string_view(stream).substr(at, n)).ok());
      at += n;
    }
    ExpectFrames(decoder, frames);
  }
}

TEST(FrameDecoderTest, ZeroCopyPathReadsStraightIntoThePayload) {
  Prng prng(3);
  const std::vector<TestFrame> frames = SampleFrames(prng, 15);
  const std::string stream = Stream(frames);
  FrameDecoder decoder;
  size_t at = 0;
  while (at < stream.size()) {
    std::span<char> into = decoder.ReadBuffer();
    ASSERT_FALSE(into.empty());
    // A socket read returns at most what was asked, often less.
    const size_t n =
        std::min({into.size(), stream.size() - at, static_cast<size_t>(prng.Range(1, 700))});
    std::memcpy(into.data(), stream.data() + at, n);
    ASSERT_TRUE(decoder.Commit(n).ok());
    at += n;
  }
  ExpectFrames(decoder, frames);
}

TEST(FrameDecoderTest, ReadBufferAsksForTheRestOfTheHeaderThenThePayload) {
  const std::string frame = EncodeFrame(kHeader, std::string(100, 'x'));
  FrameDecoder decoder;
  EXPECT_EQ(decoder.ReadBuffer().size(), kFrameHeaderBytes);
  ASSERT_TRUE(decoder.Feed(frame.substr(0, 10)).ok());
  EXPECT_EQ(decoder.ReadBuffer().size(), kFrameHeaderBytes - 10);
  EXPECT_FALSE(decoder.at_frame_boundary());
  ASSERT_TRUE(decoder.Feed(frame.substr(10, 22)).ok());
  EXPECT_EQ(decoder.ReadBuffer().size(), 100u);
  ASSERT_TRUE(decoder.Feed(frame.substr(32, 60)).ok());
  EXPECT_EQ(decoder.ReadBuffer().size(), 40u);
  EXPECT_EQ(decoder.queued_frames(), 0u);
  ASSERT_TRUE(decoder.Feed(frame.substr(92)).ok());
  EXPECT_EQ(decoder.queued_frames(), 1u);
  EXPECT_TRUE(decoder.at_frame_boundary());
  EXPECT_EQ(decoder.ReadBuffer().size(), kFrameHeaderBytes);
}

TEST(FrameDecoderTest, CommitZeroIsANoOp) {
  FrameDecoder decoder;
  EXPECT_TRUE(decoder.Commit(0).ok());
  EXPECT_TRUE(decoder.at_frame_boundary());
}

TEST(FrameDecoderTest, AcceptsAFrameOfExactlyFrameBytesMax) {
  ProtocolLimits limits;
  limits.frame_bytes_max = kFrameHeaderBytes + 64;
  FrameDecoder decoder(limits);
  ASSERT_TRUE(decoder.Feed(EncodeFrame(kHeader, std::string(64, 'p'))).ok());
  EXPECT_EQ(decoder.queued_frames(), 1u);
}

TEST(FrameDecoderTest, RefusesALongFrameFromItsHeaderAlone) {
  ProtocolLimits limits;
  limits.frame_bytes_max = kFrameHeaderBytes + 64;
  // Only the header is fed: the length is judged before any payload byte (or allocation).
  const std::string frame = EncodeFrame(kHeader, std::string(65, 'p'));
  EXPECT_THAT(ErrorOf(frame.substr(0, kFrameHeaderBytes), limits),
              HasSubstr("Produce frame of 97 bytes (request id 1234605616436508552) is more than "
                        "frame_bytes_max 96"));
  // A header claiming 4 GiB, with a valid crc.
  std::string huge = frame.substr(0, kFrameHeaderBytes);
  EncodeFixed32(huge.data() + kFramePayloadBytesOffset, 0xFFFFFFFF);
  EXPECT_THAT(ErrorOf(Recrc(huge)), HasSubstr("more than frame_bytes_max"));
}

TEST(FrameDecoderTest, RefusesBadMagicAsSoonAsFourBytesArrive) {
  // An HTTP client sends fewer than 32 bytes and waits: it must be told at once.
  FrameDecoder decoder;
  ASSERT_TRUE(decoder.Feed("GE").ok());
  absl::Status status = decoder.Feed("T ");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("bad magic \"GET \" (want \"RMQF\")"));
  EXPECT_THAT(ErrorOf(std::string("\x16\x03\x01\x02", 4)), HasSubstr("\\x16\\x03\\x01\\x02"));
}

TEST(FrameDecoderTest, RefusesAnotherFrameVersion) {
  std::string frame = EncodeFrame(kHeader, "x");
  frame[kFrameVersionOffset] = 2;
  EXPECT_THAT(ErrorOf(Recrc(frame)),
              HasSubstr("unsupported frame version 2 (this build speaks 1)"));
}

TEST(FrameDecoderTest, RefusesAHeaderWhoseCrcDoesNotMatch) {
  std::string frame = EncodeFrame(kHeader, "x");
  frame[kFrameRequestIdOffset] ^= 0x01;
  EXPECT_THAT(ErrorOf(frame), HasSubstr("header crc32c mismatch"));
  frame = EncodeFrame(kHeader, "x");
  frame[kFrameHeaderCrcOffset] ^= 0x80;
  EXPECT_THAT(ErrorOf(frame), HasSubstr("header crc32c mismatch"));
}

TEST(FrameDecoderTest, RefusesUnknownFlags) {
  std::string frame = EncodeFrame(kHeader, "x");
  frame[kFrameFlagsOffset] = static_cast<char>(0x81);
  EXPECT_THAT(ErrorOf(Recrc(frame)), HasSubstr("unknown flags 0x80"));
}

TEST(FrameDecoderTest, RefusesReservedBits) {
  std::string frame = EncodeFrame(kHeader, "x");
  frame[kFrameReservedOffset + 1] = 0x01;
  EXPECT_THAT(ErrorOf(Recrc(frame)), HasSubstr("reserved header bits are 0x0100, want 0"));
}

TEST(FrameDecoderTest, RefusesAPayloadWhoseCrcDoesNotMatch) {
  std::string frame = EncodeFrame(kHeader, "some payload");
  frame.back() ^= 0x01;
  EXPECT_THAT(
      ErrorOf(frame),
      HasSubstr("payload crc32c mismatch in Produce frame, request id 1234605616436508552"));
  // An empty payload must carry the crc of nothing (0).
  std::string empty = EncodeFrame(kHeader, "");
  EncodeFixed32(empty.data() + kFramePayloadCrcOffset, 1);
  EXPECT_THAT(ErrorOf(Recrc(empty)), HasSubstr("payload crc32c mismatch"));
}

TEST(FrameDecoderTest, AnErrorIsStickyAndEarlierFramesSurvive) {
  const std::string good = EncodeFrame(kHeader, "first");
  std::string bad = EncodeFrame(kHeader, "second");
  bad[0] = 'X';
  FrameDecoder decoder;
  absl::Status status = decoder.Feed(good + bad + good);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(decoder.status(), status);
  EXPECT_EQ(decoder.Feed(good), status);
  EXPECT_EQ(decoder.Commit(1), status);
  EXPECT_TRUE(decoder.ReadBuffer().empty());
  std::optional<Frame> first = decoder.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->payload.view(), "first");
  EXPECT_FALSE(decoder.Next().has_value());
}

TEST(AlignedBufferTest, CopiesAndAligns) {
  for (size_t size : {0, 1, 7, 8, 9, 1000}) {
    const std::string bytes(size, 'z');
    AlignedBuffer buffer = AlignedBuffer::CopyOf(bytes);
    EXPECT_EQ(buffer.view(), bytes);
    EXPECT_EQ(buffer.size(), size);
    EXPECT_EQ(buffer.empty(), size == 0);
    EXPECT_NE(buffer.data(), nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer.data()) % AlignedBuffer::kAlignBytes, 0u);
    AlignedBuffer moved = std::move(buffer);
    EXPECT_EQ(moved.view(), bytes);
  }
  EXPECT_TRUE(AlignedBuffer().view().empty());
}

}  // namespace
}  // namespace mq::protocol
