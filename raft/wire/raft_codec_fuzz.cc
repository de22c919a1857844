// Fuzz target for DecodePeerBatch (registered by mq_add_fuzzer; see cmake/MqFuzzing.cmake).
//
// Any input: decoding must not crash and may only fail with InvalidArgument. An input that
// decodes must survive a round trip: re-encoding and decoding again gives the same messages,
// and encoding is a fixed point from then on.
//
// Seeds: the replay driver takes LLVMFuzzerSeedInputs. A libFuzzer binary has no such hook;
// give it a corpus directory and set RAFTMQ_FUZZ_WRITE_SEEDS=<that directory> once, and the
// seeds are written there before fuzzing starts:
//   mkdir corpus && RAFTMQ_FUZZ_WRITE_SEEDS=corpus ./raft_codec_fuzz corpus -max_total_time=60

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "raft/wire/codec_testing.h"
#include "raft/wire/raft_codec.h"
#include "storage/base/status_macros.h"

namespace {

using mq::raft::Message;
using mq::raft::MessageType;
using mq::raft::wire::DecodeLimits;
using mq::raft::wire::DecodePeerBatch;
using mq::raft::wire::EncodePeerBatch;
using mq::raft::wire::GroupMessage;

// Small limits, so the fuzzer also reaches every limit check.
DecodeLimits FuzzLimits() {
  DecodeLimits limits;
  limits.batch_bytes_max = 1 << 20;
  limits.messages_per_batch_max = 64;
  limits.entries_per_message_max = 64;
  limits.entry_bytes_max = 4096;
  limits.snapshot_bytes_max = 4096;
  limits.context_bytes_max = 256;
  limits.conf_nodes_max = 16;
  limits.tables_per_batch_max = 4096;
  return limits;
}

std::vector<std::string> Seeds() {
  std::vector<std::string> seeds;
  const std::vector<GroupMessage> sample = mq::raft::wire::testing::SampleBatch();
  seeds.push_back(EncodePeerBatch(sample));
  seeds.push_back(EncodePeerBatch({}));
  for (const GroupMessage& gm : sample) seeds.push_back(EncodePeerBatch({gm}));
  // Coalesced heartbeats of several groups.
  std::vector<GroupMessage> heartbeats;
  for (uint64_t g = 1; g <= 5; ++g) {
    Message m;
    m.type = MessageType::kHeartbeat;
    m.from = 1;
    m.to = 2;
    m.term = 3;
    m.commit = g * 10;
    heartbeats.push_back({.group_id = g, .message = m});
  }
  seeds.push_back(EncodePeerBatch(heartbeats));
  return seeds;
}

}  // namespace

extern "C" void LLVMFuzzerSeedInputs(std::vector<std::string>* seeds) {
  for (std::string& seed : Seeds()) seeds->push_back(std::move(seed));
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  const char* dir = std::getenv("RAFTMQ_FUZZ_WRITE_SEEDS");
  if (dir == nullptr || dir[0] == '\0') return 0;
  const std::vector<std::string> seeds = Seeds();
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream out(std::string(dir) + "/seed-" + std::to_string(i), std::ios::binary);
    out.write(seeds[i].data(), static_cast<std::streamsize>(seeds[i].size()));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const DecodeLimits limits = FuzzLimits();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto decoded = DecodePeerBatch(input, limits);
  if (!decoded.ok()) {
    MQ_CHECK_MSG(decoded.status().code() == absl::StatusCode::kInvalidArgument,
                 std::string(decoded.status().message()).c_str());
    return 0;
  }
  // A re-encoding may be larger than the input (the input may share tables between messages
  // within the table limit), so it is decoded with the default byte limit.
  DecodeLimits again_limits = limits;
  again_limits.batch_bytes_max = DecodeLimits().batch_bytes_max;
  const std::string encoded = EncodePeerBatch(*decoded);
  auto again = DecodePeerBatch(encoded, again_limits);
  MQ_CHECK_MSG(again.ok(), std::string(again.status().message()).c_str());
  MQ_CHECK(mq::raft::wire::testing::SameBatch(*decoded, *again));
  MQ_CHECK(EncodePeerBatch(*again) == encoded);
  return 0;
}
