#include "client/protocol/protocol_testing.h"

#include <cstdlib>
#include <fstream>
#include <utility>

#include "storage/base/status_macros.h"

namespace mq::protocol::testing {
namespace {

ResponseHeader SampleHeader() {
  return ResponseHeader{
      .error_code = ErrorCode::kNotLeader,
      .message = "not the leader of group 3",
      .leader_hint = {.group_id = 3, .broker_id = 2, .address = "127.0.0.1:9002"},
      .definite = true,
  };
}

std::vector<QueueRef> SampleQueues() {
  return {{.topic = "orders", .queue_id = 1}, {.topic = "%RETRY%billing", .queue_id = 7}};
}

SubGroupConfig SampleConfig() {
  return SubGroupConfig{
      .name = "billing",
      .mode = ConsumeMode::kBroadcasting,
      .subscriptions = {{.topic = "orders", .tag_expression = "paid || refunded"},
                        {.topic = "audit", .tag_expression = "*"}},
      .max_retries = 5,
      .retry_backoff_ms = {1000, 5000, 10000},
      .fifo = true,
  };
}

}  // namespace

std::vector<Message> SampleMessages() {
  std::vector<Message> messages;
  messages.push_back({.body = std::string(200, 'a'),
                      .tag = "paid",
                      .keys = {"order-1", "customer-9"},
                      .properties = {{"region", "eu"}, {"trace", "abc123"}},
                      .born_time_ms = 1700000000000,
                      .message_group = "customer-9",
                      .delivery_time_ms = 1700000060000});
  messages.push_back({.body = "", .born_time_ms = 1699999999000});  // earlier than the first
  messages.push_back({.body = std::string(300, 'a') + "tail",
                      .tag = "refunded",
                      .properties = {{"k", ""}},
                      .born_time_ms = 1700000001000});
  return messages;
}

std::string SampleBatch(Compression compression) {
  RecordBatchBuilder builder(
      {.producer_id = 42, .base_sequence = 1000, .compression = compression});
  for (const Message& m : SampleMessages()) MQ_CHECK_OK(builder.Add(m));
  absl::StatusOr<std::string> batch = std::move(builder).Build();
  MQ_CHECK_OK(batch.status());
  return *std::move(batch);
}

std::vector<Request> SampleRequests() {
  std::vector<Request> r;
  r.push_back(HelloRequest{
      .client_id = "producer-7",
      .software = "raftmq-cpp/0.1.0",
      .api_versions = SupportedApiVersions(),
      .auth = {.mechanism = "PLAIN", .username = "alice", .secret = std::string("s\0cret", 6)},
      .peer_broker_id = 3,
      .cluster_id = "local-cluster"});
  r.push_back(MetadataRequest{.topics = {"orders", "audit"}});
  r.push_back(CreateTopicRequest{.name = "orders",
                                 .queue_count = 8,
                                 .message_type = MessageType::kFifo,
                                 .retention_ms = 86400000,
                                 .retention_bytes = 1 << 30});
  r.push_back(DeleteTopicRequest{.name = "orders"});
  r.push_back(InitProducerIdRequest{.producer_group = "checkout"});
  r.push_back(ProduceRequest{.topic = "orders",
                             .queue_id = 3,
                             .producer_id = 42,
                             .sequence = 1000,
                             .record_batch = SampleBatch(),
                             .timeout_ms = 3000});
  r.push_back(FetchRequest{.topic = "orders",
                           .queue_id = 3,
                           .offset = 12345,
                           .max_messages = 32,
                           .max_bytes = 1 << 20,
                           .max_wait_ms = 500,
                           .tag_filter = "paid || refunded",
                           .consumer_group = "billing"});
  r.push_back(ListOffsetsRequest{.queues = SampleQueues()});
  r.push_back(QueryMessageByIdRequest{.msg_id = {.group_id = 2, .raft_index = 77, .slot = 4}});
  r.push_back(UpdateSubGroupRequest{.config = SampleConfig()});
  r.push_back(DeleteSubGroupRequest{.name = "billing"});
  r.push_back(JoinGroupRequest{.group = "billing",
                               .member_id = "producer-7-1",
                               .client_id = "consumer-1",
                               .instance = "host-a",
                               .subscriptions = SampleConfig().subscriptions,
                               .session_timeout_ms = 10000});
  r.push_back(HeartbeatRequest{.group = "billing", .member_id = "m-1", .generation = 5});
  r.push_back(SyncGroupRequest{.group = "billing", .member_id = "m-1", .generation = 6});
  r.push_back(LeaveGroupRequest{.group = "billing", .member_id = "m-1"});
  r.push_back(CommitOffsetRequest{.group = "billing",
                                  .member_id = "m-1",
                                  .generation = 6,
                                  .instance = "host-a",
                                  .offsets = {{.topic = "orders", .queue_id = 1, .offset = 0},
                                              {.topic = "orders", .queue_id = 2, .offset = 99}}});
  r.push_back(
      FetchOffsetRequest{.group = "billing", .instance = "host-a", .queues = SampleQueues()});
  r.push_back(ConsumerProgressRequest{.group = "billing"});
  r.push_back(ClusterStatusRequest{});
  return r;
}

std::vector<Response> SampleResponses() {
  std::vector<Response> r;
  r.push_back(HelloResponse{.header = SampleHeader(),
                            .broker_id = 1,
                            .cluster_id = "local-cluster",
                            .api_versions = SupportedApiVersions(),
                            .frame_bytes_max = 72 << 20,
                            .batch_bytes_max = 4 << 20});
  r.push_back(MetadataResponse{
      .header = SampleHeader(),
      .cluster_id = "local-cluster",
      .cluster_version = 17,
      .controller_broker_id = 2,
      .brokers = {{.broker_id = 1, .address = "127.0.0.1:9001", .http_address = "127.0.0.1:8001"},
                  {.broker_id = 2, .address = "127.0.0.1:9002", .http_address = "127.0.0.1:8002"}},
      .groups = {{.group_id = 1, .leader_broker_id = 1, .term = 4, .replicas = {1, 2, 3}},
                 {.group_id = 2, .leader_broker_id = 0, .term = 9, .replicas = {2, 3, 1}}},
      .topics = {{.name = "orders",
                  .error_code = ErrorCode::kOk,
                  .message_type = MessageType::kDelay,
                  .queue_count = 2,
                  .retention_ms = 3600000,
                  .retention_bytes = 1 << 20,
                  .queues = {{.queue_id = 0, .group_id = 1}, {.queue_id = 1, .group_id = 2}}},
                 {.name = "missing", .error_code = ErrorCode::kUnknownTopic}}});
  r.push_back(CreateTopicResponse{.header = SampleHeader(), .cluster_version = 18});
  r.push_back(DeleteTopicResponse{.header = SampleHeader(), .cluster_version = 19});
  r.push_back(InitProducerIdResponse{.header = SampleHeader(), .producer_id = 42});
  r.push_back(ProduceResponse{.header = SampleHeader(),
                              .base_offset = 500,
                              .msg_ids = {{.group_id = 2, .raft_index = 77, .slot = 0},
                                          {.group_id = 2, .raft_index = 77, .slot = 1}},
                              .store_time_ms = 1700000002000});
  r.push_back(FetchResponse{.header = SampleHeader(),
                            .high_watermark = 600,
                            .log_start_offset = 10,
                            .next_offset = 503,
                            .batches = {{.base_offset = 500,
                                         .group_id = 2,
                                         .raft_index = 77,
                                         .store_time_ms = 1700000002000,
                                         .record_batch = SampleBatch(Compression::kLz4),
                                         .slots = {0, 2}}}});
  r.push_back(ListOffsetsResponse{.header = SampleHeader(),
                                  .queues = {{.topic = "orders",
                                              .queue_id = 1,
                                              .error_code = ErrorCode::kNotLeader,
                                              .min_offset = 3,
                                              .max_offset = 900,
                                              .last_store_time_ms = 1700000003000}}});
  r.push_back(QueryMessageByIdResponse{.header = SampleHeader(),
                                       .topic = "orders",
                                       .queue_id = 3,
                                       .queue_offset = 504,
                                       .store_time_ms = 1700000002000,
                                       .record_batch = SampleBatch()});
  r.push_back(UpdateSubGroupResponse{.header = SampleHeader(), .cluster_version = 20});
  r.push_back(DeleteSubGroupResponse{.header = SampleHeader(), .cluster_version = 21});
  r.push_back(JoinGroupResponse{.header = SampleHeader(),
                                .member_id = "consumer-1-3",
                                .generation = 6,
                                .assignment = SampleQueues(),
                                .heartbeat_interval_ms = 3000});
  r.push_back(HeartbeatResponse{.header = SampleHeader(), .generation = 7});
  r.push_back(
      SyncGroupResponse{.header = SampleHeader(), .generation = 7, .assignment = SampleQueues()});
  r.push_back(LeaveGroupResponse{.header = SampleHeader()});
  r.push_back(CommitOffsetResponse{.header = SampleHeader()});
  r.push_back(
      FetchOffsetResponse{.header = SampleHeader(),
                          .offsets = {{.topic = "orders", .queue_id = 1, .offset = 40},
                                      {.topic = "orders", .queue_id = 2, .offset = kNoOffset}}});
  r.push_back(
      ConsumerProgressResponse{.header = SampleHeader(),
                               .config = SampleConfig(),
                               .generation = 7,
                               .members = {{.member_id = "m-1",
                                            .client_id = "consumer-1",
                                            .instance = "host-a",
                                            .assignment = SampleQueues()}},
                               .queues = {{.topic = "orders",
                                           .queue_id = 1,
                                           .broker_offset = 900,
                                           .consumer_offset = 850,
                                           .member_id = "m-1"},
                                          {.topic = "orders", .queue_id = 2, .broker_offset = 5}}});
  r.push_back(ClusterStatusResponse{.header = SampleHeader(),
                                    .cluster_id = "local-cluster",
                                    .cluster_version = 22,
                                    .brokers = {{.broker_id = 1,
                                                 .address = "127.0.0.1:9001",
                                                 .http_address = "127.0.0.1:8001",
                                                 .reachable = true},
                                                {.broker_id = 3, .address = "127.0.0.1:9003"}},
                                    .groups = {{.group_id = 0,
                                                .leader_broker_id = 1,
                                                .term = 3,
                                                .commit_index = 120,
                                                .applied_index = 119,
                                                .replicas = {{.broker_id = 1,
                                                              .role = ReplicaRole::kVoter,
                                                              .match_index = 120,
                                                              .commit_index = 120,
                                                              .applied_index = 119},
                                                             {.broker_id = 4,
                                                              .role = ReplicaRole::kLearner,
                                                              .match_index = 100,
                                                              .commit_index = 98,
                                                              .applied_index = 97,
                                                              .lag_entries = 20}}}}});
  return r;
}

void MaybeWriteFuzzSeeds(const std::vector<std::string>& seeds) {
  const char* dir = std::getenv("RAFTMQ_FUZZ_WRITE_SEEDS");
  if (dir == nullptr || dir[0] == '\0') return;
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream out(std::string(dir) + "/seed-" + std::to_string(i), std::ios::binary);
    out.write(seeds[i].data(), static_cast<std::streamsize>(seeds[i].size()));
  }
}

}  // namespace mq::protocol::testing
