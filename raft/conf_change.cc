#include "raft/conf_change.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "storage/base/coding.h"

namespace mq::raft {
namespace {

bool Contains(const std::vector<NodeId>& ids, NodeId id) {
  return std::binary_search(ids.begin(), ids.end(), id);
}

void Insert(std::vector<NodeId>& ids, NodeId id) {
  ids.insert(std::lower_bound(ids.begin(), ids.end(), id), id);
}

void Erase(std::vector<NodeId>& ids, NodeId id) {
  auto it = std::lower_bound(ids.begin(), ids.end(), id);
  if (it != ids.end() && *it == id) ids.erase(it);
}

std::string_view TypeName(ConfChangeType type) {
  switch (type) {
    case ConfChangeType::kAddVoter:
      return "add-voter";
    case ConfChangeType::kAddLearner:
      return "add-learner";
    case ConfChangeType::kRemoveNode:
      return "remove";
  }
  return "unknown";
}

absl::Status ValidateIds(const std::vector<NodeId>& ids, std::string_view what) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == kNoNode)
      return absl::InvalidArgumentError(absl::StrFormat("%s holds node 0", what));
    if (i > 0 && ids[i - 1] >= ids[i]) {
      return absl::InvalidArgumentError(absl::StrFormat("%s not sorted and unique", what));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string EncodeConfChange(const ConfChange& change) {
  std::string out;
  out.reserve(kConfChangeEncodedBytes);
  out.push_back(static_cast<char>(kConfChangeVersion));
  out.push_back(static_cast<char>(change.type));
  PutFixed64(&out, change.node);
  return out;
}

absl::StatusOr<ConfChange> DecodeConfChange(std::string_view bytes) {
  if (bytes.size() != kConfChangeEncodedBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("conf change: %d bytes, want %d", bytes.size(), kConfChangeEncodedBytes));
  }
  if (static_cast<uint8_t>(bytes[0]) != kConfChangeVersion) {
    return absl::InvalidArgumentError(
        absl::StrFormat("conf change: unknown version %d", static_cast<uint8_t>(bytes[0])));
  }
  const uint8_t type = static_cast<uint8_t>(bytes[1]);
  if (type > static_cast<uint8_t>(ConfChangeType::kRemoveNode)) {
    return absl::InvalidArgumentError(absl::StrFormat("conf change: unknown type %d", type));
  }
  ConfChange change;
  change.type = static_cast<ConfChangeType>(type);
  change.node = DecodeFixed64(bytes.data() + 2);
  if (change.node == kNoNode) return absl::InvalidArgumentError("conf change: node 0");
  return change;
}

absl::Status ValidateConfState(const ConfState& state) {
  if (absl::Status s = ValidateIds(state.voters, "voters"); !s.ok()) return s;
  if (absl::Status s = ValidateIds(state.learners, "learners"); !s.ok()) return s;
  for (NodeId id : state.learners) {
    if (Contains(state.voters, id)) {
      return absl::InvalidArgumentError(absl::StrFormat("node %d is both voter and learner", id));
    }
  }
  return absl::OkStatus();
}

bool IsVoter(const ConfState& state, NodeId id) { return Contains(state.voters, id); }
bool IsLearner(const ConfState& state, NodeId id) { return Contains(state.learners, id); }

absl::StatusOr<ConfState> ApplyConfChange(const ConfState& state, const ConfChange& change) {
  if (change.node == kNoNode) return absl::InvalidArgumentError("conf change names node 0");
  ConfState next = state;
  const bool voter = IsVoter(state, change.node);
  const bool learner = IsLearner(state, change.node);
  switch (change.type) {
    case ConfChangeType::kAddVoter:
      if (voter) {
        return absl::InvalidArgumentError(
            absl::StrFormat("node %d is already a voter", change.node));
      }
      if (learner) Erase(next.learners, change.node);
      Insert(next.voters, change.node);
      return next;
    case ConfChangeType::kAddLearner:
      if (voter) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "node %d is a voter; demotion is not supported (remove it first)", change.node));
      }
      if (learner) {
        return absl::InvalidArgumentError(
            absl::StrFormat("node %d is already a learner", change.node));
      }
      Insert(next.learners, change.node);
      return next;
    case ConfChangeType::kRemoveNode:
      if (!voter && !learner) {
        return absl::InvalidArgumentError(absl::StrFormat("node %d is not a member", change.node));
      }
      if (voter && state.voters.size() == 1) {
        return absl::InvalidArgumentError(
            absl::StrFormat("node %d is the last voter", change.node));
      }
      Erase(next.voters, change.node);
      Erase(next.learners, change.node);
      return next;
  }
  return absl::InvalidArgumentError("conf change: unknown type");
}

std::string ToString(const ConfChange& change) {
  return absl::StrFormat("%s %d", TypeName(change.type), change.node);
}

}  // namespace mq::raft
