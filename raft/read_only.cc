#include "raft/read_only.h"

#include <utility>

#include "raft/quorum.h"
#include "storage/base/coding.h"

namespace mq::raft {

uint64_t ReadOnly::Add(uint64_t index, NodeId from, std::string context) {
  const uint64_t round = next_round_++;
  pending_.push_back(Request{round, index, from, std::move(context)});
  return round;
}

void ReadOnly::Ack(NodeId from, uint64_t round) {
  uint64_t& acked = acked_[from];
  if (round > acked) acked = round;
}

std::vector<ReadOnly::Request> ReadOnly::TakeConfirmed(const std::vector<NodeId>& voters,
                                                       NodeId self) {
  std::vector<Request> out;
  if (pending_.empty()) return out;
  const uint64_t newest = pending_.back().round;
  const uint64_t confirmed = MajorityIndex(voters, [&](NodeId id) -> uint64_t {
    if (id == self) return newest;
    auto it = acked_.find(id);
    return it == acked_.end() ? 0 : it->second;
  });
  while (!pending_.empty() && pending_.front().round <= confirmed) {
    out.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  return out;
}

void ReadOnly::Reset() {
  pending_.clear();
  acked_.clear();
}

std::string ReadOnly::EncodeRound(uint64_t round) {
  std::string out;
  PutFixed64(&out, round);
  return out;
}

std::optional<uint64_t> ReadOnly::DecodeRound(std::string_view context) {
  if (context.size() != 8) return std::nullopt;
  return DecodeFixed64(context.data());
}

}  // namespace mq::raft
