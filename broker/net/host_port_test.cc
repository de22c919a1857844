#include "broker/net/host_port.h"

#include "gtest/gtest.h"

namespace mq::broker::net {
namespace {

TEST(HostPortTest, ParsesNamesAddressesAndBracketedIpv6) {
  EXPECT_EQ(*ParseHostPort("127.0.0.1:9876"), (HostPort{"127.0.0.1", 9876}));
  EXPECT_EQ(*ParseHostPort("broker-2.local:1"), (HostPort{"broker-2.local", 1}));
  EXPECT_EQ(*ParseHostPort("[::1]:65535"), (HostPort{"::1", 65535}));
  EXPECT_EQ(*ParseHostPort("0.0.0.0:0"), (HostPort{"0.0.0.0", 0}));
}

TEST(HostPortTest, RefusesMalformedAddresses) {
  for (const char* bad : {"", "host", "host:", ":80", "host:80x", "host:65536", "host:123456",
                          "::1:80", "[::1]80", "[::1", "[]:80", "host:-1"}) {
    auto parsed = ParseHostPort(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(HostPortTest, FormatsBack) {
  EXPECT_EQ(FormatHostPort({"10.0.0.1", 80}), "10.0.0.1:80");
  EXPECT_EQ(FormatHostPort({"::1", 80}), "[::1]:80");
}

}  // namespace
}  // namespace mq::broker::net
