// Membership changes, one node at a time, in effect from the moment their entry is appended
// (see the safety argument in raft.h).

#include <utility>

#include "absl/strings/str_format.h"
#include "raft/raft.h"

namespace mq::raft {

const ConfState& Raft::CurrentConf() const {
  return conf_log_.empty() ? conf_base_ : conf_log_.back().second;
}

const ConfState& Raft::conf_state() const { return CurrentConf(); }

absl::StatusOr<ConfState> Raft::ConfStateAt(uint64_t index) const {
  if (index < conf_base_index_) {
    return absl::FailedPreconditionError(
        absl::StrFormat("raft %d: configuration at %d is no longer known (earliest %d)", id_, index,
                        conf_base_index_));
  }
  const ConfState* conf = &conf_base_;
  for (const auto& [at, c] : conf_log_) {
    if (at > index) break;
    conf = &c;
  }
  return *conf;
}

void Raft::PushConf(uint64_t index, ConfState conf) {
  conf_log_.emplace_back(index, std::move(conf));
  SwitchConf();
}

void Raft::TruncateConf(uint64_t index) {
  bool changed = false;
  while (!conf_log_.empty() && conf_log_.back().first >= index) {
    conf_log_.pop_back();
    changed = true;
  }
  if (changed) SwitchConf();
}

bool Raft::HasUncommittedConfChange() const {
  return !conf_log_.empty() && conf_log_.back().first > log_.committed();
}

absl::StatusOr<std::vector<std::pair<uint64_t, ConfState>>> Raft::ConfsFor(
    const std::vector<Entry>& entries, uint64_t from_index) const {
  std::vector<std::pair<uint64_t, ConfState>> out;
  absl::StatusOr<ConfState> conf = ConfStateAt(from_index - 1);
  if (!conf.ok()) return conf.status();
  for (const Entry& e : entries) {
    if (e.index < from_index || e.type != EntryType::kConfChange) continue;
    absl::StatusOr<ConfChange> change = DecodeConfChange(e.data.view());
    absl::StatusOr<ConfState> next =
        change.ok() ? ApplyConfChange(*conf, *change) : change.status();
    if (!next.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("raft %d: configuration entry %d cannot apply: %s", id_, e.index,
                          next.status().message()));
    }
    conf = *next;
    out.emplace_back(e.index, *std::move(next));
  }
  return out;
}

void Raft::SwitchConf() {
  if (role_ != Role::kLeader) return;
  const ConfState& conf = CurrentConf();
  for (auto it = progress_.begin(); it != progress_.end();) {
    if (IsMember(conf, it->first)) {
      ++it;
    } else {
      it = progress_.erase(it);
    }
  }
  const uint64_t last = log_.LastIndex();
  auto add = [&](NodeId id, bool learner) {
    auto [it, inserted] =
        progress_.try_emplace(id, last + 1, static_cast<size_t>(config_.inflight_msgs_max),
                              config_.inflight_bytes_max, learner);
    Progress& pr = it->second;
    pr.is_learner = learner;
    if (!inserted) return;
    // New members count as active so CheckQuorum and snapshot sending give them a chance.
    pr.recent_active = true;
    if (id == id_) {
      pr.match = log_.PersistedIndex();
      pr.BecomeReplicate();
    }
  };
  for (NodeId id : conf.voters) add(id, false);
  for (NodeId id : conf.learners) add(id, true);
  if (transferee_ != kNoNode && !IsVoter(conf, transferee_)) transferee_ = kNoNode;
  // A smaller quorum may commit more at once.
  MaybeCommit();
}

void Raft::StepDownAfterRemoval() {
  // Hand over to the most up-to-date voter right away instead of leaving the group to wait
  // for an election timeout.
  NodeId best = kNoNode;
  uint64_t best_match = 0;
  for (NodeId voter : CurrentConf().voters) {
    auto it = progress_.find(voter);
    if (it != progress_.end() && it->second.match > best_match) {
      best = voter;
      best_match = it->second.match;
    }
  }
  if (best != kNoNode && best_match == log_.LastIndex()) SendTimeoutNow(best);
  BecomeFollower(term_, kNoNode);
}

void Raft::OnApplied(uint64_t index, uint64_t payload_bytes) {
  uncommitted_bytes_ -= std::min(uncommitted_bytes_, payload_bytes);
  // Configurations at or below the applied index can no longer be truncated away: fold them.
  while (!conf_log_.empty() && conf_log_.front().first <= index) {
    conf_base_ = std::move(conf_log_.front().second);
    conf_base_index_ = conf_log_.front().first;
    conf_log_.erase(conf_log_.begin());
  }
}

}  // namespace mq::raft
