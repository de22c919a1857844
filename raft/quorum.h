#pragma once

// Majority arithmetic over a set of voters: the commit index a majority has reached and the
// outcome of an election. Used with one configuration at a time (changes are one voter at a
// time, so there is never a joint configuration).

#include <cstdint>
#include <map>
#include <vector>

#include "raft/types.h"

namespace mq::raft {

enum class VoteResult : uint8_t { kPending, kWon, kLost };

// The largest index that a majority of `voters` have acknowledged, where `acked(id)` is
// voter id's acknowledged index. 0 for an empty voter set.
template <typename AckedFn>
uint64_t MajorityIndex(const std::vector<NodeId>& voters, AckedFn acked);

// kWon once a majority granted, kLost once a majority can no longer grant, else kPending.
// Votes from non-voters are ignored.
VoteResult TallyVotes(const std::vector<NodeId>& voters, const std::map<NodeId, bool>& votes);

// Internal: the k-th largest of `values` (k counted from 1), reordering them.
uint64_t KthLargest(uint64_t* values, size_t count, size_t k);

template <typename AckedFn>
uint64_t MajorityIndex(const std::vector<NodeId>& voters, AckedFn acked) {
  if (voters.empty()) return 0;
  // Clusters are small (3 or 5 voters); avoid the heap for them.
  constexpr size_t kStackVoters = 16;
  uint64_t stack[kStackVoters];
  std::vector<uint64_t> heap;
  uint64_t* values = stack;
  if (voters.size() > kStackVoters) {
    heap.resize(voters.size());
    values = heap.data();
  }
  for (size_t i = 0; i < voters.size(); ++i) values[i] = acked(voters[i]);
  return KthLargest(values, voters.size(), voters.size() / 2 + 1);
}

}  // namespace mq::raft
