#pragma once

// The commands of the controller group (group 0): the payloads of its Raft entries, proposed
// by the controller leader's request handlers and applied by ControllerState on every replica.
//
// Binary, little-endian; str = u32 byte count then the bytes:
//
//   0      1         2
//   +------+---------+------------------------------------+
//   | type | version | body (by type, below), to the end  |
//   +------+---------+------------------------------------+
//   1 CreateTopic         name str, message type u8, queue_count u32, retention_ms u64,
//                         retention_bytes u64
//   2 DeleteTopic         name str
//   3 UpdateSubGroup      SubGroupConfig (AppendSubGroupConfig below)
//   4 DeleteSubGroup      name str
//   5 AllocateProducerId  (nothing)
//   6 CommitOffsets       group str, instance str, count u32, count x (topic str, queue u32,
//                         offset u64)
//
// The Raft log checksums entries, so commands carry no CRC of their own. Decoding verifies
// every length, count, enum and the absence of trailing bytes; it checks sizes only (the
// bounds below), not meaning: ControllerState::Apply judges content, deterministically.
// A command this build cannot decode is applied as a no-op answered kInvalidArgument on every
// replica alike.
//
// EVOLUTION: a new command takes a new type; a changed body takes a new version, and decoders
// keep reading the old ones (entries outlive the code that wrote them).

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/base/byte_io.h"
#include "client/protocol/messages.h"

namespace mq::broker {

enum class ControllerCommandType : uint8_t {
  kCreateTopic = 1,
  kDeleteTopic = 2,
  kUpdateSubGroup = 3,
  kDeleteSubGroup = 4,
  kAllocateProducerId = 5,
  kCommitOffsets = 6,
};
inline constexpr uint8_t kControllerCommandVersion = 1;

// Decode bounds (sizes only). Names are further checked by the protocol decoder on the way in
// (127 bytes); 255 here leaves room without trusting the proposer.
inline constexpr uint64_t kCommandNameBytesMax = 255;
inline constexpr uint64_t kCommandTagExpressionBytesMax = 4096;
inline constexpr uint64_t kCommandSubscriptionsMax = 4096;
inline constexpr uint64_t kCommandRetryBackoffStepsMax = 64;
inline constexpr uint64_t kCommandOffsetsMax = 1 << 18;

struct AllocateProducerIdCommand {
  bool operator==(const AllocateProducerIdCommand&) const = default;
};

struct CommitOffsetsCommand {
  std::string group{};
  std::string instance{};  // "" for a clustering group
  std::vector<protocol::QueueOffset> offsets{};
  bool operator==(const CommitOffsetsCommand&) const = default;
};

// One decoded command; the alternative says the type.
using ControllerCommand =
    std::variant<protocol::CreateTopicRequest, protocol::DeleteTopicRequest,
                 protocol::UpdateSubGroupRequest, protocol::DeleteSubGroupRequest,
                 AllocateProducerIdCommand, CommitOffsetsCommand>;

std::string EncodeCreateTopic(const protocol::CreateTopicRequest& request);
std::string EncodeDeleteTopic(const protocol::DeleteTopicRequest& request);
std::string EncodeUpdateSubGroup(const protocol::UpdateSubGroupRequest& request);
std::string EncodeDeleteSubGroup(const protocol::DeleteSubGroupRequest& request);
std::string EncodeAllocateProducerId();
std::string EncodeCommitOffsets(std::string_view group, std::string_view instance,
                                const std::vector<protocol::QueueOffset>& offsets);
// Any command (the encoders above in one).
std::string EncodeControllerCommand(const ControllerCommand& command);

// InvalidArgument naming the byte and field for anything malformed (see the top of the file).
[[nodiscard]] absl::StatusOr<ControllerCommand> DecodeControllerCommand(std::string_view bytes);

// "CreateTopic", ...: for logs.
std::string_view ControllerCommandName(const ControllerCommand& command);

// SubGroupConfig's encoding, shared by the UpdateSubGroup command and the controller snapshot:
//   name str, mode u8, subscriptions u32 x (topic str, tag expression str), max_retries u32,
//   backoff steps u32 x u32, fifo u8 (0 or 1)
void AppendSubGroupConfig(const protocol::SubGroupConfig& config, std::string* out);
[[nodiscard]] absl::Status ReadSubGroupConfig(ByteReader& reader, protocol::SubGroupConfig* config);

}  // namespace mq::broker
