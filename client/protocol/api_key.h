#pragma once

// Api keys: the frame header's field that says which request (and so which payload table) a
// frame carries. A response frame repeats its request's api key.
//
// Client APIs count up from 1. The range [kPeerApiKeyFirst, kPeerApiKeyLast] is reserved for
// traffic between brokers on the same framing (Raft PeerBatch payloads of raft/wire); a broker
// refuses peer api keys on client connections (those that did not Hello as a peer).
//
// EVOLUTION: values are forever. Add new keys at the end of their range; never renumber.

#include <cstdint>
#include <string>
#include <vector>

namespace mq::protocol {

enum class ApiKey : uint16_t {
  kNone = 0,  // never valid on the wire
  kHello = 1,
  kMetadata = 2,
  kCreateTopic = 3,
  kDeleteTopic = 4,
  kInitProducerId = 5,
  kProduce = 6,
  kFetch = 7,
  kListOffsets = 8,
  kQueryMessageById = 9,
  kUpdateSubGroup = 10,
  kDeleteSubGroup = 11,
  kJoinGroup = 12,
  kHeartbeat = 13,
  kSyncGroup = 14,
  kLeaveGroup = 15,
  kCommitOffset = 16,
  kFetchOffset = 17,
  kConsumerProgress = 18,
  kClusterStatus = 19,

  // Peer traffic. A peer batch is one-way: it has no response frame.
  kRaftPeerBatch = 0x8000,
};

inline constexpr ApiKey kClientApiKeyLast = ApiKey::kClusterStatus;
inline constexpr uint16_t kPeerApiKeyFirst = 0x8000;
inline constexpr uint16_t kPeerApiKeyLast = 0x8FFF;

// The versions of one api a side speaks. Payload tables evolve by adding fields, so a version
// only marks a change of behaviour; every api is at version 0 today.
struct ApiVersionRange {
  ApiKey api_key = ApiKey::kNone;
  uint16_t min_version = 0;
  uint16_t max_version = 0;
  bool operator==(const ApiVersionRange&) const = default;
};

// "Produce", "RaftPeerBatch", or "ApiKey(1234)" for a value this build does not know.
std::string ApiKeyName(ApiKey key);
// A client api this build knows (kHello .. kClientApiKeyLast).
bool IsClientApiKey(ApiKey key);
// In the reserved peer range (known or not).
bool IsPeerApiKey(ApiKey key);
// An api this build knows, client or peer.
bool IsKnownApiKey(ApiKey key);
// The versions this build speaks, one range per known api, in key order (HelloRequest and
// HelloResponse carry them).
const std::vector<ApiVersionRange>& SupportedApiVersions();
// Whether this build speaks `version` of `key`.
bool IsSupportedApiVersion(ApiKey key, uint16_t version);

}  // namespace mq::protocol
