#include "broker/net/peer_transport.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "broker/net/io_pool.h"
#include "broker/net/net_testing.h"
#include "broker/net/server.h"
#include "gtest/gtest.h"

namespace mq::broker::net {
namespace {

using testing::WaitFor;

constexpr char kCluster[] = "c1";

// What one broker's server received from its peers.
struct Received {
  std::mutex mu;
  std::vector<std::vector<raft::wire::GroupMessage>> batches;
  std::vector<uint64_t> from;

  PeerInbox Inbox() {
    return [this](uint64_t from_broker, std::vector<raft::wire::GroupMessage> messages) {
      std::lock_guard<std::mutex> lock(mu);
      from.push_back(from_broker);
      batches.push_back(std::move(messages));
    };
  }
  size_t messages() {
    std::lock_guard<std::mutex> lock(mu);
    size_t n = 0;
    for (auto& b : batches) n += b.size();
    return n;
  }
  std::vector<std::string> contexts() {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> out;
    for (auto& b : batches) {
      for (auto& gm : b) out.push_back(gm.message.context);
    }
    return out;
  }
};

raft::Message Heartbeat(uint64_t from, uint64_t to, int n) {
  raft::Message m;
  m.type = raft::MessageType::kHeartbeat;
  m.from = from;
  m.to = to;
  m.term = 1;
  m.context = absl::StrFormat("m%d", n);
  return m;
}

std::unique_ptr<Server> StartServer(asio::io_context& io, uint64_t id, Received* received,
                                    uint16_t port = 0) {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.broker_id = id;
  options.cluster_id = kCluster;
  auto server = std::make_unique<Server>(io, options, nullptr, received->Inbox());
  absl::Status started = server->Start();
  EXPECT_TRUE(started.ok()) << started;
  return server;
}

PeerTransportOptions TransportOptions(uint64_t id) {
  PeerTransportOptions options;
  options.broker_id = id;
  options.cluster_id = kCluster;
  return options;
}

std::string Address(uint16_t port) { return absl::StrFormat("127.0.0.1:%d", port); }

TEST(PeerTransportTest, MessagesQueuedBeforeTheConnectionGoOutAsOneBatch) {
  IoPool server_pool(1);
  server_pool.Start();
  Received received;
  auto server = StartServer(server_pool.context(), 2, &received);

  // The sender's pool starts only after everything is queued: the first write takes it all.
  IoPool pool(2);
  PeerTransport transport(pool.context(), TransportOptions(1));
  ASSERT_TRUE(transport.AddPeer(2, Address(server->port())).ok());
  for (int i = 0; i < 100; ++i) transport.Send(2, /*group_id=*/i % 3, Heartbeat(1, 2, i));
  pool.Start();

  ASSERT_TRUE(WaitFor([&] { return received.messages() == 100; }));
  {
    std::lock_guard<std::mutex> lock(received.mu);
    ASSERT_EQ(received.batches.size(), 1u);
    EXPECT_EQ(received.from[0], 1u);
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(received.batches[0][i].group_id, static_cast<uint64_t>(i % 3));
      EXPECT_EQ(received.batches[0][i].message.context, absl::StrFormat("m%d", i));
    }
  }
  // The sender counts the write when its completion runs, which may trail the receiver.
  ASSERT_TRUE(WaitFor([&] { return transport.stats(2).batches_sent == 1; }));
  PeerLinkStats stats = transport.stats(2);
  EXPECT_TRUE(stats.connected);
  EXPECT_EQ(stats.connects, 1u);
  EXPECT_EQ(stats.batches_sent, 1u);
  EXPECT_EQ(stats.messages_sent, 100u);
  EXPECT_EQ(stats.messages_dropped, 0u);

  transport.Stop();
  pool.Stop();
  server->Stop();
  server_pool.Stop();
}

TEST(PeerTransportTest, TheQueueDropsItsOldestMessagesBeyondTheBound) {
  IoPool server_pool(1);
  server_pool.Start();
  Received received;
  auto server = StartServer(server_pool.context(), 2, &received);

  IoPool pool(1);
  PeerTransportOptions options = TransportOptions(1);
  options.queue_messages_max = 10;
  PeerTransport transport(pool.context(), options);
  ASSERT_TRUE(transport.AddPeer(2, Address(server->port())).ok());
  for (int i = 0; i < 100; ++i) transport.Send(2, 1, Heartbeat(1, 2, i));
  pool.Start();

  ASSERT_TRUE(WaitFor([&] { return received.messages() == 10; }));
  std::vector<std::string> expected;
  for (int i = 90; i < 100; ++i) expected.push_back(absl::StrFormat("m%d", i));
  EXPECT_EQ(received.contexts(), expected);
  EXPECT_EQ(transport.stats(2).messages_dropped, 90u);

  transport.Stop();
  pool.Stop();
  server->Stop();
  server_pool.Stop();
}

TEST(PeerTransportTest, ReconnectsAfterThePeerRestarts) {
  IoPool server_pool(1);
  server_pool.Start();
  Received first;
  auto server = StartServer(server_pool.context(), 2, &first);
  uint16_t port = server->port();

  IoPool pool(2);
  pool.Start();
  std::atomic<int> unreachable{0};
  PeerTransportOptions options = TransportOptions(1);
  options.backoff_min = std::chrono::milliseconds(5);
  options.backoff_max = std::chrono::milliseconds(20);
  PeerTransport transport(pool.context(), options, {.on_unreachable = [&](uint64_t id) {
                            EXPECT_EQ(id, 2u);
                            ++unreachable;
                          }});
  ASSERT_TRUE(transport.AddPeer(2, Address(port)).ok());
  transport.Send(2, 1, Heartbeat(1, 2, 0));
  ASSERT_TRUE(WaitFor([&] { return first.messages() == 1; }));

  server->Stop();
  ASSERT_TRUE(WaitFor([&] { return !transport.stats(2).connected; }));
  ASSERT_TRUE(WaitFor([&] { return unreachable.load() >= 1; }));

  // A new incarnation on the same port: messages flow again (those sent while it was down
  // may be lost, as Raft expects).
  Received second;
  auto restarted = StartServer(server_pool.context(), 2, &second, port);
  int n = 1;
  ASSERT_TRUE(WaitFor([&] {
    transport.Send(2, 1, Heartbeat(1, 2, n++));
    return second.messages() > 0;
  }));
  EXPECT_GE(transport.stats(2).connects, 2u);

  transport.Stop();
  pool.Stop();
  restarted->Stop();
  server_pool.Stop();
}

TEST(PeerTransportTest, AnUnreachablePeerFiresTheHookOnEveryFailedAttempt) {
  IoPool pool(1);
  pool.Start();
  // A port nobody listens on: bind one, note it, close it.
  uint16_t port;
  {
    asio::ip::tcp::acceptor acceptor(
        pool.context(), asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = acceptor.local_endpoint().port();
  }
  std::atomic<int> unreachable{0};
  PeerTransportOptions options = TransportOptions(1);
  options.backoff_min = std::chrono::milliseconds(1);
  options.backoff_max = std::chrono::milliseconds(4);
  PeerTransport transport(pool.context(), options,
                          {.on_unreachable = [&](uint64_t) { ++unreachable; }});
  ASSERT_TRUE(transport.AddPeer(5, Address(port)).ok());
  transport.Send(5, 1, Heartbeat(1, 5, 0));
  ASSERT_TRUE(WaitFor([&] { return unreachable.load() >= 3; }));
  EXPECT_FALSE(transport.stats(5).connected);
  EXPECT_GE(transport.stats(5).connect_failures, 3u);
  transport.Stop();
  pool.Stop();
}

TEST(PeerTransportTest, RefusesABrokerThatIsNotTheExpectedOne) {
  IoPool pool(2);
  pool.Start();
  Received received;
  auto server = StartServer(pool.context(), 2, &received);
  PeerTransportOptions options = TransportOptions(1);
  options.backoff_min = std::chrono::milliseconds(1);
  options.backoff_max = std::chrono::milliseconds(4);
  PeerTransport transport(pool.context(), options);
  // Broker 3 is configured at broker 2's address.
  ASSERT_TRUE(transport.AddPeer(3, Address(server->port())).ok());
  transport.Send(3, 1, Heartbeat(1, 3, 0));
  ASSERT_TRUE(WaitFor([&] { return transport.stats(3).connect_failures >= 2; }));
  EXPECT_EQ(transport.stats(3).connects, 0u);
  EXPECT_EQ(received.messages(), 0u);
  transport.Stop();
  server->Stop();
  pool.Stop();
}

TEST(PeerTransportTest, ReportsSnapshotsWritten) {
  IoPool pool(2);
  pool.Start();
  Received received;
  auto server = StartServer(pool.context(), 2, &received);
  std::mutex mu;
  std::vector<std::tuple<uint64_t, uint64_t, bool>> reports;
  PeerTransport transport(pool.context(), TransportOptions(1),
                          {.on_snapshot_status = [&](uint64_t to, uint64_t group, bool ok) {
                            std::lock_guard<std::mutex> lock(mu);
                            reports.emplace_back(to, group, ok);
                          }});
  ASSERT_TRUE(transport.AddPeer(2, Address(server->port())).ok());
  raft::Message snapshot;
  snapshot.type = raft::MessageType::kSnapshot;
  snapshot.from = 1;
  snapshot.to = 2;
  snapshot.term = 3;
  snapshot.snapshot.metadata.index = 10;
  snapshot.snapshot.metadata.term = 2;
  snapshot.snapshot.metadata.conf_state.voters = {1, 2, 3};
  snapshot.snapshot.data = raft::Payload(std::string_view("state"));
  transport.Send(2, 4, snapshot);
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return !reports.empty();
  }));
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(reports[0], std::make_tuple(uint64_t{2}, uint64_t{4}, true));
  }
  ASSERT_TRUE(WaitFor([&] { return received.messages() == 1; }));
  transport.Stop();
  server->Stop();
  pool.Stop();
}

TEST(PeerTransportTest, AddPeerValidates) {
  IoPool pool(1);
  PeerTransport transport(pool.context(), TransportOptions(1));
  EXPECT_EQ(transport.AddPeer(2, "nonsense").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(transport.AddPeer(0, "127.0.0.1:1").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(transport.AddPeer(1, "127.0.0.1:1").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(transport.AddPeer(2, "127.0.0.1:1").ok());
  EXPECT_EQ(transport.AddPeer(2, "127.0.0.1:2").code(), absl::StatusCode::kAlreadyExists);
  // Unknown brokers are dropped, not an error.
  transport.Send(9, 1, Heartbeat(1, 9, 0));
  transport.Stop();
  EXPECT_EQ(transport.AddPeer(3, "127.0.0.1:1").code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace mq::broker::net
