#pragma once

// The pure part of the topic subcommands (updateTopic, deleteTopic, topicList, topicStatus):
// flags -> requests, responses -> tables and compact JSON (docs/mqadmin.md gives the shapes).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "client/protocol/messages.h"
#include "tools/mqadmin/flags.h"

namespace mq::tools::mqadmin {

inline constexpr uint32_t kDefaultQueueCount = 8;

// The subcommands' own flags (the dispatcher adds --servers, --deadline-ms, --json, --help).
std::vector<FlagSpec> UpdateTopicFlags();
std::vector<FlagSpec> DeleteTopicFlags();
std::vector<FlagSpec> TopicListFlags();
std::vector<FlagSpec> TopicStatusFlags();

// NORMAL | FIFO | DELAY | TRANSACTION, any case. A usage error otherwise.
[[nodiscard]] absl::StatusOr<protocol::MessageType> ParseMessageType(std::string_view text);

// updateTopic's flags: --topic, --queues (default 8, 1..1024), --type (default NORMAL),
// --retention-hours (default 0 = the broker's default), --retention-bytes (default 0 = ditto).
[[nodiscard]] absl::StatusOr<protocol::CreateTopicRequest> CreateTopicRequestFromFlags(
    const ParsedFlags& flags);

// After updateTopic / deleteTopic: {"topic":"T","cluster_version":N}, or a sentence.
std::string TopicChangeJson(std::string_view topic, uint64_t cluster_version);
std::string TopicChangeText(std::string_view verb, std::string_view topic,
                            uint64_t cluster_version);

// topicList: {"cluster_version":N,"topics":[{"topic":"T","message_type":"NORMAL",
// "queue_count":8,"retention_ms":0,"retention_bytes":0,"queues":[{"queue":0,"group_id":1}]}]}
// Topics sorted by name.
std::string TopicListJson(const protocol::MetadataResponse& metadata);
std::string TopicListTable(const protocol::MetadataResponse& metadata);

// topicStatus: {"topic":"T","queues":[{"queue":0,"min_offset":0,"max_offset":12,
// "last_store_time_ms":1700000000000,"error":"OK"}]} ("error" is the broker's code name per
// queue; max_offset is one past the last stored message).
std::string TopicStatusJson(std::string_view topic,
                            const std::vector<protocol::QueueOffsetRange>& queues);
std::string TopicStatusTable(std::string_view topic,
                             const std::vector<protocol::QueueOffsetRange>& queues);

}  // namespace mq::tools::mqadmin
