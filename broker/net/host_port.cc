#include "broker/net/host_port.h"

#include "absl/strings/str_format.h"

namespace mq::broker::net {

absl::StatusOr<HostPort> ParseHostPort(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrFormat("address \"%s\": %s", text, why));
  };
  HostPort result;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return invalid("unclosed '['");
    result.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return invalid("expected ':port' after ']'");
    port_text = rest.substr(1);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return invalid("expected host:port");
    result.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (result.host.find(':') != std::string::npos) {
      return invalid("an IPv6 host needs brackets: [host]:port");
    }
  }
  if (result.host.empty()) return invalid("empty host");
  if (port_text.empty() || port_text.size() > 5) return invalid("bad port");
  uint32_t port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return invalid("bad port");
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port > 65535) return invalid("port above 65535");
  result.port = static_cast<uint16_t>(port);
  return result;
}

std::string FormatHostPort(const HostPort& host_port) {
  if (host_port.host.find(':') != std::string::npos) {
    return absl::StrFormat("[%s]:%d", host_port.host, host_port.port);
  }
  return absl::StrFormat("%s:%d", host_port.host, host_port.port);
}

}  // namespace mq::broker::net
