#pragma once

// Bootstrapping a new group: every founding member starts with the same log, one
// configuration entry per member (voters, then learners) at term 1, all committed. Because
// the founding configuration lives in the log, a node added later learns it by replaying the
// log (or from a snapshot once the log is compacted), like every later change.
//
// This is the only way to found a group: the core refuses a storage whose configuration is
// set "as of index 0" (a snapshot at index 0 with members), because a node added to such a
// group could never learn the founding members from the log, and could then believe itself
// a quorum of one.

#include <vector>

#include "absl/status/statusor.h"
#include "raft/types.h"

namespace mq::raft {

struct BootstrapLog {
  std::vector<Entry> entries;  // indexes 1..n, term 1, kConfChange
  HardState hard_state;        // term 1, no vote, commit n
};

// InvalidArgument when `founding` is not a valid configuration with at least one voter.
absl::StatusOr<BootstrapLog> MakeBootstrapLog(const ConfState& founding);

}  // namespace mq::raft
