#include "client/protocol/messages.h"

#include "absl/strings/str_format.h"
#include "client/protocol/protocol_generated.h"

namespace mq::protocol {
namespace {

// The generated names are the wire spelling; values this build does not know print as numbers.
template <typename E, typename F>
std::string NameOf(E value, E last, const char* type, F generated_name) {
  const auto raw = static_cast<uint64_t>(value);
  if (raw > static_cast<uint64_t>(last)) return absl::StrFormat("%s(%d)", type, raw);
  return generated_name(value);
}

}  // namespace

std::string MessageTypeName(MessageType type) {
  return NameOf(type, kMessageTypeLast, "MessageType", [](MessageType t) {
    return std::string(fb::EnumNameMessageType(static_cast<fb::MessageType>(t)));
  });
}

std::string ConsumeModeName(ConsumeMode mode) {
  return NameOf(mode, kConsumeModeLast, "ConsumeMode", [](ConsumeMode m) {
    return std::string(fb::EnumNameConsumeMode(static_cast<fb::ConsumeMode>(m)));
  });
}

std::string ReplicaRoleName(ReplicaRole role) {
  return NameOf(role, kReplicaRoleLast, "ReplicaRole", [](ReplicaRole r) {
    return std::string(fb::EnumNameReplicaRole(static_cast<fb::ReplicaRole>(r)));
  });
}

}  // namespace mq::protocol
