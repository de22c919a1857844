#pragma once

// The pure part of the consumer-group subcommands (updateSubGroup, deleteSubGroup,
// consumerProgress): flags -> requests, responses -> tables and compact JSON (shapes in
// docs/mqadmin.md).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "client/protocol/messages.h"
#include "tools/mqadmin/flags.h"

namespace mq::tools::mqadmin {

// The subcommands' own flags (the dispatcher adds --servers, --deadline-ms, --json, --help).
std::vector<FlagSpec> UpdateSubGroupFlags();
std::vector<FlagSpec> DeleteSubGroupFlags();
std::vector<FlagSpec> ConsumerProgressFlags();

// clustering | broadcasting, any case. A usage error otherwise.
[[nodiscard]] absl::StatusOr<protocol::ConsumeMode> ParseConsumeMode(std::string_view text);

// updateSubGroup's flags: --group, --mode (default clustering), --subscription TOPIC[=EXPR]
// (repeatable; EXPR defaults to "*"), --max-retries (default 16, at most 64),
// --retry-backoff-ms MS[,MS...] (default: the broker's ladder), --fifo.
[[nodiscard]] absl::StatusOr<protocol::SubGroupConfig> SubGroupConfigFromFlags(
    const ParsedFlags& flags);

// After updateSubGroup / deleteSubGroup: {"group":"G","cluster_version":N}, or a sentence.
std::string GroupChangeJson(std::string_view group, uint64_t cluster_version);
std::string GroupChangeText(std::string_view verb, std::string_view group,
                            uint64_t cluster_version);

// Lag of one queue: broker offset - consumer offset; with no committed offset, the whole
// broker offset (the group has consumed nothing there); never negative.
uint64_t QueueLag(const protocol::QueueProgress& queue);

// consumerProgress:
// {"group":"G","mode":"CLUSTERING","generation":3,"total_lag":7,
//  "members":[{"member_id":"m","client_id":"c","instance":"","assignment":[{"topic":"T","queue":0}]}],
//  "queues":[{"topic":"T","queue":0,"broker_offset":10,"consumer_offset":3,"lag":7,"member":"m"}]}
// consumer_offset is null when the group never committed one for that queue.
std::string ConsumerProgressJson(std::string_view group,
                                 const protocol::ConsumerProgressResponse& progress);
std::string ConsumerProgressTable(std::string_view group,
                                  const protocol::ConsumerProgressResponse& progress);

}  // namespace mq::tools::mqadmin
