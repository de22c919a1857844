#include "client/protocol/api_key.h"

#include <array>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"

namespace mq::protocol {
namespace {

constexpr std::array<std::string_view, static_cast<size_t>(kClientApiKeyLast) + 1> kClientNames = {
    "None",           "Hello",          "Metadata",    "CreateTopic",      "DeleteTopic",
    "InitProducerId", "Produce",        "Fetch",       "ListOffsets",      "QueryMessageById",
    "UpdateSubGroup", "DeleteSubGroup", "JoinGroup",   "Heartbeat",        "SyncGroup",
    "LeaveGroup",     "CommitOffset",   "FetchOffset", "ConsumerProgress", "ClusterStatus",
};

}  // namespace

std::string ApiKeyName(ApiKey key) {
  const auto value = static_cast<uint16_t>(key);
  if (value < kClientNames.size()) return std::string(kClientNames[value]);
  if (key == ApiKey::kRaftPeerBatch) return "RaftPeerBatch";
  return absl::StrFormat("ApiKey(%d)", value);
}

bool IsClientApiKey(ApiKey key) {
  const auto value = static_cast<uint16_t>(key);
  return value >= static_cast<uint16_t>(ApiKey::kHello) &&
         value <= static_cast<uint16_t>(kClientApiKeyLast);
}

bool IsPeerApiKey(ApiKey key) {
  const auto value = static_cast<uint16_t>(key);
  return value >= kPeerApiKeyFirst && value <= kPeerApiKeyLast;
}

bool IsKnownApiKey(ApiKey key) { return IsClientApiKey(key) || key == ApiKey::kRaftPeerBatch; }

const std::vector<ApiVersionRange>& SupportedApiVersions() {
  static const std::vector<ApiVersionRange>* const kRanges = [] {
    auto* ranges = new std::vector<ApiVersionRange>;
    for (uint16_t k = 1; k <= static_cast<uint16_t>(kClientApiKeyLast); ++k) {
      ranges->push_back({.api_key = static_cast<ApiKey>(k), .min_version = 0, .max_version = 0});
    }
    ranges->push_back({.api_key = ApiKey::kRaftPeerBatch, .min_version = 0, .max_version = 0});
    return ranges;
  }();
  return *kRanges;
}

bool IsSupportedApiVersion(ApiKey key, uint16_t version) {
  for (const ApiVersionRange& range : SupportedApiVersions()) {
    if (range.api_key == key) return version >= range.min_version && version <= range.max_version;
  }
  return false;
}

}  // namespace mq::protocol
