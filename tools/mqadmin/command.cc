#include "tools/mqadmin/command.h"

#include "absl/strings/cord.h"

namespace mq::tools::mqadmin {
namespace {
constexpr char kUsagePayloadUrl[] = "type.raftmq.dev/mqadmin_usage";
}  // namespace

std::vector<FlagSpec> CommonFlags() {
  return {
      {.name = "servers",
       .kind = FlagKind::kValue,
       .value_name = "H:P[,H:P...]",
       .help = std::string("brokers to bootstrap from (default ") + kDefaultServers + ")"},
      {.name = "deadline-ms",
       .kind = FlagKind::kValue,
       .value_name = "MS",
       .help = "give up on a cluster request after MS milliseconds of retries (default " +
               std::to_string(kDefaultDeadlineMs) + ")"},
      {.name = "json", .kind = FlagKind::kSwitch, .help = "print compact JSON instead of a table"},
      {.name = "help", .kind = FlagKind::kSwitch, .help = "print this help and exit"},
  };
}

absl::Status UsageError(std::string_view message) {
  absl::Status status = absl::InvalidArgumentError(std::string(message));
  status.SetPayload(kUsagePayloadUrl, absl::Cord("1"));
  return status;
}

absl::Status AsUsageError(const absl::Status& status) {
  if (status.ok()) return status;
  return UsageError(std::string(status.message()));
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayloadUrl).has_value();
}

}  // namespace mq::tools::mqadmin
