#include "client/client_options.h"

#include <charconv>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace mq::client {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseServers(std::string_view servers) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= servers.size()) {
    size_t comma = servers.find(',', start);
    if (comma == std::string_view::npos) comma = servers.size();
    std::string_view item = Trim(servers.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    size_t colon = item.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError(absl::StrFormat("servers: \"%s\" is not host:port", item));
    }
    std::string_view port_text = item.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrFormat("servers: \"%s\" has no valid port (1..65535)", item));
    }
    out.emplace_back(item);
  }
  if (out.empty()) return absl::InvalidArgumentError("servers: empty list");
  return out;
}

}  // namespace mq::client
