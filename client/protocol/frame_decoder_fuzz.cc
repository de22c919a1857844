// Fuzz target for FrameDecoder (registered by mq_add_fuzzer; see cmake/MqFuzzing.cmake).
//
// Any byte stream: decoding must not crash and may only fail with InvalidArgument. The stream
// is decoded three ways -- fed whole, fed in chunks of sizes drawn from a PRNG seeded by the
// input, and read through ReadBuffer/Commit -- and all three must give the same frames and the
// same status. Every decoded frame must re-encode to exactly the bytes it was decoded from.
//
// Seeds: the replay driver takes LLVMFuzzerSeedInputs. For a libFuzzer binary, set
// RAFTMQ_FUZZ_WRITE_SEEDS=<corpus dir> once and the seeds are written there first:
//   mkdir corpus && RAFTMQ_FUZZ_WRITE_SEEDS=corpus ./frame_decoder_fuzz corpus -max_total_time=60

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "client/protocol/codec.h"
#include "client/protocol/frame.h"
#include "client/protocol/protocol_testing.h"
#include "storage/base/crc32c.h"
#include "storage/base/prng.h"
#include "storage/base/status_macros.h"

namespace {

using mq::protocol::Frame;
using mq::protocol::FrameDecoder;
using mq::protocol::ProtocolLimits;

ProtocolLimits FuzzLimits() {
  ProtocolLimits limits;
  limits.frame_bytes_max = 64 << 10;
  return limits;
}

struct Outcome {
  std::vector<Frame> frames;
  absl::Status status;
};

void Drain(FrameDecoder& decoder, Outcome& out) {
  while (std::optional<Frame> frame = decoder.Next()) out.frames.push_back(std::move(*frame));
}

Outcome Whole(std::string_view input) {
  FrameDecoder decoder(FuzzLimits());
  Outcome out;
  out.status = decoder.Feed(input);
  Drain(decoder, out);
  return out;
}

Outcome Chunked(std::string_view input, uint64_t seed) {
  FrameDecoder decoder(FuzzLimits());
  mq::Prng prng(seed);
  Outcome out;
  while (!input.empty() && out.status.ok()) {
    const size_t n = std::min<size_t>(input.size(), prng.Range(1, 64));
    out.status = decoder.Feed(input.substr(0, n));
    input.remove_prefix(n);
    Drain(decoder, out);
  }
  return out;
}

Outcome ZeroCopy(std::string_view input, uint64_t seed) {
  FrameDecoder decoder(FuzzLimits());
  mq::Prng prng(seed);
  Outcome out;
  while (!input.empty() && out.status.ok()) {
    std::span<char> into = decoder.ReadBuffer();
    MQ_CHECK(!into.empty());
    const size_t n = std::min({into.size(), input.size(), static_cast<size_t>(prng.Range(1, 97))});
    std::memcpy(into.data(), input.data(), n);
    input.remove_prefix(n);
    out.status = decoder.Commit(n);
    Drain(decoder, out);
  }
  return out;
}

void CheckSame(const Outcome& a, const Outcome& b) {
  MQ_CHECK_MSG(a.status == b.status, (a.status.ToString() + " vs " + b.status.ToString()).c_str());
  MQ_CHECK(a.frames.size() == b.frames.size());
  for (size_t i = 0; i < a.frames.size(); ++i) {
    MQ_CHECK(a.frames[i].header == b.frames[i].header);
    MQ_CHECK(a.frames[i].payload.view() == b.frames[i].payload.view());
  }
}

std::vector<std::string> Seeds() {
  std::vector<std::string> seeds;
  std::string all;
  uint64_t id = 1;
  for (const mq::protocol::Request& request : mq::protocol::testing::SampleRequests()) {
    const std::string frame =
        mq::protocol::EncodeFrame({.api_key = mq::protocol::ApiKeyOf(request), .request_id = id++},
                                  mq::protocol::EncodeRequest(request));
    seeds.push_back(frame);
    all += frame;
  }
  seeds.push_back(all);
  seeds.push_back(mq::protocol::EncodeFrame(
      {.flags = mq::protocol::kFrameFlagResponse, .api_key = mq::protocol::ApiKey::kHello}, ""));
  seeds.push_back(mq::protocol::EncodeFrame({.api_key = mq::protocol::ApiKey::kRaftPeerBatch},
                                            std::string(100, 'r')));
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
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Outcome whole = Whole(input);
  if (!whole.status.ok()) {
    MQ_CHECK_MSG(whole.status.code() == absl::StatusCode::kInvalidArgument,
                 whole.status.ToString().c_str());
  }
  const uint64_t seed = mq::Crc32c(input);
  CheckSame(whole, Chunked(input, seed));
  CheckSame(whole, ZeroCopy(input, seed));
  // The encoding is canonical: the frames re-encode to the bytes they came from.
  std::string again;
  for (const Frame& frame : whole.frames) {
    again += mq::protocol::EncodeFrame(frame.header, frame.payload.view());
  }
  MQ_CHECK(input.substr(0, again.size()) == again);
  return 0;
}
