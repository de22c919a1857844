#include "raft/quorum.h"

#include <algorithm>
#include <functional>

namespace mq::raft {

uint64_t KthLargest(uint64_t* values, size_t count, size_t k) {
  std::nth_element(values, values + (k - 1), values + count, std::greater<uint64_t>());
  return values[k - 1];
}

VoteResult TallyVotes(const std::vector<NodeId>& voters, const std::map<NodeId, bool>& votes) {
  const size_t quorum = voters.size() / 2 + 1;
  size_t granted = 0;
  size_t rejected = 0;
  for (NodeId id : voters) {
    auto it = votes.find(id);
    if (it == votes.end()) continue;
    if (it->second) {
      ++granted;
    } else {
      ++rejected;
    }
  }
  if (granted >= quorum) return VoteResult::kWon;
  if (voters.size() - rejected < quorum) return VoteResult::kLost;
  return VoteResult::kPending;
}

}  // namespace mq::raft
