#include "client/admin.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <utility>

#include "absl/strings/str_format.h"
#include "client/client_runtime.h"
#include "client/cluster_status_merge.h"
#include "client/status.h"
#include "storage/base/status_macros.h"

namespace mq::client {

using Target = ClientRuntime::Target;

// How long ClusterStatus waits for each broker's own answer before calling it unreachable.
constexpr std::chrono::milliseconds kBrokerStatusWait{2000};

absl::StatusOr<std::unique_ptr<Admin>> Admin::Create(const ClientOptions& options) {
  MQ_ASSIGN_OR_RETURN(std::shared_ptr<ClientRuntime> runtime, ClientRuntime::Create(options));
  return std::unique_ptr<Admin>(new Admin(std::move(runtime)));
}

Admin::Admin(std::shared_ptr<ClientRuntime> runtime) : runtime_(std::move(runtime)) {}

Admin::~Admin() { runtime_->Shutdown(); }

absl::StatusOr<protocol::MetadataResponse> Admin::Metadata(const std::vector<std::string>& topics) {
  return runtime_->CallSync(Target::Any(), protocol::MetadataRequest{.topics = topics});
}

absl::StatusOr<uint64_t> Admin::CreateTopic(const protocol::CreateTopicRequest& request) {
  MQ_ASSIGN_OR_RETURN(protocol::CreateTopicResponse response,
                      runtime_->CallSync(Target::Controller(), request));
  return response.cluster_version;
}

absl::StatusOr<uint64_t> Admin::DeleteTopic(std::string_view name) {
  MQ_ASSIGN_OR_RETURN(protocol::DeleteTopicResponse response,
                      runtime_->CallSync(Target::Controller(),
                                         protocol::DeleteTopicRequest{.name = std::string(name)}));
  return response.cluster_version;
}

absl::StatusOr<uint64_t> Admin::UpdateSubGroup(const protocol::SubGroupConfig& config) {
  MQ_ASSIGN_OR_RETURN(
      protocol::UpdateSubGroupResponse response,
      runtime_->CallSync(Target::Controller(), protocol::UpdateSubGroupRequest{.config = config}));
  return response.cluster_version;
}

absl::StatusOr<uint64_t> Admin::DeleteSubGroup(std::string_view name) {
  MQ_ASSIGN_OR_RETURN(protocol::DeleteSubGroupResponse response,
                      runtime_->CallSync(Target::Controller(), protocol::DeleteSubGroupRequest{
                                                                   .name = std::string(name)}));
  return response.cluster_version;
}

absl::StatusOr<protocol::ClusterStatusResponse> Admin::ClusterStatus() {
  // Any broker names them all; then each is asked for its own replicas' view, all at once.
  MQ_ASSIGN_OR_RETURN(protocol::ClusterStatusResponse first,
                      runtime_->CallSync(Target::Any(), protocol::ClusterStatusRequest{}));
  if (first.brokers.empty()) return first;  // nobody else to ask
  ClientRuntime::CallPolicy policy;
  policy.deadline =
      std::min(runtime_->DefaultDeadline(), ClientRuntime::Clock::now() + kBrokerStatusWait);
  std::vector<std::pair<uint64_t, std::future<absl::StatusOr<protocol::ClusterStatusResponse>>>>
      calls;
  for (const protocol::BrokerStatus& broker : first.brokers) {
    auto promise =
        std::make_shared<std::promise<absl::StatusOr<protocol::ClusterStatusResponse>>>();
    calls.emplace_back(broker.broker_id, promise->get_future());
    runtime_->Call<protocol::ClusterStatusRequest>(
        Target::Address(broker.address), protocol::ClusterStatusRequest{}, policy,
        [promise](absl::StatusOr<protocol::ClusterStatusResponse> response) {
          promise->set_value(std::move(response));
        });
  }
  std::vector<BrokerAnswer> answers;
  for (auto& [broker_id, future] : calls) answers.push_back({broker_id, future.get()});
  return MergeClusterStatus(answers);
}

absl::StatusOr<std::vector<protocol::QueueOffsetRange>> Admin::ListOffsets(std::string_view topic) {
  MQ_ASSIGN_OR_RETURN(
      protocol::MetadataResponse metadata,
      runtime_->CallSync(Target::Any(), protocol::MetadataRequest{.topics = {std::string(topic)}}));
  const protocol::TopicInfo* info = nullptr;
  for (const protocol::TopicInfo& t : metadata.topics) {
    if (t.name == topic) info = &t;
  }
  if (info == nullptr || info->error_code != protocol::ErrorCode::kOk) {
    return MakeClientError(absl::StatusCode::kNotFound, /*definite=*/true,
                           absl::StrFormat("topic %s does not exist", topic),
                           protocol::ErrorCode::kUnknownTopic);
  }
  // One request per data group, each to its leader, all in flight together.
  std::map<uint64_t, std::vector<protocol::QueueRef>> by_group;
  for (const protocol::QueueInfo& queue : info->queues) {
    by_group[queue.group_id].push_back({.topic = std::string(topic), .queue_id = queue.queue_id});
  }
  std::vector<std::pair<uint64_t, std::future<absl::StatusOr<protocol::ListOffsetsResponse>>>>
      calls;
  for (auto& [group, queues] : by_group) {
    auto promise = std::make_shared<std::promise<absl::StatusOr<protocol::ListOffsetsResponse>>>();
    calls.emplace_back(group, promise->get_future());
    runtime_->Call<protocol::ListOffsetsRequest>(
        Target::Group(group), protocol::ListOffsetsRequest{.queues = queues}, {},
        [promise](absl::StatusOr<protocol::ListOffsetsResponse> response) {
          promise->set_value(std::move(response));
        });
  }
  std::map<uint32_t, protocol::QueueOffsetRange> ranges;
  for (auto& [group, future] : calls) {
    absl::StatusOr<protocol::ListOffsetsResponse> response = future.get();
    if (response.ok()) {
      for (protocol::QueueOffsetRange& range : response->queues) {
        ranges[range.queue_id] = std::move(range);
      }
      continue;
    }
    protocol::ErrorCode code =
        BrokerErrorCode(response.status()).value_or(protocol::ErrorCode::kUnavailable);
    for (const protocol::QueueRef& queue : by_group[group]) {
      ranges[queue.queue_id] = {
          .topic = queue.topic, .queue_id = queue.queue_id, .error_code = code};
    }
  }
  std::vector<protocol::QueueOffsetRange> out;
  for (auto& [queue, range] : ranges) out.push_back(std::move(range));
  return out;
}

absl::StatusOr<protocol::ConsumerProgressResponse> Admin::ConsumerProgress(std::string_view group) {
  return runtime_->CallSync(Target::Controller(),
                            protocol::ConsumerProgressRequest{.group = std::string(group)});
}

absl::StatusOr<ReceivedMessage> Admin::QueryMessageById(const protocol::MessageId& id) {
  if (absl::Status valid = protocol::ValidateMessageId(id); !valid.ok()) {
    return MakeClientError(absl::StatusCode::kInvalidArgument, /*definite=*/true,
                           std::string(valid.message()));
  }
  MQ_ASSIGN_OR_RETURN(protocol::QueryMessageByIdResponse response,
                      runtime_->CallSync(Target::Group(id.group_id),
                                         protocol::QueryMessageByIdRequest{.msg_id = id}));
  return DecodeQueriedMessage(id, response);
}

absl::StatusOr<ReceivedMessage> Admin::QueryMessageById(std::string_view id_text) {
  absl::StatusOr<protocol::MessageId> id = protocol::ParseMessageId(id_text);
  if (!id.ok()) {
    return MakeClientError(absl::StatusCode::kInvalidArgument, /*definite=*/true,
                           std::string(id.status().message()));
  }
  return QueryMessageById(*id);
}

}  // namespace mq::client
