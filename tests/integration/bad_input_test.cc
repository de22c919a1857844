// Integration (5): malformed frames, oversize lengths and garbage bytes on the client port get
// an error or a closed connection, and the broker keeps serving.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "client/admin.h"
#include "client/protocol/codec.h"
#include "client/protocol/frame.h"
#include "gtest/gtest.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/base/prng.h"
#include "tests/integration/broker_cluster.h"
#include "tests/integration/integration_util.h"

namespace mq::testing {
namespace {

// Connects to `port`, writes `bytes`, and reads until the broker closes the connection or
// 2 s pass. Returns what came back.
std::string Exchange(uint16_t port, const std::string& bytes, bool* closed) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string reply;
  *closed = false;
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 2000) > 0) {
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      *closed = true;
      break;
    }
    reply.append(buf, n);
  }
  ::close(fd);
  return reply;
}

uint16_t PortOf(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

TEST(BadInputTest, GarbageOversizeAndMalformedFramesNeverStopTheBroker) {
  BrokerCluster cluster(MQBROKER_PATH);
  cluster.StartAll();
  client::ClientOptions options;
  options.servers = cluster.servers();
  auto admin = client::Admin::Create(options);
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE(WaitForLeaders(**admin).ok());
  const uint16_t port = PortOf(cluster.address(1));
  bool closed = false;

  // Garbage: not even a frame header.
  Exchange(port, std::string(100, '\x5a'), &closed);
  EXPECT_TRUE(closed) << "garbage must close the connection";

  // A well-formed header (right magic, version and header crc) announcing a 2 GiB payload.
  protocol::FrameHeader header;
  header.api_key = protocol::ApiKey::kHello;
  auto encoded = protocol::EncodeFrameHeader(header, "");
  EncodeFixed32(encoded.data() + 12, 1u << 31);
  EncodeFixed32(encoded.data() + 28, Crc32c(encoded.data(), 28));
  Exchange(port, std::string(encoded.data(), encoded.size()), &closed);
  EXPECT_TRUE(closed) << "an oversize length must close the connection";

  // A valid Hello, then a frame whose payload is not a valid request: an error response.
  std::string bytes = protocol::EncodeRequestFrame(1, protocol::HelloRequest{.client_id = "t"});
  protocol::FrameHeader bad;
  bad.request_id = 2;
  bad.api_key = protocol::ApiKey::kProduce;
  bytes += protocol::EncodeFrame(bad, std::string(64, '\x01'));
  const std::string reply = Exchange(port, bytes, &closed);
  EXPECT_GT(reply.size(), 2 * protocol::kFrameHeaderBytes) << "expected Hello + error responses";

  // Random bytes after a valid Hello, many seeds.
  Prng prng(7);
  for (int i = 0; i < 50; ++i) {
    std::string noise = protocol::EncodeRequestFrame(1, protocol::HelloRequest{.client_id = "t"});
    const size_t n = prng.Uniform(512) + 1;
    for (size_t j = 0; j < n; ++j) noise.push_back(static_cast<char>(prng.Next()));
    Exchange(port, noise, &closed);
  }

  // Every broker still serves.
  EXPECT_TRUE(cluster.running(1));
  auto metadata = (*admin)->Metadata();
  EXPECT_TRUE(metadata.ok()) << metadata.status();
  EXPECT_TRUE(WaitForLeaders(**admin).ok());
}

}  // namespace
}  // namespace mq::testing
