#pragma once

// ClientOptions: how every client object (Producer, PullConsumer, PushConsumer, Admin) finds the
// cluster and how long it keeps trying.
//
// Timeouts, in milliseconds:
//  - connect_timeout_ms: one TCP connect plus the Hello exchange;
//  - request_timeout_ms: one request on the wire, from write to response. A request that times
//    out is an UNKNOWN outcome (the broker may still act on it);
//  - deadline_ms: the whole operation, all retries and metadata refreshes included. When it
//    passes, the operation fails with DEADLINE_EXCEEDED (definite only if every attempt was
//    definitely rejected; see client/status.h).
// Retries back off exponentially: retry_backoff_initial_ms, doubled per attempt, capped at
// retry_backoff_max_ms, with up to 20% jitter.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mq::client {

struct ClientOptions {
  // Bootstrap brokers, "host:port[,host:port...]". Any broker answers metadata; the client then
  // talks to the leaders the metadata names.
  std::string servers = "127.0.0.1:9876";
  // Sent in Hello and used to name consumer group members. "" = "<hostname>-<pid>-<n>".
  std::string client_id{};
  // Authentication (Hello.auth); empty = none.
  std::string auth_mechanism{};
  std::string username{};
  std::string secret{};

  uint32_t connect_timeout_ms = 3000;
  uint32_t request_timeout_ms = 10000;
  uint32_t deadline_ms = 30000;
  uint32_t retry_backoff_initial_ms = 20;
  uint32_t retry_backoff_max_ms = 1000;
  // Cached metadata older than this is refreshed before it is used.
  uint32_t metadata_max_age_ms = 30000;
};

// "h:p,h:p" -> {"h:p", "h:p"}: trims spaces, drops empty items; InvalidArgument for an item
// without a port or with a port that is not 1..65535, or for an empty list.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ParseServers(std::string_view servers);

}  // namespace mq::client
