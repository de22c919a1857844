// The codec's refusals: every semantic check of requests and responses, the Verifier's limits,
// and the budget against payloads whose offsets share data.

#include <string>
#include <vector>

#include "client/protocol/aligned_buffer.h"
#include "client/protocol/codec.h"
#include "client/protocol/codec_internal.h"
#include "client/protocol/protocol_testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mq::protocol {
namespace {

using ::testing::HasSubstr;
using testing::SampleRequests;
using testing::SampleResponses;

template <typename T>
std::string ErrorOfPayload(std::string_view payload,
                           const ProtocolLimits& limits = ProtocolLimits()) {
  absl::StatusOr<T> decoded = Decode<T>(payload, limits);
  if (decoded.ok()) return "";
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(decoded.status().message());
}

template <typename T>
std::string ErrorOf(const T& message, const ProtocolLimits& limits = ProtocolLimits()) {
  return ErrorOfPayload<T>(Encode(message), limits);
}

template <typename T>
T Sample() {
  for (const Request& r : SampleRequests()) {
    if (const T* m = std::get_if<T>(&r)) return *m;
  }
  ADD_FAILURE() << "no sample";
  return T();
}

template <typename T>
T SampleResponse() {
  for (const Response& r : SampleResponses()) {
    if (const T* m = std::get_if<T>(&r)) return *m;
  }
  ADD_FAILURE() << "no sample";
  return T();
}

std::string Finished(flatbuffers::FlatBufferBuilder& b) {
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

// --- Names ------------------------------------------------------------------------------------

TEST(CodecValidationTest, NamesInRequests) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "DeleteTopicRequest.name: empty name"},
      {std::string(128, 'n'), "DeleteTopicRequest.name: 128 bytes, more than name_bytes_max 127"},
      {".", "\".\" is not a valid name"},
      {"..", "\"..\" is not a valid name"},
      {"a/b", "byte 1 of the name is 0x2f; names use only A-Z a-z 0-9 . _ % -"},
      {"a b", "byte 1 of the name is 0x20"},
      {std::string("a\0b", 3), "byte 1 of the name is 0x00"},
  };
  for (const auto& [name, error] : cases) {
    EXPECT_THAT(ErrorOf(DeleteTopicRequest{.name = name}), HasSubstr(error)) << name;
  }
  for (const std::string& ok :
       std::vector<std::string>{"orders", "%DLQ%billing", "a.b-c_d", std::string(127, 'n')}) {
    EXPECT_EQ(ErrorOf(DeleteTopicRequest{.name = ok}), "") << ok;
  }
}

TEST(CodecValidationTest, NamesInResponsesAreCheckedForLengthOnly) {
  ListOffsetsResponse response;
  response.queues.push_back({.topic = "odd name/with slash"});
  EXPECT_EQ(ErrorOf(response), "");
  response.queues[0].topic = std::string(128, 'n');
  EXPECT_THAT(
      ErrorOf(response),
      HasSubstr("ListOffsetsResponse.queues[0].topic: 128 bytes, more than name_bytes_max"));
}

TEST(CodecValidationTest, PathsNameNestedFields) {
  MetadataRequest metadata{.topics = {"ok", "not ok"}};
  EXPECT_THAT(ErrorOf(metadata), HasSubstr("MetadataRequest.topics[1]: byte 3 of the name"));
  UpdateSubGroupRequest update = Sample<UpdateSubGroupRequest>();
  update.config.subscriptions[1].topic = "";
  EXPECT_THAT(ErrorOf(update),
              HasSubstr("UpdateSubGroupRequest.config.subscriptions[1].topic: empty name"));
}

// --- Request checks, api by api ----------------------------------------------------------------

TEST(CodecValidationTest, Hello) {
  HelloRequest hello = Sample<HelloRequest>();
  hello.client_id = std::string(256, 'c');
  EXPECT_THAT(ErrorOf(hello), HasSubstr("HelloRequest.client_id: 256 bytes, more than "
                                        "client_id_bytes_max 255"));
  hello = Sample<HelloRequest>();
  hello.software = std::string(256, 's');
  EXPECT_THAT(ErrorOf(hello), HasSubstr("HelloRequest.software: 256 bytes"));
  hello = Sample<HelloRequest>();
  hello.api_versions[3].min_version = 2;
  EXPECT_THAT(ErrorOf(hello),
              HasSubstr("HelloRequest.api_versions[3]: min_version 2 is above max_version 0"));
  hello = Sample<HelloRequest>();
  hello.auth.secret = std::string(4097, 's');
  EXPECT_THAT(ErrorOf(hello), HasSubstr("HelloRequest.auth.secret: 4097 bytes, more than "
                                        "auth_bytes_max 4096"));
  hello = Sample<HelloRequest>();
  hello.auth.username = std::string(4097, 'u');
  EXPECT_THAT(ErrorOf(hello), HasSubstr("HelloRequest.auth.username: 4097 bytes"));
  hello = Sample<HelloRequest>();
  hello.auth.mechanism = std::string(4097, 'm');
  EXPECT_THAT(ErrorOf(hello), HasSubstr("HelloRequest.auth.mechanism: 4097 bytes"));
  hello = Sample<HelloRequest>();
  hello.cluster_id = std::string(128, 'c');
  EXPECT_THAT(ErrorOf(hello), HasSubstr("HelloRequest.cluster_id: 128 bytes"));
}

TEST(CodecValidationTest, CreateTopic) {
  CreateTopicRequest create = Sample<CreateTopicRequest>();
  create.queue_count = 0;
  EXPECT_THAT(ErrorOf(create),
              HasSubstr("CreateTopicRequest.queue_count: 0, want 1 to queues_per_topic_max 1024"));
  create.queue_count = 1025;
  EXPECT_THAT(ErrorOf(create), HasSubstr("queue_count: 1025"));
  create.queue_count = 1024;
  EXPECT_EQ(ErrorOf(create), "");
  create.message_type = static_cast<MessageType>(4);
  EXPECT_THAT(ErrorOf(create),
              HasSubstr("CreateTopicRequest.message_type: unknown value MessageType(4)"));
  create = Sample<CreateTopicRequest>();
  create.name = "";
  EXPECT_THAT(ErrorOf(create), HasSubstr("CreateTopicRequest.name: empty name"));
}

TEST(CodecValidationTest, InitProducerId) {
  EXPECT_EQ(ErrorOf(InitProducerIdRequest{}), "");  // the group is optional
  EXPECT_THAT(ErrorOf(InitProducerIdRequest{.producer_group = "a b"}),
              HasSubstr("InitProducerIdRequest.producer_group: byte 1"));
}

TEST(CodecValidationTest, Produce) {
  ProduceRequest produce = Sample<ProduceRequest>();
  produce.producer_id = 0;
  EXPECT_THAT(ErrorOf(produce), HasSubstr("ProduceRequest.sequence: 1000 without a producer id"));
  produce = Sample<ProduceRequest>();
  produce.record_batch.clear();
  EXPECT_THAT(ErrorOf(produce), HasSubstr("ProduceRequest.record_batch: missing"));
  produce = Sample<ProduceRequest>();
  ProtocolLimits limits;
  limits.batch_bytes_max = produce.record_batch.size() - 1;
  EXPECT_THAT(ErrorOf(produce, limits), HasSubstr("ProduceRequest.record_batch: " +
                                                  std::to_string(produce.record_batch.size()) +
                                                  " bytes, more than batch_bytes_max"));
  produce.timeout_ms = 10 * 60 * 1000 + 1;
  EXPECT_THAT(ErrorOf(produce), HasSubstr("ProduceRequest.timeout_ms: 600001, more than "
                                          "request_timeout_ms_max 600000"));
  produce = Sample<ProduceRequest>();
  produce.topic = "";
  EXPECT_THAT(ErrorOf(produce), HasSubstr("ProduceRequest.topic: empty name"));
}

TEST(CodecValidationTest, Fetch) {
  struct Case {
    void (*change)(FetchRequest&);
    std::string error;
  };
  const std::vector<Case> cases = {
      {[](FetchRequest& f) { f.max_messages = 0; },
       "FetchRequest.max_messages: 0, want at least 1"},
      {[](FetchRequest& f) { f.max_messages = 65537; },
       "FetchRequest.max_messages: 65537, more than fetch_messages_max 65536"},
      {[](FetchRequest& f) { f.max_bytes = 0; }, "FetchRequest.max_bytes: 0, want at least 1"},
      {[](FetchRequest& f) { f.max_bytes = (32 << 20) + 1; }, "more than fetch_bytes_max 33554432"},
      {[](FetchRequest& f) { f.max_wait_ms = 300001; },
       "FetchRequest.max_wait_ms: 300001, more than fetch_wait_ms_max 300000"},
      {[](FetchRequest& f) { f.tag_filter = std::string(4097, 't'); },
       "FetchRequest.tag_filter: 4097 bytes, more than tag_expression_bytes_max 4096"},
      {[](FetchRequest& f) { f.consumer_group = "."; }, "FetchRequest.consumer_group"},
      {[](FetchRequest& f) { f.topic = "x y"; }, "FetchRequest.topic"},
  };
  for (const Case& c : cases) {
    FetchRequest fetch = Sample<FetchRequest>();
    c.change(fetch);
    EXPECT_THAT(ErrorOf(fetch), HasSubstr(c.error));
  }
}

TEST(CodecValidationTest, QueryMessageById) {
  EXPECT_THAT(ErrorOf(QueryMessageByIdRequest{.msg_id = {.group_id = 0, .raft_index = 1}}),
              HasSubstr("QueryMessageByIdRequest.msg_id: message id names group 0"));
  EXPECT_THAT(ErrorOf(QueryMessageByIdRequest{.msg_id = {.group_id = 1, .raft_index = 0}}),
              HasSubstr("names raft index 0"));
  flatbuffers::FlatBufferBuilder b;
  fb::QueryMessageByIdRequestBuilder t(b);
  b.Finish(t.Finish(), "RMQP");
  EXPECT_THAT(ErrorOfPayload<QueryMessageByIdRequest>(Finished(b)),
              HasSubstr("QueryMessageByIdRequest.msg_id: missing"));
}

TEST(CodecValidationTest, SubGroups) {
  flatbuffers::FlatBufferBuilder b;
  fb::UpdateSubGroupRequestBuilder t(b);
  b.Finish(t.Finish(), "RMQP");
  EXPECT_THAT(ErrorOfPayload<UpdateSubGroupRequest>(Finished(b)),
              HasSubstr("UpdateSubGroupRequest.config: missing"));
  UpdateSubGroupRequest update = Sample<UpdateSubGroupRequest>();
  update.config.mode = static_cast<ConsumeMode>(2);
  EXPECT_THAT(ErrorOf(update),
              HasSubstr("UpdateSubGroupRequest.config.mode: unknown value ConsumeMode(2)"));
  update = Sample<UpdateSubGroupRequest>();
  update.config.max_retries = 65;
  EXPECT_THAT(ErrorOf(update), HasSubstr("config.max_retries: 65, more than max_retries_max 64"));
  update = Sample<UpdateSubGroupRequest>();
  update.config.retry_backoff_ms.assign(65, 1000);
  EXPECT_THAT(ErrorOf(update), HasSubstr("config.retry_backoff_ms: 65 items, more than "
                                         "retry_backoff_steps_max 64"));
  update = Sample<UpdateSubGroupRequest>();
  update.config.subscriptions[0].tag_expression = std::string(4097, 'x');
  EXPECT_THAT(ErrorOf(update), HasSubstr("config.subscriptions[0].tag_expression: 4097 bytes"));
  update = Sample<UpdateSubGroupRequest>();
  update.config.name = "";
  EXPECT_THAT(ErrorOf(update), HasSubstr("config.name: empty name"));
  EXPECT_THAT(ErrorOf(DeleteSubGroupRequest{}), HasSubstr("DeleteSubGroupRequest.name: empty"));
}

TEST(CodecValidationTest, Membership) {
  JoinGroupRequest join = Sample<JoinGroupRequest>();
  join.client_id = "";
  EXPECT_THAT(ErrorOf(join), HasSubstr("JoinGroupRequest.client_id: missing"));
  join = Sample<JoinGroupRequest>();
  join.member_id = "";  // a first join
  EXPECT_EQ(ErrorOf(join), "");
  join.member_id = std::string(256, 'm');
  EXPECT_THAT(ErrorOf(join), HasSubstr("JoinGroupRequest.member_id: 256 bytes"));
  join = Sample<JoinGroupRequest>();
  join.instance = std::string(256, 'i');
  EXPECT_THAT(ErrorOf(join), HasSubstr("JoinGroupRequest.instance: 256 bytes"));
  join = Sample<JoinGroupRequest>();
  join.session_timeout_ms = 600001;
  EXPECT_THAT(ErrorOf(join), HasSubstr("JoinGroupRequest.session_timeout_ms: 600001"));
  join = Sample<JoinGroupRequest>();
  join.group = "";
  EXPECT_THAT(ErrorOf(join), HasSubstr("JoinGroupRequest.group: empty name"));
  EXPECT_THAT(ErrorOf(HeartbeatRequest{.group = "g"}),
              HasSubstr("HeartbeatRequest.member_id: missing"));
  EXPECT_THAT(ErrorOf(SyncGroupRequest{.group = "g"}),
              HasSubstr("SyncGroupRequest.member_id: missing"));
  EXPECT_THAT(ErrorOf(LeaveGroupRequest{.group = "g"}),
              HasSubstr("LeaveGroupRequest.member_id: missing"));
  EXPECT_THAT(ErrorOf(HeartbeatRequest{.member_id = "m"}),
              HasSubstr("HeartbeatRequest.group: empty name"));
}

TEST(CodecValidationTest, Offsets) {
  CommitOffsetRequest commit = Sample<CommitOffsetRequest>();
  commit.offsets[1].offset = kNoOffset;
  EXPECT_THAT(ErrorOf(commit), HasSubstr("CommitOffsetRequest.offsets[1].offset: kNoOffset is "
                                         "not an offset to commit"));
  commit = Sample<CommitOffsetRequest>();
  commit.offsets[0].topic = "";
  EXPECT_THAT(ErrorOf(commit), HasSubstr("CommitOffsetRequest.offsets[0].topic: empty name"));
  FetchOffsetRequest fetch = Sample<FetchOffsetRequest>();
  fetch.queues[1].topic = "/";
  EXPECT_THAT(ErrorOf(fetch), HasSubstr("FetchOffsetRequest.queues[1].topic"));
  EXPECT_THAT(ErrorOf(ConsumerProgressRequest{}),
              HasSubstr("ConsumerProgressRequest.group: empty name"));
  ListOffsetsRequest list = Sample<ListOffsetsRequest>();
  list.queues[0].topic = "";
  EXPECT_THAT(ErrorOf(list), HasSubstr("ListOffsetsRequest.queues[0].topic: empty name"));
}

// --- Response checks --------------------------------------------------------------------------

TEST(CodecValidationTest, ResponsesNeedAHeader) {
  flatbuffers::FlatBufferBuilder b;
  fb::ProduceResponseBuilder t(b);
  t.add_base_offset(5);
  b.Finish(t.Finish(), "RMQP");
  EXPECT_THAT(ErrorOfPayload<ProduceResponse>(Finished(b)),
              HasSubstr("ProduceResponse.header: missing"));
}

TEST(CodecValidationTest, ResponseSizes) {
  ProduceResponse produce = SampleResponse<ProduceResponse>();
  produce.header.message = std::string(4097, 'm');
  EXPECT_THAT(ErrorOf(produce), HasSubstr("ProduceResponse.header.message: 4097 bytes, more than "
                                          "error_message_bytes_max 4096"));
  produce = SampleResponse<ProduceResponse>();
  produce.header.leader_hint.address = std::string(256, 'a');
  EXPECT_THAT(ErrorOf(produce), HasSubstr("ProduceResponse.header.leader_hint.address: 256 bytes"));
  produce = SampleResponse<ProduceResponse>();
  produce.msg_ids.resize(8193);
  EXPECT_THAT(ErrorOf(produce), HasSubstr("ProduceResponse.msg_ids: 8193 items, more than "
                                          "messages_per_batch_max 8192"));
  FetchResponse fetch = SampleResponse<FetchResponse>();
  fetch.batches[0].slots = {0, 2, 2};
  EXPECT_THAT(ErrorOf(fetch), HasSubstr("FetchResponse.batches[0].slots: slot 2 at position 2 "
                                        "does not follow slot 2"));
  fetch.batches[0].slots = {3, 1};
  EXPECT_THAT(ErrorOf(fetch), HasSubstr("slot 1 at position 1 does not follow slot 3"));
  fetch = SampleResponse<FetchResponse>();
  ProtocolLimits limits;
  limits.batch_bytes_max = 10;
  EXPECT_THAT(ErrorOf(fetch, limits), HasSubstr("FetchResponse.batches[0].record_batch: "));
  MetadataResponse metadata = SampleResponse<MetadataResponse>();
  metadata.brokers[1].http_address = std::string(256, 'h');
  EXPECT_THAT(ErrorOf(metadata), HasSubstr("MetadataResponse.brokers[1].http_address: 256 bytes"));
  limits = ProtocolLimits();
  limits.items_per_list_max = 2;
  metadata = SampleResponse<MetadataResponse>();
  metadata.groups[0].replicas = {1, 2, 3};
  EXPECT_THAT(ErrorOf(metadata, limits),
              HasSubstr("MetadataResponse.groups[0].replicas: 3 items, more than "
                        "items_per_list_max 2"));
  metadata = SampleResponse<MetadataResponse>();
  metadata.groups.clear();
  metadata.topics.resize(3);
  EXPECT_THAT(ErrorOf(metadata, limits), HasSubstr("MetadataResponse.topics: 3 items"));
  ClusterStatusResponse cluster = SampleResponse<ClusterStatusResponse>();
  cluster.brokers[0].address = std::string(256, 'a');
  EXPECT_THAT(ErrorOf(cluster), HasSubstr("ClusterStatusResponse.brokers[0].address: 256 bytes"));
  ConsumerProgressResponse progress = SampleResponse<ConsumerProgressResponse>();
  progress.members[0].assignment[1].topic = std::string(128, 't');
  EXPECT_THAT(ErrorOf(progress),
              HasSubstr("ConsumerProgressResponse.members[0].assignment[1].topic: 128 bytes"));
}

// --- Verification -----------------------------------------------------------------------------

TEST(CodecValidationTest, RefusesPayloadsTheVerifierRejects) {
  const std::string good = Encode(Sample<FetchRequest>());
  EXPECT_THAT(ErrorOfPayload<FetchRequest>(""), HasSubstr("FetchRequest: 0 bytes is too short"));
  EXPECT_THAT(ErrorOfPayload<FetchRequest>(good.substr(0, good.size() - 8)),
              HasSubstr("are not a valid FetchRequest"));
  std::string wrong_id = good;
  wrong_id[4] = 'X';  // the file identifier follows the root offset
  EXPECT_THAT(ErrorOfPayload<FetchRequest>(wrong_id), HasSubstr("wrong file identifier"));
  EXPECT_THAT(ErrorOfPayload<FetchRequest>(std::string(64, '\xff')),
              HasSubstr("are not a valid FetchRequest"));
  ProtocolLimits limits;
  limits.frame_bytes_max = good.size() - 1;
  EXPECT_THAT(ErrorOfPayload<FetchRequest>(good, limits), HasSubstr("more than frame_bytes_max"));
}

TEST(CodecValidationTest, EnforcesDepthAndTableLimits) {
  const ConsumerProgressResponse progress = SampleResponse<ConsumerProgressResponse>();
  ASSERT_EQ(ErrorOf(progress), "");
  ProtocolLimits limits;
  limits.table_depth_max = 2;  // root -> members -> assignment -> QueueRef needs more
  EXPECT_THAT(ErrorOf(progress, limits), HasSubstr("table_depth_max 2"));
  limits = ProtocolLimits();
  limits.tables_per_payload_max = 5;
  EXPECT_THAT(ErrorOf(progress, limits), HasSubstr("tables_per_payload_max 5"));
}

TEST(CodecValidationTest, RefusesSharedStrings) {
  // 10000 references to one string: 40 KB of offsets that would decode 10000 copies.
  flatbuffers::FlatBufferBuilder b;
  const auto name = b.CreateString(std::string(100, 't'));
  const std::vector<flatbuffers::Offset<flatbuffers::String>> refs(10000, name);
  const auto topics = b.CreateVector(refs);
  fb::MetadataRequestBuilder t(b);
  t.add_topics(topics);
  b.Finish(t.Finish(), "RMQP");
  EXPECT_THAT(ErrorOfPayload<MetadataRequest>(Finished(b)), HasSubstr("decodes to more than its"));
}

TEST(CodecValidationTest, RefusesSharedTables) {
  flatbuffers::FlatBufferBuilder b;
  const auto topic = b.CreateString("orders");
  fb::QueueRefBuilder q(b);
  q.add_topic(topic);
  const auto queue = q.Finish();
  // Each inner list names the same table 100 times; the outer list names the inner table 100
  // times: 10000 QueueRefs from a payload of about a kilobyte.
  const std::vector<flatbuffers::Offset<fb::QueueRef>> inner(100, queue);
  const auto assignment = b.CreateVector(inner);
  fb::MemberInfoBuilder m(b);
  m.add_assignment(assignment);
  const auto member = m.Finish();
  const std::vector<flatbuffers::Offset<fb::MemberInfo>> outer(100, member);
  const auto members = b.CreateVector(outer);
  fb::ResponseHeaderBuilder h(b);
  const auto header = h.Finish();
  fb::ConsumerProgressResponseBuilder r(b);
  r.add_header(header);
  r.add_members(members);
  b.Finish(r.Finish(), "RMQP");
  EXPECT_THAT(ErrorOfPayload<ConsumerProgressResponse>(Finished(b)),
              HasSubstr("decodes to more than its"));
}

TEST(CodecValidationTest, RefusesMisalignedVectorElements) {
  // Found by protocol_payload_fuzz (testdata/protocol_payload_fuzz/misaligned-msg-ids): a
  // ProduceResponse whose msg_ids vector starts 4 bytes off the 8-byte alignment of MessageId.
  // The Verifier accepts it; reading the ids would be a misaligned load.
  const std::string payload(
      "\x14\x00\x00\x00\x52\x4d\x51\x50\x0c\x00\x20\x00\x1c\x00\x14\x00\x10\x00\x04\x00"
      "\x0c\x00\x00\x00\xd0\x6f\xe5\xcf\x8b\x01\xfe\x00\x00\x00\x00\x00\x14\x00\x00\x00"
      "\xf4\x01\x00\x00\x00\x00\x00\x00\x34\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x10\x00\x0c\x00\x0a\x00\x00\x08\x04\x00\x00\x00\x0c\x00"
      "\x00\x00\x54\x00\x00\x00\x5c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
      113);
  const AlignedBuffer aligned = AlignedBuffer::CopyOf(payload);
  EXPECT_THAT(ErrorOfPayload<ProduceResponse>(aligned.view()),
              HasSubstr("ProduceResponse.msg_ids: elements are not 8-byte aligned"));

  // The check every scalar and struct vector goes through (replicas: [uint64], slots, ...).
  alignas(8) const char words[16] = {};
  EXPECT_TRUE(internal::CheckElementsAligned("replicas", words + 8, 8).ok());
  EXPECT_THAT(internal::CheckElementsAligned("replicas", words + 4, 8).message(),
              HasSubstr("replicas: elements are not 8-byte aligned"));
  EXPECT_TRUE(internal::CheckElementsAligned("slots", words + 4, 4).ok());
}

TEST(CodecValidationTest, AnHonestPayloadFitsItsBudget) {
  // Lists of empty tables are the cheapest honest encoding per decoded object.
  ListOffsetsResponse response;
  response.queues.resize(5000, QueueOffsetRange{.topic = "t"});
  EXPECT_EQ(ErrorOf(response), "");
  GroupInfo group;
  group.replicas.assign(1000, 1);
  MetadataResponse metadata;
  metadata.groups.assign(500, group);
  EXPECT_EQ(ErrorOf(metadata), "");
}

}  // namespace
}  // namespace mq::protocol
