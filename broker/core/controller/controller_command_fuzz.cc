// Fuzz target for the controller's decoders (registered by mq_add_fuzzer; see
// cmake/MqFuzzing.cmake).
//
// Input: a selector byte, then the bytes to decode. Selector % 3:
//   0  DecodeControllerCommand; a command that decodes must re-encode to the same bytes (the
//      encoding is canonical), and applying it to a ControllerState must not crash;
//   1  ControllerState::RestoreBytes (a snapshot); one that restores must snapshot to the same
//      bytes;
//   2  DecodeClusterMeta; a config that decodes must validate and round trip.
// Failures may only be InvalidArgument (commands) or DataLoss (snapshots, cluster.meta).

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/controller/cluster_config.h"
#include "broker/core/controller/controller_command.h"
#include "broker/core/controller/controller_state.h"

namespace {

using namespace mq::broker;

ClusterConfig FuzzConfig() {
  absl::StatusOr<ClusterConfig> config = MakeClusterConfig(
      "fuzz", {{1, "127.0.0.1:9001", ""}, {2, "127.0.0.1:9002", "127.0.0.1:8002"}}, 3);
  if (!config.ok()) std::abort();
  return *config;
}

void Require(bool condition) {
  if (!condition) std::abort();
}

// A state with one of everything, for seeds and for applying fuzzed commands to.
std::vector<std::string> SeedCommands() {
  mq::protocol::UpdateSubGroupRequest group;
  group.config = DefaultSubGroupConfig("g", mq::protocol::ConsumeMode::kBroadcasting);
  group.config.subscriptions = {{"t", "a || b"}};
  group.config.retry_backoff_ms = {1000};
  return {
      EncodeCreateTopic({.name = "t", .queue_count = 4}),
      EncodeDeleteTopic({.name = "t"}),
      EncodeUpdateSubGroup(group),
      EncodeDeleteSubGroup({.name = "g"}),
      EncodeAllocateProducerId(),
      EncodeCommitOffsets("g", "i", {{"t", 1, 5}}),
  };
}

}  // namespace

extern "C" void LLVMFuzzerSeedInputs(std::vector<std::string>* seeds) {
  ControllerState state(FuzzConfig());
  for (const std::string& c : SeedCommands()) {
    seeds->push_back(std::string(1, '\0') + c);
    state.ApplyCommand(c);
  }
  state.ApplyCommand(EncodeCreateTopic({.name = "t", .queue_count = 4}));
  state.ApplyCommand(SeedCommands()[2]);
  state.ApplyCommand(SeedCommands()[5]);
  seeds->push_back(std::string(1, '\1') + std::string(state.Snapshot().view()));
  seeds->push_back(std::string(1, '\2') + EncodeClusterMeta(FuzzConfig()));
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      absl::StatusOr<ControllerCommand> command = DecodeControllerCommand(bytes);
      if (!command.ok()) {
        Require(command.status().code() == absl::StatusCode::kInvalidArgument);
        return 0;
      }
      Require(EncodeControllerCommand(*command) == bytes);
      ControllerState state(FuzzConfig());
      state.ApplyCommand(SeedCommands()[0]);
      state.ApplyCommand(SeedCommands()[2]);
      state.ApplyCommand(bytes);
      break;
    }
    case 1: {
      ControllerState state(FuzzConfig());
      absl::Status s = state.RestoreBytes(bytes);
      if (!s.ok()) {
        Require(s.code() == absl::StatusCode::kDataLoss);
        return 0;
      }
      Require(state.Snapshot().view() == bytes);
      break;
    }
    default: {
      absl::StatusOr<ClusterConfig> config = DecodeClusterMeta(bytes);
      if (!config.ok()) {
        Require(config.status().code() == absl::StatusCode::kDataLoss);
        return 0;
      }
      Require(ValidateClusterConfig(*config).ok());
      Require(DecodeClusterMeta(EncodeClusterMeta(*config)).value() == *config);
      break;
    }
  }
  return 0;
}
