// Fuzz target for request and response payload decoding (registered by mq_add_fuzzer; see
// cmake/MqFuzzing.cmake).
//
// Input: a selector byte, then a payload. The selector's low 7 bits pick the api and whether
// the payload is a request, a response or an ErrorResponse; its high bit decodes from an
// 8-byte-aligned copy (as FrameDecoder delivers) rather than in place (misaligned by one, which
// the decoder must copy). Decoding must not crash and may only fail with InvalidArgument. A
// payload that decodes must round trip: re-encoding and decoding again gives the same value,
// and encoding is a fixed point from then on.
//
// Seeds: every sample request and response (and an ErrorResponse), as in
// frame_decoder_fuzz.cc (RAFTMQ_FUZZ_WRITE_SEEDS).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client/protocol/aligned_buffer.h"
#include "client/protocol/codec.h"
#include "client/protocol/protocol_testing.h"
#include "storage/base/status_macros.h"

namespace {

using mq::protocol::ApiKey;
using mq::protocol::ProtocolLimits;

constexpr uint8_t kApis = static_cast<uint8_t>(mq::protocol::kClientApiKeyLast);
// Selector values: [0, kApis) requests, [kApis, 2 * kApis) responses, 2 * kApis ErrorResponse.
constexpr uint8_t kSelectors = 2 * kApis + 1;
constexpr uint8_t kAligned = 0x80;

// Small limits, so the fuzzer also reaches every limit check.
ProtocolLimits FuzzLimits() {
  ProtocolLimits limits;
  limits.frame_bytes_max = 1 << 20;
  limits.tables_per_payload_max = 4096;
  limits.items_per_list_max = 256;
  limits.batch_bytes_max = 64 << 10;
  limits.error_message_bytes_max = 256;
  limits.auth_bytes_max = 64;
  return limits;
}

// Relaxed sizes for the re-encoding, which need not be as small as the input.
ProtocolLimits AgainLimits() {
  ProtocolLimits limits = FuzzLimits();
  limits.frame_bytes_max = ProtocolLimits().frame_bytes_max;
  limits.tables_per_payload_max = ProtocolLimits().tables_per_payload_max;
  return limits;
}

void CheckInvalid(const absl::Status& status) {
  MQ_CHECK_MSG(status.code() == absl::StatusCode::kInvalidArgument, status.ToString().c_str());
}

template <typename Variant, typename DecodeFn, typename EncodeFn>
void RoundTrip(ApiKey key, std::string_view payload, DecodeFn decode, EncodeFn encode) {
  static const ProtocolLimits limits = FuzzLimits();
  static const ProtocolLimits again_limits = AgainLimits();
  absl::StatusOr<Variant> decoded = decode(key, payload, limits);
  if (!decoded.ok()) return CheckInvalid(decoded.status());
  const std::string encoded = encode(*decoded);
  absl::StatusOr<Variant> again = decode(key, encoded, again_limits);
  MQ_CHECK_MSG(again.ok(), again.status().ToString().c_str());
  MQ_CHECK(*again == *decoded);
  MQ_CHECK(encode(*again) == encoded);
}

std::vector<std::string> Seeds() {
  std::vector<std::string> seeds;
  uint8_t i = 0;
  for (const mq::protocol::Request& r : mq::protocol::testing::SampleRequests()) {
    seeds.push_back(std::string(1, static_cast<char>(i++)) + mq::protocol::EncodeRequest(r));
  }
  for (const mq::protocol::Response& r : mq::protocol::testing::SampleResponses()) {
    seeds.push_back(std::string(1, static_cast<char>(i++ | kAligned)) +
                    mq::protocol::EncodeResponse(r));
  }
  seeds.push_back(std::string(1, static_cast<char>(2 * kApis)) +
                  mq::protocol::EncodeErrorResponse(
                      {.error_code = mq::protocol::ErrorCode::kTimeout, .message = "timed out"}));
  return seeds;
}

}  // namespace

extern "C" void LLVMFuzzerSeedInputs(std::vector<std::string>* seeds) {
  for (std::string& seed : Seeds()) seeds->push_back(std::move(seed));
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  mq::protocol::testing::MaybeWriteFuzzSeeds(Seeds());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = static_cast<uint8_t>((data[0] & ~kAligned) % kSelectors);
  std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  mq::protocol::AlignedBuffer aligned;
  if ((data[0] & kAligned) != 0) {
    aligned = mq::protocol::AlignedBuffer::CopyOf(payload);
    payload = aligned.view();
  }
  if (selector < kApis) {
    RoundTrip<mq::protocol::Request>(static_cast<ApiKey>(selector + 1), payload,
                                     &mq::protocol::DecodeRequest, &mq::protocol::EncodeRequest);
  } else if (selector < 2 * kApis) {
    RoundTrip<mq::protocol::Response>(static_cast<ApiKey>(selector - kApis + 1), payload,
                                      &mq::protocol::DecodeResponse, &mq::protocol::EncodeResponse);
  } else {
    static const ProtocolLimits limits = FuzzLimits();
    absl::StatusOr<mq::protocol::ErrorResponse> decoded =
        mq::protocol::Decode<mq::protocol::ErrorResponse>(payload, limits);
    if (!decoded.ok()) {
      CheckInvalid(decoded.status());
      return 0;
    }
    const std::string encoded = mq::protocol::Encode(*decoded);
    absl::StatusOr<mq::protocol::ErrorResponse> again =
        mq::protocol::Decode<mq::protocol::ErrorResponse>(encoded, AgainLimits());
    MQ_CHECK_OK(again.status());
    MQ_CHECK(*again == *decoded);
  }
  return 0;
}
