#include "raft/config.h"

#include "absl/strings/str_format.h"

namespace mq::raft {
namespace {

// Ticks are counted in int; keep 2 * election_timeout_ticks far from overflow.
constexpr int kTicksMax = 1 << 20;

absl::Status Invalid(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrFormat("raft config: %s %s", field, why));
}

}  // namespace

absl::Status ValidateConfig(const Config& c) {
  if (c.id == kNoNode) return Invalid("id", "must be non-zero");
  if (c.heartbeat_timeout_ticks <= 0) return Invalid("heartbeat_timeout_ticks", "must be > 0");
  if (c.election_timeout_ticks <= c.heartbeat_timeout_ticks) {
    return Invalid("election_timeout_ticks", "must be > heartbeat_timeout_ticks");
  }
  if (c.election_timeout_ticks > kTicksMax) {
    return Invalid("election_timeout_ticks", absl::StrFormat("must be <= %d", kTicksMax));
  }
  if (c.append_entries_bytes_max == 0) return Invalid("append_entries_bytes_max", "must be > 0");
  if (c.inflight_msgs_max <= 0) return Invalid("inflight_msgs_max", "must be > 0");
  if (c.inflight_bytes_max < c.append_entries_bytes_max) {
    return Invalid("inflight_bytes_max", "must be >= append_entries_bytes_max");
  }
  if (c.uncommitted_bytes_max == 0) return Invalid("uncommitted_bytes_max", "must be > 0");
  if (c.committed_entries_bytes_max == 0) {
    return Invalid("committed_entries_bytes_max", "must be > 0");
  }
  if (c.lease_read && !c.check_quorum) return Invalid("lease_read", "requires check_quorum");
  return absl::OkStatus();
}

}  // namespace mq::raft
