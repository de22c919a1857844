#include "client/protocol/codec.h"

#include <string>
#include <vector>

#include "client/protocol/codec_internal.h"
#include "client/protocol/protocol_testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mq::protocol {
namespace {

using ::testing::HasSubstr;
using testing::SampleRequests;
using testing::SampleResponses;

std::string NameOf(const Request& r) {
  return std::visit(
      [](const auto& m) -> std::string {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "monostate";
        } else {
          return ApiTraits<T>::kName;
        }
      },
      r);
}

std::string NameOf(const Response& r) {
  return std::visit(
      [](const auto& m) -> std::string {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "monostate";
        } else {
          return ApiTraits<T>::kName;
        }
      },
      r);
}

TEST(CodecTest, SamplesCoverEveryApiInKeyOrder) {
  const std::vector<Request> requests = SampleRequests();
  const std::vector<Response> responses = SampleResponses();
  ASSERT_EQ(requests.size(), static_cast<size_t>(kClientApiKeyLast));
  ASSERT_EQ(responses.size(), static_cast<size_t>(kClientApiKeyLast));
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto key = static_cast<ApiKey>(i + 1);
    EXPECT_EQ(ApiKeyOf(requests[i]), key) << NameOf(requests[i]);
    EXPECT_EQ(ApiKeyOf(responses[i]), key) << NameOf(responses[i]);
    EXPECT_EQ(requests[i].index(), i);
    EXPECT_EQ(responses[i].index(), i);
  }
  EXPECT_EQ(ApiKeyOf(Request()), ApiKey::kHello);  // a default variant holds a HelloRequest
  EXPECT_EQ(ApiKeyOf(Request(std::monostate())), ApiKey::kNone);
}

// EncodeBuffer's bytes, as a string.
std::string EncodedInBuilderBuffer(const Request& request) {
  return std::visit(
      [](const auto& m) -> std::string {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, std::monostate>) {
          return "";
        } else {
          const flatbuffers::DetachedBuffer buffer = EncodeBuffer(m);
          return std::string(reinterpret_cast<const char*>(buffer.data()), buffer.size());
        }
      },
      request);
}

TEST(CodecTest, EveryRequestRoundTrips) {
  for (const Request& request : SampleRequests()) {
    SCOPED_TRACE(NameOf(request));
    const std::string payload = EncodeRequest(request);
    EXPECT_EQ(EncodedInBuilderBuffer(request), payload);  // what the client sends
    absl::StatusOr<Request> decoded = DecodeRequest(ApiKeyOf(request), payload);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_TRUE(*decoded == request);
    // A fixed point: re-encoding gives the same bytes.
    EXPECT_EQ(EncodeRequest(*decoded), payload);
  }
}

TEST(CodecTest, EveryResponseRoundTrips) {
  for (const Response& response : SampleResponses()) {
    SCOPED_TRACE(NameOf(response));
    const std::string payload = EncodeResponse(response);
    const flatbuffers::DetachedBuffer buffer = EncodeResponseBuffer(response);  // what brokers send
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(buffer.data()), buffer.size()),
              payload);
    absl::StatusOr<Response> decoded = DecodeResponse(ApiKeyOf(response), payload);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_TRUE(*decoded == response);
    EXPECT_EQ(EncodeResponse(*decoded), payload);
  }
}

// A field the codec forgot would round trip as its default: every sample field is set to a
// non-default value, so re-decoding a sample with one field reset must differ from it.
TEST(CodecTest, SamplesSetFieldsAwayFromTheirDefaults) {
  const ProduceRequest produce = std::get<ProduceRequest>(SampleRequests()[5]);
  EXPECT_NE(produce, ProduceRequest{});
  EXPECT_NE(produce.timeout_ms, 0u);
  const ConsumerProgressResponse progress =
      std::get<ConsumerProgressResponse>(SampleResponses()[17]);
  EXPECT_NE(progress.config, SubGroupConfig{});
  EXPECT_TRUE(progress.config.fifo);
  EXPECT_NE(progress.config.max_retries, kDefaultMaxRetries);
}

TEST(CodecTest, DefaultResponsesRoundTrip) {
  const std::vector<Response> samples = SampleResponses();
  for (const Response& sample : samples) {
    // The same alternative, default-constructed.
    const Response empty =
        std::visit([](const auto& m) -> Response { return std::decay_t<decltype(m)>{}; }, sample);
    SCOPED_TRACE(NameOf(empty));
    absl::StatusOr<Response> decoded = DecodeResponse(ApiKeyOf(empty), EncodeResponse(empty));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_TRUE(*decoded == empty);
  }
}

TEST(CodecTest, TypedEncodeDecode) {
  const FetchRequest fetch = std::get<FetchRequest>(SampleRequests()[6]);
  absl::StatusOr<FetchRequest> decoded = Decode<FetchRequest>(Encode(fetch));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, fetch);
  static_assert(ApiTraits<FetchRequest>::kApiKey == ApiKey::kFetch);
  static_assert(std::is_same_v<ApiTraits<FetchRequest>::Response, FetchResponse>);
  static_assert(ApiTraits<FetchResponse>::kIsResponse);
}

TEST(CodecTest, AnErrorResponseReadsAsEveryResponseType) {
  const ResponseHeader header{.error_code = ErrorCode::kInvalidArgument,
                              .message = "ProduceRequest.topic: empty name",
                              .definite = true};
  const std::string payload = EncodeErrorResponse(header);
  absl::StatusOr<ErrorResponse> generic = Decode<ErrorResponse>(payload);
  ASSERT_TRUE(generic.ok());
  EXPECT_EQ(generic->header, header);
  for (uint16_t k = 1; k <= static_cast<uint16_t>(kClientApiKeyLast); ++k) {
    SCOPED_TRACE(ApiKeyName(static_cast<ApiKey>(k)));
    absl::StatusOr<Response> decoded = DecodeResponse(static_cast<ApiKey>(k), payload);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    std::visit(
        [&](const auto& r) {
          using T = std::decay_t<decltype(r)>;
          if constexpr (!std::is_same_v<T, std::monostate>) {
            T want;
            want.header = header;
            EXPECT_EQ(r, want);
          }
        },
        *decoded);
  }
  // And any response reads as an ErrorResponse.
  for (const Response& response : SampleResponses()) {
    absl::StatusOr<ErrorResponse> as_error = Decode<ErrorResponse>(EncodeResponse(response));
    ASSERT_TRUE(as_error.ok()) << NameOf(response);
    EXPECT_EQ(as_error->header.error_code, ErrorCode::kNotLeader);
  }
}

TEST(CodecTest, ResponsesAcceptValuesFromNewerBrokers) {
  MetadataResponse m;
  m.header.error_code = static_cast<ErrorCode>(500);
  m.topics.push_back({.name = "t",
                      .error_code = static_cast<ErrorCode>(501),
                      .message_type = static_cast<MessageType>(9)});
  ClusterStatusResponse c;
  c.groups.push_back({.replicas = {{.role = static_cast<ReplicaRole>(7)}}});
  ConsumerProgressResponse p;
  p.config.name = "g";
  p.config.mode = static_cast<ConsumeMode>(5);
  absl::StatusOr<MetadataResponse> m2 = Decode<MetadataResponse>(Encode(m));
  ASSERT_TRUE(m2.ok()) << m2.status();
  EXPECT_EQ(*m2, m);
  EXPECT_EQ(ErrorCodeName(m2->header.error_code), "ERROR_CODE(500)");
  EXPECT_EQ(MessageTypeName(m2->topics[0].message_type), "MessageType(9)");
  absl::StatusOr<ClusterStatusResponse> c2 = Decode<ClusterStatusResponse>(Encode(c));
  ASSERT_TRUE(c2.ok()) << c2.status();
  EXPECT_EQ(*c2, c);
  absl::StatusOr<ConsumerProgressResponse> p2 = Decode<ConsumerProgressResponse>(Encode(p));
  ASSERT_TRUE(p2.ok()) << p2.status();
  EXPECT_EQ(*p2, p);
}

// Evolution: a field added by a newer peer is skipped; a field an older peer never wrote reads
// as its default.
TEST(CodecTest, UnknownFieldsAreSkippedAndMissingOnesDefault) {
  flatbuffers::FlatBufferBuilder b;
  const auto name = b.CreateString("orders");
  const auto extra = b.CreateString("from the future");
  const flatbuffers::uoffset_t start = b.StartTable();
  b.AddOffset(fb::DeleteTopicRequest::VT_NAME, name);
  b.AddOffset(4 + 2 * 7, extra);             // field id 7: unknown here
  b.AddElement<uint64_t>(4 + 2 * 8, 99, 0);  // field id 8: unknown here
  b.Finish(flatbuffers::Offset<fb::DeleteTopicRequest>(b.EndTable(start)), "RMQP");
  const std::string payload(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
  absl::StatusOr<DeleteTopicRequest> decoded = Decode<DeleteTopicRequest>(payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->name, "orders");

  // A QueueOffset without its offset field reads as kNoOffset; SubGroupConfig's max_retries
  // reads as 16.
  FetchOffsetResponse response;
  response.offsets.push_back({.topic = "t", .queue_id = 1, .offset = kNoOffset});
  absl::StatusOr<FetchOffsetResponse> offsets = Decode<FetchOffsetResponse>(Encode(response));
  ASSERT_TRUE(offsets.ok());
  EXPECT_EQ(offsets->offsets[0].offset, kNoOffset);
  UpdateSubGroupRequest update{.config = {.name = "g"}};
  absl::StatusOr<UpdateSubGroupRequest> config = Decode<UpdateSubGroupRequest>(Encode(update));
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->config.max_retries, kDefaultMaxRetries);
}

TEST(CodecTest, DecodesMisalignedPayloads) {
  const std::string payload = Encode(std::get<HelloRequest>(SampleRequests()[0]));
  std::string shifted = "x" + payload;
  absl::StatusOr<HelloRequest> decoded = Decode<HelloRequest>(std::string_view(shifted).substr(1));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, std::get<HelloRequest>(SampleRequests()[0]));
}

TEST(CodecTest, DispatchRefusesKeysThatAreNotClientApis) {
  const std::string payload = EncodeRequest(SampleRequests()[0]);
  for (ApiKey key : {ApiKey::kNone, ApiKey::kRaftPeerBatch, static_cast<ApiKey>(77)}) {
    absl::StatusOr<Request> request = DecodeRequest(key, payload);
    EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(request.status().message(), HasSubstr("not a client api"));
    EXPECT_THAT(DecodeResponse(key, payload).status().message(), HasSubstr("not a client api"));
  }
}

TEST(CodecTest, FramesCarryRequestsAndResponses) {
  FrameDecoder decoder;
  std::string stream;
  uint64_t id = 100;
  for (const Request& request : SampleRequests()) {
    stream += std::visit(
        [&](const auto& r) -> std::string {
          if constexpr (std::is_same_v<std::decay_t<decltype(r)>, std::monostate>) {
            return "";
          } else {
            return EncodeRequestFrame(id++, r);
          }
        },
        request);
  }
  stream += EncodeResponseFrame(7, std::get<FetchResponse>(SampleResponses()[6]));
  ASSERT_TRUE(decoder.Feed(stream).ok());
  id = 100;
  for (const Request& request : SampleRequests()) {
    std::optional<Frame> frame = decoder.Next();
    ASSERT_TRUE(frame.has_value());
    EXPECT_FALSE(frame->header.is_response());
    EXPECT_EQ(frame->header.request_id, id++);
    absl::StatusOr<Request> decoded = DecodeRequest(frame->header.api_key, frame->payload.view());
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_TRUE(*decoded == request) << NameOf(request);
  }
  std::optional<Frame> frame = decoder.Next();
  ASSERT_TRUE(frame.has_value());
  EXPECT_TRUE(frame->header.is_response());
  EXPECT_EQ(frame->header.api_key, ApiKey::kFetch);
  absl::StatusOr<FetchResponse> fetch = Decode<FetchResponse>(frame->payload.view());
  ASSERT_TRUE(fetch.ok()) << fetch.status();
  EXPECT_EQ(*fetch, std::get<FetchResponse>(SampleResponses()[6]));
}

TEST(CodecTest, EnumNames) {
  EXPECT_EQ(MessageTypeName(MessageType::kTransaction), "TRANSACTION");
  EXPECT_EQ(ConsumeModeName(ConsumeMode::kBroadcasting), "BROADCASTING");
  EXPECT_EQ(ReplicaRoleName(ReplicaRole::kLearner), "LEARNER");
  EXPECT_EQ(ConsumeModeName(static_cast<ConsumeMode>(2)), "ConsumeMode(2)");
  EXPECT_EQ(ReplicaRoleName(static_cast<ReplicaRole>(200)), "ReplicaRole(200)");
}

}  // namespace
}  // namespace mq::protocol
