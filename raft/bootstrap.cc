#include "raft/bootstrap.h"

#include "raft/conf_change.h"
#include "storage/base/status_macros.h"

namespace mq::raft {

absl::StatusOr<BootstrapLog> MakeBootstrapLog(const ConfState& founding) {
  MQ_RETURN_IF_ERROR(ValidateConfState(founding));
  if (founding.voters.empty()) {
    return absl::InvalidArgumentError("raft bootstrap: no founding voters");
  }
  BootstrapLog log;
  auto add = [&](ConfChangeType type, NodeId id) {
    Entry e;
    e.term = 1;
    e.index = log.entries.size() + 1;
    e.type = EntryType::kConfChange;
    e.data = Payload(EncodeConfChange(ConfChange{type, id}));
    log.entries.push_back(std::move(e));
  };
  for (NodeId id : founding.voters) add(ConfChangeType::kAddVoter, id);
  for (NodeId id : founding.learners) add(ConfChangeType::kAddLearner, id);
  log.hard_state = HardState{1, kNoNode, log.entries.size()};
  return log;
}

}  // namespace mq::raft
