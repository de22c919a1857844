#pragma once

// The common flags of command.h (--servers, --deadline-ms) turned into client options, and the
// client objects the subcommands use.

#include <memory>

#include "absl/status/statusor.h"
#include "client/admin.h"
#include "client/client_options.h"
#include "tools/mqadmin/flags.h"

namespace mq::tools::mqadmin {

// --servers (default kDefaultServers; a malformed list is a usage error) and --deadline-ms
// (default kDefaultDeadlineMs, at least 1). Connect timeouts are capped by the deadline.
[[nodiscard]] absl::StatusOr<client::ClientOptions> ClientOptionsFromFlags(
    const ParsedFlags& flags);

[[nodiscard]] absl::StatusOr<std::unique_ptr<client::Admin>> AdminFromFlags(
    const ParsedFlags& flags);

}  // namespace mq::tools::mqadmin
