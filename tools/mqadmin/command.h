#pragma once

// Command: one mqadmin subcommand as the dispatcher (cli.h) sees it: name, help text, flags and
// the function that runs it.
//
// Error convention (docs/mqadmin.md): a subcommand returns a non-OK Status and the dispatcher
// prints ONE line on stderr, "mqadmin: <subcommand>: <message>", and exits non-zero: kExitUsage
// (2) for a usage error (bad or missing flags and flag values: UsageError below), kExitFailure
// (1) for everything else (the operation failed or was refused; the message starts with the
// client's "rejected: " or "unknown: " when it came from the cluster).

#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "tools/mqadmin/flags.h"

namespace mq::tools::mqadmin {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// The default --servers: the local 3-broker cluster of tools/cluster.sh.
inline constexpr char kDefaultServers[] = "127.0.0.1:9871,127.0.0.1:9872,127.0.0.1:9873";
inline constexpr uint32_t kDefaultDeadlineMs = 10000;

struct CommandIo {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

using RunFn = absl::Status (*)(const ParsedFlags& flags, CommandIo& io);

struct Command {
  std::string name{};             // "clusterList"
  std::string summary{};          // one line, for `mqadmin --help`
  std::string description{};      // a paragraph or more for `mqadmin NAME --help`
  std::vector<FlagSpec> flags{};  // the subcommand's own; CommonFlags() are added by the dispatcher
  RunFn run = nullptr;
};

// --servers, --deadline-ms, --json, --help: accepted by every subcommand.
std::vector<FlagSpec> CommonFlags();

// A Status the dispatcher reports as a usage error (exit 2).
absl::Status UsageError(std::string_view message);
// The same Status (message kept) marked as a usage error; OK stays OK.
absl::Status AsUsageError(const absl::Status& status);
bool IsUsageError(const absl::Status& status);

}  // namespace mq::tools::mqadmin
