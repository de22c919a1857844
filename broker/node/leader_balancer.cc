#include "broker/node/leader_balancer.h"

#include "absl/strings/str_cat.h"
#include "storage/base/logging.h"

namespace mq::broker {
namespace {
// Often enough that a restarted broker takes its share back within seconds, rarely enough
// that a flapping replica does not bounce leadership around.
constexpr uint64_t kBalanceIntervalTicks = 40;
}  // namespace

void MaybeBalanceLeader(raft::Driver& driver, const ReplicaContext& context, uint64_t group_id,
                        uint64_t now_tick) {
  if (now_tick % kBalanceIntervalTicks != 0 || !driver.node().is_leader()) return;
  const GroupPlacement* placement = context.config->FindGroup(group_id);
  if (placement == nullptr || placement->preferred_leader == context.self_id) return;
  const raft::NodeStatus status = driver.Status();
  if (status.transferee != raft::kNoNode) return;
  auto it = status.progress.find(placement->preferred_leader);
  if (it == status.progress.end() || it->second.match != status.last_index) return;
  if (driver.TransferLeader(placement->preferred_leader).ok()) {
    LogInfo(absl::StrCat("group ", group_id, ": handing leadership to preferred broker ",
                         placement->preferred_leader));
  }
}

}  // namespace mq::broker
