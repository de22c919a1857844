#pragma once

// Membership changes, one node at a time. A ConfChange travels in the data of a kConfChange
// entry, encoded as below, and takes effect on each node when the entry is appended to that
// node's log (see the safety argument in raft.h).
//
//   +---------+--------+------------------+
//   | version | type   | node (LE uint64) |   version 1: exactly 10 bytes; anything else
//   | 1 byte  | 1 byte | 8 bytes          |   is refused by DecodeConfChange
//   +---------+--------+------------------+

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "raft/types.h"

namespace mq::raft {

enum class ConfChangeType : uint8_t {
  kAddVoter = 0,    // a new voter, or promotion of a learner
  kAddLearner = 1,  // a new learner (demoting a voter is refused)
  kRemoveNode = 2,  // a voter or a learner
};

struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddVoter;
  NodeId node = kNoNode;
  friend bool operator==(const ConfChange&, const ConfChange&) = default;
};

inline constexpr uint8_t kConfChangeVersion = 1;
inline constexpr size_t kConfChangeEncodedBytes = 10;

std::string EncodeConfChange(const ConfChange& change);
// InvalidArgument when `bytes` is not a well-formed version-1 change.
absl::StatusOr<ConfChange> DecodeConfChange(std::string_view bytes);

// The configuration after `change`; InvalidArgument when the change is not allowed: node 0,
// adding an existing voter, adding as learner a current voter, removing an absent node, or
// removing the last voter.
absl::StatusOr<ConfState> ApplyConfChange(const ConfState& state, const ConfChange& change);

// InvalidArgument unless voters and learners are sorted, unique, disjoint and non-zero.
absl::Status ValidateConfState(const ConfState& state);

bool IsVoter(const ConfState& state, NodeId id);
bool IsLearner(const ConfState& state, NodeId id);
inline bool IsMember(const ConfState& state, NodeId id) {
  return IsVoter(state, id) || IsLearner(state, id);
}

std::string ToString(const ConfChange& change);

}  // namespace mq::raft
