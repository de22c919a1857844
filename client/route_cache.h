#pragma once

// RouteCache: what the client knows about where to send a request (internal to mq_client).
//
// Built from MetadataResponses and corrected by NOT_LEADER hints: broker id -> address, group
// id -> leader broker id (group 0 = the controller), topic -> queues -> data group. A group
// whose leader is unknown (never told, or invalidated after a failure) makes the caller refresh
// metadata. Addresses to ask when no particular broker is needed rotate over the bootstrap list
// and every broker the metadata named, so one dead broker does not stall metadata refreshes.
//
// Pure data: no I/O, no clock (time comes in as steady milliseconds). Owned by
// ClientRuntime's io thread; not thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/protocol/messages.h"

namespace mq::client {

class RouteCache {
 public:
  explicit RouteCache(std::vector<std::string> bootstrap);

  void ApplyMetadata(const protocol::MetadataResponse& metadata, uint64_t now_ms);
  // A NOT_LEADER hint. Returns false if it names no leader (broker id 0 or no address).
  bool ApplyHint(const protocol::LeaderHint& hint);
  // The group's leader is no longer trusted (connection failure, hint without a leader).
  void InvalidateGroup(uint64_t group_id);
  // Drops a topic (e.g. UNKNOWN_TOPIC from a leader: it may have been deleted and recreated).
  void ForgetTopic(std::string_view topic);

  std::optional<std::string> LeaderAddress(uint64_t group_id) const;
  std::optional<std::string> BrokerAddress(uint64_t broker_id) const;
  // The next address to ask anything (rotates).
  std::string NextAnyAddress();

  // nullptr if unknown. The pointer lives until the next ApplyMetadata/ForgetTopic.
  const protocol::TopicInfo* Topic(std::string_view topic) const;
  // True if the topic is unknown or its entry is older than max_age_ms.
  bool TopicStale(std::string_view topic, uint64_t now_ms, uint64_t max_age_ms) const;
  // The data group of a queue; nullopt if the topic or queue is unknown.
  std::optional<uint64_t> QueueGroup(std::string_view topic, uint32_t queue_id) const;
  // Names of every cached topic, for a refresh that keeps them current.
  std::vector<std::string> TopicNames() const;
  uint64_t cluster_version() const { return cluster_version_; }

 private:
  struct TopicEntry {
    protocol::TopicInfo info;
    uint64_t fetched_ms = 0;
  };

  std::vector<std::string> bootstrap_;
  size_t any_index_ = 0;
  uint64_t cluster_version_ = 0;
  std::map<uint64_t, std::string> brokers_;
  std::map<uint64_t, uint64_t> leaders_;  // group -> broker id (absent: unknown)
  std::map<std::string, TopicEntry, std::less<>> topics_;
};

}  // namespace mq::client
