#pragma once

// "host:port" strings as they appear in --listen and --peers ("127.0.0.1:9876",
// "broker-2.local:9876", "[::1]:9876").

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mq::broker::net {

struct HostPort {
  std::string host;
  uint16_t port = 0;
  bool operator==(const HostPort&) const = default;
};

// InvalidArgument naming the text for a missing host, a missing or non-numeric port, or a
// port above 65535. Port 0 is accepted (a listener that lets the kernel choose).
[[nodiscard]] absl::StatusOr<HostPort> ParseHostPort(std::string_view text);

// "host:port", with brackets around an IPv6 host.
std::string FormatHostPort(const HostPort& host_port);

}  // namespace mq::broker::net
