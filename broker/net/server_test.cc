#include "broker/net/server.h"

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "broker/net/io_pool.h"
#include "broker/net/net_testing.h"
#include "client/protocol/codec.h"
#include "client/protocol/frame.h"
#include "gtest/gtest.h"
#include "raft/wire/raft_codec.h"
#include "storage/base/prng.h"

namespace mq::broker::net {
namespace {

using protocol::ApiKey;
using protocol::ErrorCode;
using testing::FrameClient;
using testing::WaitFor;

// Keeps every request with its Responder; the test answers them when and in what order it
// likes.
class RecordingHandler : public ClientRequestHandler {
 public:
  struct Pending {
    protocol::Request request;
    Responder respond;
  };

  void Handle(protocol::Request request, Responder respond) override {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back({std::move(request), std::move(respond)});
  }

  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.size();
  }
  Pending at(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.at(i);
  }
  // Drops the handler's copies of the Responders.
  void Forget() {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.clear();
  }

 private:
  std::mutex mu_;
  std::deque<Pending> pending_;
};

// Answers every Metadata request at once, cluster_version = its number of topics.
class EchoHandler : public ClientRequestHandler {
 public:
  void Handle(protocol::Request request, Responder respond) override {
    protocol::MetadataResponse response;
    if (auto* metadata = std::get_if<protocol::MetadataRequest>(&request)) {
      response.cluster_version = metadata->topics.size();
      respond(response);
    } else {
      respond.Error({.error_code = ErrorCode::kUnsupportedApi, .definite = true});
    }
  }
};

raft::Message Heartbeat(uint64_t from, uint64_t to, uint64_t term) {
  raft::Message m;
  m.type = raft::MessageType::kHeartbeat;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

protocol::MetadataResponse Metadata(const protocol::Response& response) {
  EXPECT_TRUE(std::holds_alternative<protocol::MetadataResponse>(response));
  return std::get<protocol::MetadataResponse>(response);
}

protocol::MetadataRequest MetadataFor(int topics) {
  protocol::MetadataRequest request;
  for (int i = 0; i < topics; ++i) request.topics.push_back("t" + std::to_string(i));
  return request;
}

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() { pool_.Start(); }
  ~ServerTest() override {
    if (server_) server_->Stop();
    pool_.Stop();
  }

  void StartServer(ClientRequestHandler* handler, ServerOptions options = {},
                   PeerInbox inbox = nullptr) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.broker_id = 7;
    options.cluster_id = "test-cluster";
    server_ = std::make_unique<Server>(pool_.context(), options, handler, std::move(inbox));
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }

  void Connect(FrameClient& client) { ASSERT_TRUE(client.Connect(server_->port()).ok()); }

  void ConnectAndHello(FrameClient& client) {
    Connect(client);
    auto hello = client.Hello();
    ASSERT_TRUE(hello.ok()) << hello.status();
    ASSERT_TRUE(hello->header.ok());
  }

  // A new connection still gets served: the server survived whatever came before.
  void ExpectServing() {
    FrameClient client;
    ConnectAndHello(client);
  }

  IoPool pool_{2};
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, HelloAnswersWithTheBrokerIdentityAndLimits) {
  EchoHandler handler;
  ServerOptions options;
  options.limits.frame_bytes_max = 1 << 20;
  options.limits.batch_bytes_max = 1 << 18;
  StartServer(&handler, options);
  FrameClient client;
  Connect(client);
  auto hello = client.Hello(/*request_id=*/42, "test-cluster");
  ASSERT_TRUE(hello.ok()) << hello.status();
  EXPECT_TRUE(hello->header.ok());
  EXPECT_EQ(hello->broker_id, 7u);
  EXPECT_EQ(hello->cluster_id, "test-cluster");
  EXPECT_EQ(hello->frame_bytes_max, 1u << 20);
  EXPECT_EQ(hello->batch_bytes_max, 1u << 18);
  EXPECT_EQ(hello->api_versions, protocol::SupportedApiVersions());

  // Then requests go to the handler, and the answer echoes the request id and api key.
  ASSERT_TRUE(client.Send(5, MetadataFor(3)).ok());
  protocol::Frame frame;
  auto response = client.ReadResponse(&frame);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(frame.header.request_id, 5u);
  EXPECT_EQ(frame.header.api_key, ApiKey::kMetadata);
  EXPECT_EQ(Metadata(*response).cluster_version, 3u);
}

TEST_F(ServerTest, AClientHelloWithAnotherClusterIdIsRefused) {
  EchoHandler handler;
  StartServer(&handler);
  FrameClient client;
  Connect(client);
  auto hello = client.Hello(1, "other-cluster");
  ASSERT_TRUE(hello.ok()) << hello.status();
  EXPECT_EQ(hello->header.error_code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(client.WaitClosed());
  ExpectServing();
}

TEST_F(ServerTest, TheFirstFrameMustBeHello) {
  RecordingHandler handler;
  StartServer(&handler);
  FrameClient client;
  Connect(client);
  ASSERT_TRUE(client.Send(9, MetadataFor(1)).ok());
  protocol::Frame frame;
  auto response = client.ReadResponse(&frame);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(frame.header.request_id, 9u);
  EXPECT_EQ(Metadata(*response).header.error_code, ErrorCode::kHelloRequired);
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(handler.count(), 0u);
  ExpectServing();
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInCompletionOrder) {
  RecordingHandler handler;
  StartServer(&handler);
  FrameClient client;
  ConnectAndHello(client);
  for (uint64_t id = 10; id < 13; ++id) {
    ASSERT_TRUE(client.Send(id, MetadataFor(static_cast<int>(id))).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return handler.count() == 3; }));
  // Answer from other threads, last request first.
  for (size_t i : {2, 0, 1}) {
    RecordingHandler::Pending p = handler.at(i);
    std::thread([p] {
      protocol::MetadataResponse response;
      response.cluster_version = std::get<protocol::MetadataRequest>(p.request).topics.size();
      p.respond(response);
    }).join();
  }
  for (uint64_t expected : {12, 10, 11}) {
    protocol::Frame frame;
    auto response = client.ReadResponse(&frame);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(frame.header.request_id, expected);
    EXPECT_EQ(Metadata(*response).cluster_version, expected);
  }
}

TEST_F(ServerTest, AnUnansweredRequestIsAnsweredInternalWhenItsResponderDies) {
  RecordingHandler handler;
  StartServer(&handler);
  FrameClient client;
  ConnectAndHello(client);
  ASSERT_TRUE(client.Send(3, MetadataFor(1)).ok());
  ASSERT_TRUE(WaitFor([&] { return handler.count() == 1; }));
  handler.Forget();
  auto response = client.ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(Metadata(*response).header.error_code, ErrorCode::kInternal);
  EXPECT_FALSE(Metadata(*response).header.definite);
}

TEST_F(ServerTest, AResponseOfTheWrongTypeIsAnsweredInternal) {
  RecordingHandler handler;
  StartServer(&handler);
  FrameClient client;
  ConnectAndHello(client);
  ASSERT_TRUE(client.Send(3, MetadataFor(1)).ok());
  ASSERT_TRUE(WaitFor([&] { return handler.count() == 1; }));
  handler.at(0).respond(protocol::ProduceResponse{});
  protocol::Frame frame;
  auto response = client.ReadResponse(&frame);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(frame.header.api_key, ApiKey::kMetadata);
  EXPECT_EQ(Metadata(*response).header.error_code, ErrorCode::kInternal);
}

TEST_F(ServerTest, AnUndecodablePayloadIsInvalidArgumentAndTheConnectionStays) {
  EchoHandler handler;
  StartServer(&handler);
  FrameClient client;
  ConnectAndHello(client);
  ASSERT_TRUE(client
                  .Write(protocol::EncodeFrame({.api_key = ApiKey::kProduce, .request_id = 77},
                                               "definitely not a table"))
                  .ok());
  protocol::Frame frame;
  auto response = client.ReadResponse(&frame);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(frame.header.request_id, 77u);
  EXPECT_EQ(frame.header.api_key, ApiKey::kProduce);
  auto& produce = std::get<protocol::ProduceResponse>(*response);
  EXPECT_EQ(produce.header.error_code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(produce.header.definite);

  ASSERT_TRUE(client.Send(78, MetadataFor(2)).ok());
  response = client.ReadResponse(&frame);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(frame.header.request_id, 78u);
  EXPECT_EQ(Metadata(*response).cluster_version, 2u);
}

TEST_F(ServerTest, PeerAndUnknownApiKeysAreRefusedOnAClientSession) {
  EchoHandler handler;
  StartServer(&handler);
  FrameClient client;
  ConnectAndHello(client);
  raft::Message heartbeat = Heartbeat(1, 7, 1);
  ASSERT_TRUE(client
                  .Write(protocol::EncodeFrame(
                      {.api_key = ApiKey::kRaftPeerBatch, .request_id = 5},
                      raft::wire::EncodePeerBatch({{.group_id = 1, .message = heartbeat}})))
                  .ok());
  ASSERT_TRUE(
      client
          .Write(protocol::EncodeFrame({.api_key = static_cast<ApiKey>(999), .request_id = 6}, ""))
          .ok());
  ASSERT_TRUE(
      client.Write(protocol::EncodeRequestFrame(7, MetadataFor(1), /*api_version=*/9)).ok());
  for (auto [id, code] :
       {std::pair{5u, ErrorCode::kUnsupportedApi}, std::pair{6u, ErrorCode::kUnsupportedApi},
        std::pair{7u, ErrorCode::kUnsupportedVersion}}) {
    auto frame = client.ReadFrame();
    ASSERT_TRUE(frame.ok()) << frame.status();
    EXPECT_EQ(frame->header.request_id, id);
    auto error = protocol::Decode<protocol::ErrorResponse>(frame->payload.view());
    ASSERT_TRUE(error.ok()) << error.status();
    EXPECT_EQ(error->header.error_code, code);
    EXPECT_TRUE(error->header.definite);
  }
  // Still a working client session.
  ASSERT_TRUE(client.Send(8, MetadataFor(4)).ok());
  auto response = client.ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(Metadata(*response).cluster_version, 4u);
}

TEST_F(ServerTest, GarbageBytesCloseTheConnectionAndTheServerKeepsServing) {
  EchoHandler handler;
  StartServer(&handler);
  {
    FrameClient client;
    Connect(client);
    ASSERT_TRUE(client.Write(std::string(100, 'x')).ok());
    EXPECT_TRUE(client.WaitClosed());
  }
  {
    // Garbage after a good Hello.
    FrameClient client;
    ConnectAndHello(client);
    ASSERT_TRUE(client.Write(std::string(32, '\xff')).ok());
    EXPECT_TRUE(client.WaitClosed());
  }
  ExpectServing();
}

TEST_F(ServerTest, AnOversizeFrameClosesTheConnection) {
  EchoHandler handler;
  ServerOptions options;
  options.limits.frame_bytes_max = 4096;
  StartServer(&handler, options);
  FrameClient client;
  ConnectAndHello(client);
  std::string frame =
      protocol::EncodeFrame({.api_key = ApiKey::kProduce, .request_id = 2}, std::string(8000, 'p'));
  // The header alone is enough: the length is refused before the payload is awaited.
  ASSERT_TRUE(client.Write(std::string_view(frame).substr(0, protocol::kFrameHeaderBytes)).ok());
  EXPECT_TRUE(client.WaitClosed());
  ExpectServing();
}

TEST_F(ServerTest, RandomBytesNeverCrashTheServer) {
  EchoHandler handler;
  ServerOptions options;
  options.limits.frame_bytes_max = 1 << 16;
  StartServer(&handler, options);
  Prng prng(20240611);
  for (int round = 0; round < 40; ++round) {
    FrameClient client;
    Connect(client);
    if (prng.Chance(1, 2)) {
      auto hello = client.Hello();
      ASSERT_TRUE(hello.ok()) << hello.status();
    }
    // Well-framed random payloads under random api keys, then raw random bytes.
    for (int i = 0; i < 5; ++i) {
      std::string payload(prng.Uniform(200), '\0');
      for (char& c : payload) c = static_cast<char>(prng.Uniform(256));
      auto key = static_cast<ApiKey>(prng.Chance(4, 5) ? prng.Range(1, 20) : prng.Uniform(65536));
      protocol::FrameHeader header;
      header.api_key = key;
      header.request_id = static_cast<uint64_t>(i + 1);
      // The server may have closed the connection already (e.g. no Hello came first).
      (void)client.Write(protocol::EncodeFrame(header, payload));
    }
    std::string junk(prng.Range(1, 300), '\0');
    for (char& c : junk) c = static_cast<char>(prng.Uniform(256));
    (void)client.Write(junk);  // the server may have closed already
  }
  ExpectServing();
}

TEST_F(ServerTest, TheInFlightLimitStopsReadingUntilAnswersGoOut) {
  RecordingHandler handler;
  ServerOptions options;
  options.requests_in_flight_max = 2;
  StartServer(&handler, options);
  FrameClient client;
  ConnectAndHello(client);
  for (uint64_t id = 1; id <= 4; ++id) ASSERT_TRUE(client.Send(id, MetadataFor(1)).ok());
  ASSERT_TRUE(WaitFor([&] { return handler.count() == 2; }));
  // Give a session that ignores the limit time to hand over more (this cannot fail a correct
  // session, only let a wrong one slip by).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(handler.count(), 2u);
  handler.at(0).respond(protocol::MetadataResponse{});
  ASSERT_TRUE(WaitFor([&] { return handler.count() == 3; }));
  handler.at(1).respond(protocol::MetadataResponse{});
  handler.at(2).respond(protocol::MetadataResponse{});
  ASSERT_TRUE(WaitFor([&] { return handler.count() == 4; }));
  handler.at(3).respond(protocol::MetadataResponse{});
  for (uint64_t id = 1; id <= 4; ++id) {
    protocol::Frame frame;
    ASSERT_TRUE(client.ReadResponse(&frame).ok());
    EXPECT_EQ(frame.header.request_id, id);
  }
}

TEST_F(ServerTest, StopClosesEverySession) {
  EchoHandler handler;
  StartServer(&handler);
  FrameClient a, b;
  ConnectAndHello(a);
  ConnectAndHello(b);
  ASSERT_TRUE(WaitFor([&] { return server_->session_count() == 2; }));
  server_->Stop();
  EXPECT_TRUE(a.WaitClosed());
  EXPECT_TRUE(b.WaitClosed());
  EXPECT_EQ(server_->session_count(), 0u);
  // The acceptor closes on its strand, soon after Stop returns.
  EXPECT_TRUE(WaitFor([&] {
    FrameClient late;
    return !late.Connect(server_->port()).ok();
  }));
}

TEST_F(ServerTest, StartFailsOnAPortInUse) {
  EchoHandler handler;
  StartServer(&handler);
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = server_->port();
  Server second(pool_.context(), options, &handler, nullptr);
  absl::Status status = second.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
}

// ---- Peer sessions ----------------------------------------------------------------------------

struct InboxLog {
  std::mutex mu;
  std::vector<std::pair<uint64_t, std::vector<raft::wire::GroupMessage>>> batches;

  PeerInbox Inbox() {
    return [this](uint64_t from, std::vector<raft::wire::GroupMessage> messages) {
      std::lock_guard<std::mutex> lock(mu);
      batches.emplace_back(from, std::move(messages));
    };
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return batches.size();
  }
};

protocol::HelloRequest PeerHello(uint64_t broker_id, std::string cluster_id) {
  protocol::HelloRequest hello;
  hello.peer_broker_id = broker_id;
  hello.cluster_id = std::move(cluster_id);
  return hello;
}

// Says Hello on a connected `peer` as broker 3 of the test cluster; the server accepts it.
void HelloAsPeer(FrameClient& peer) {
  ASSERT_TRUE(peer.Send(1, PeerHello(3, "test-cluster")).ok());
  auto hello = peer.ReadResponse();
  ASSERT_TRUE(hello.ok()) << hello.status();
  ASSERT_TRUE(std::get<protocol::HelloResponse>(*hello).header.ok());
}

std::string PeerBatchFrame(const std::vector<raft::wire::GroupMessage>& messages) {
  return protocol::EncodeFrame({.api_key = ApiKey::kRaftPeerBatch, .request_id = 1},
                               raft::wire::EncodePeerBatch(messages));
}

TEST_F(ServerTest, APeerSessionHandsBatchesToTheInbox) {
  InboxLog log;
  StartServer(nullptr, {}, log.Inbox());
  FrameClient peer;
  Connect(peer);
  ASSERT_TRUE(peer.Send(1, PeerHello(3, "test-cluster")).ok());
  auto hello = peer.ReadResponse();
  ASSERT_TRUE(hello.ok()) << hello.status();
  EXPECT_TRUE(std::get<protocol::HelloResponse>(*hello).header.ok());
  EXPECT_EQ(std::get<protocol::HelloResponse>(*hello).broker_id, 7u);

  raft::Message from_peer = Heartbeat(3, 7, 2);
  raft::Message forged = from_peer;
  forged.from = 5;  // not the broker that said Hello: dropped
  ASSERT_TRUE(peer.Write(PeerBatchFrame({{.group_id = 1, .message = from_peer},
                                         {.group_id = 2, .message = forged},
                                         {.group_id = 4, .message = from_peer}}))
                  .ok());
  // A batch that does not decode is dropped; the connection stays.
  ASSERT_TRUE(peer.Write(protocol::EncodeFrame({.api_key = ApiKey::kRaftPeerBatch}, "bogus")).ok());
  ASSERT_TRUE(peer.Write(PeerBatchFrame({{.group_id = 9, .message = from_peer}})).ok());
  ASSERT_TRUE(WaitFor([&] { return log.count() == 2; }));
  std::lock_guard<std::mutex> lock(log.mu);
  EXPECT_EQ(log.batches[0].first, 3u);
  ASSERT_EQ(log.batches[0].second.size(), 2u);
  EXPECT_EQ(log.batches[0].second[0].group_id, 1u);
  EXPECT_EQ(log.batches[0].second[1].group_id, 4u);
  EXPECT_EQ(log.batches[0].second[1].message.term, 2u);
  ASSERT_EQ(log.batches[1].second.size(), 1u);
  EXPECT_EQ(log.batches[1].second[0].group_id, 9u);
}

TEST_F(ServerTest, BatchesLargerThanTheReadBufferArriveWhole) {
  // Frames far larger than the session's 64 KiB read buffer, each taking several reads, and a
  // small batch behind them in the same bytes.
  InboxLog log;
  StartServer(nullptr, {}, log.Inbox());
  FrameClient peer;
  Connect(peer);
  HelloAsPeer(peer);

  auto append_of = [](uint64_t first_index, char fill) {
    raft::Message m;
    m.type = raft::MessageType::kAppend;
    m.from = 3;
    m.to = 7;
    m.term = 2;
    m.index = first_index - 1;
    m.log_term = 2;
    for (uint64_t i = 0; i < 3; ++i) {
      raft::Entry e;
      e.term = 2;
      e.index = first_index + i;
      e.data = raft::Payload(std::string(100 << 10, static_cast<char>(fill + i)));
      m.entries.push_back(std::move(e));
    }
    return m;
  };
  std::string bytes = PeerBatchFrame({{.group_id = 1, .message = append_of(1, 'a')}});
  bytes += PeerBatchFrame({{.group_id = 2, .message = append_of(10, 'k')}});
  bytes += PeerBatchFrame({{.group_id = 3, .message = Heartbeat(3, 7, 2)}});
  ASSERT_TRUE(peer.Write(bytes).ok());
  ASSERT_TRUE(WaitFor([&] { return log.count() == 3; }));
  std::lock_guard<std::mutex> lock(log.mu);
  for (size_t b = 0; b < 2; ++b) {
    ASSERT_EQ(log.batches[b].second.size(), 1u);
    const raft::Message& m = log.batches[b].second[0].message;
    EXPECT_EQ(log.batches[b].second[0].group_id, b + 1);
    ASSERT_EQ(m.entries.size(), 3u);
    const char fill = b == 0 ? 'a' : 'k';
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(m.entries[i].data, std::string(100 << 10, static_cast<char>(fill + i)))
          << "batch " << b << " entry " << i;
    }
  }
  EXPECT_EQ(log.batches[2].second[0].message.type, raft::MessageType::kHeartbeat);
}

TEST_F(ServerTest, APeerOfAnotherClusterIsRefused) {
  InboxLog log;
  StartServer(nullptr, {}, log.Inbox());
  for (auto [id, cluster] : {std::pair{3u, "other-cluster"}, std::pair{7u, "test-cluster"}}) {
    FrameClient peer;
    Connect(peer);
    ASSERT_TRUE(peer.Send(1, PeerHello(id, cluster)).ok());
    auto hello = peer.ReadResponse();
    ASSERT_TRUE(hello.ok()) << hello.status();
    EXPECT_EQ(std::get<protocol::HelloResponse>(*hello).header.error_code,
              ErrorCode::kInvalidArgument);
    EXPECT_TRUE(peer.WaitClosed());
  }
  EXPECT_EQ(log.count(), 0u);
}

TEST_F(ServerTest, APeerSessionClosesOnAClientApiFrame) {
  InboxLog log;
  EchoHandler handler;
  StartServer(&handler, {}, log.Inbox());
  FrameClient peer;
  Connect(peer);
  HelloAsPeer(peer);
  ASSERT_TRUE(peer.Send(2, MetadataFor(1)).ok());
  EXPECT_TRUE(peer.WaitClosed());
  ExpectServing();
}

}  // namespace
}  // namespace mq::broker::net
