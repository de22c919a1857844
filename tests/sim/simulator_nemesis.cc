// The nemesis: the faults the Simulator injects during the safety phase, one action at a time
// at random intervals, each drawn from the seed with the weights of NemesisOptions.

#include <algorithm>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "raft/conf_change.h"
#include "tests/sim/sim_random.h"
#include "tests/sim/simulator.h"

namespace mq::sim {
void Simulator::StartNemesis() {
  if (nemesis_on_ || !options_.nemesis.enabled) return;
  nemesis_on_ = true;
  queue_.After(
      Between(nemesis_prng_, options_.nemesis.interval_us_min, options_.nemesis.interval_us_max),
      [this] { NemesisTick(); });
}

void Simulator::NemesisTick() {
  if (!nemesis_on_) return;
  const NemesisOptions& o = options_.nemesis;
  MaybeRetireRemoved();
  const uint32_t weights[] = {o.crash_weight,      o.partition_weight, o.transfer_weight,
                              o.membership_weight, o.snapshot_weight,  o.write_fault_weight};
  uint64_t total = 0;
  for (uint32_t w : weights) total += w;
  if (total > 0) {
    uint64_t pick = nemesis_prng_.Uniform(total);
    size_t action = 0;
    while (pick >= weights[action]) pick -= weights[action++];
    switch (action) {
      case 0:
        NemesisCrash();
        break;
      case 1:
        NemesisPartition();
        break;
      case 2:
        NemesisTransfer();
        break;
      case 3:
        NemesisMembership();
        break;
      case 4:
        NemesisSnapshot();
        break;
      case 5:
        NemesisWriteFault();
        break;
    }
  }
  queue_.After(Between(nemesis_prng_, o.interval_us_min, o.interval_us_max),
               [this] { NemesisTick(); });
}

raft::NodeId Simulator::PickTarget(bool prefer_leader) {
  const raft::NodeId leader = Leader();
  if (prefer_leader && leader != raft::kNoNode &&
      nemesis_prng_.Chance(options_.nemesis.leader_bias_percent, 100)) {
    return leader;
  }
  const std::vector<raft::NodeId> running = RunningIds();
  if (running.empty()) return raft::kNoNode;
  return running[nemesis_prng_.Uniform(running.size())];
}

void Simulator::NemesisCrash() {
  // A minority of the nodes down at once, but now and then a majority (which stops progress
  // but must never break safety).
  size_t down = 0;
  size_t alive = 0;
  for (const auto& [id, n] : nodes_) {
    if (n->state() == SimNode::State::kDown) ++down;
    if (n->state() == SimNode::State::kDown || n->up()) ++alive;
  }
  const bool majority_ok = nemesis_prng_.Chance(options_.nemesis.majority_down_percent, 100);
  if (2 * (down + 1) >= alive + (majority_ok ? alive : 0)) return;
  // Half of the crashes hit a node with writes not yet synced, if there is one: the moments
  // where a power loss drops or tears data.
  std::vector<raft::NodeId> unsynced;
  for (const auto& [id, n] : nodes_) {
    if (n->up() && n->driver().log().last_index() > n->driver().log().durable_index()) {
      unsynced.push_back(id);
    }
  }
  const raft::NodeId target = !unsynced.empty() && nemesis_prng_.Chance(1, 2)
                                  ? unsynced[nemesis_prng_.Uniform(unsynced.size())]
                                  : PickTarget(/*prefer_leader=*/true);
  if (target == raft::kNoNode) return;
  Crash(target, /*power_loss=*/nemesis_prng_.Chance(7, 10));
  const uint64_t incarnation = node(target)->incarnation();
  queue_.After(Between(nemesis_prng_, options_.nemesis.down_us_min, options_.nemesis.down_us_max),
               [this, target, incarnation] {
                 SimNode* n = node(target);
                 if (n != nullptr && n->state() == SimNode::State::kDown &&
                     n->incarnation() == incarnation) {
                   Restart(target);
                 }
               });
}

void Simulator::NemesisPartition() {
  std::vector<raft::NodeId> ids;
  for (const auto& [id, n] : nodes_) {
    if (n->state() != SimNode::State::kRetired) ids.push_back(id);
  }
  if (ids.size() < 2) return;
  network_.HealPartitions();
  ++partition_episode_;
  ++stats_.partitions;
  std::string what;
  switch (nemesis_prng_.Uniform(5)) {
    case 0: {  // one node alone, both ways
      const raft::NodeId target = PickTarget(/*prefer_leader=*/true);
      if (target == raft::kNoNode) return;
      network_.Isolate(target, ids);
      what = absl::StrFormat("isolate %d", target);
      break;
    }
    case 1: {  // two sides, both ways
      Shuffle(ids, nemesis_prng_);
      const size_t cut = 1 + nemesis_prng_.Uniform(ids.size() - 1);
      const std::vector<raft::NodeId> a(ids.begin(), ids.begin() + cut);
      const std::vector<raft::NodeId> b(ids.begin() + cut, ids.end());
      network_.Split(a, b);
      what = absl::StrFormat("split {%s} | {%s}", absl::StrJoin(a, ","), absl::StrJoin(b, ","));
      break;
    }
    case 2: {  // one node can only send, or only receive
      const raft::NodeId target = PickTarget(/*prefer_leader=*/true);
      if (target == raft::kNoNode) return;
      const bool mute = nemesis_prng_.Chance(1, 2);
      for (raft::NodeId other : ids) {
        if (other == target) continue;
        if (mute) {
          network_.Cut(target, other);
        } else {
          network_.Cut(other, target);
        }
      }
      ++stats_.asymmetric_cuts;
      what = absl::StrFormat("%d can only %s", target, mute ? "receive" : "send");
      break;
    }
    case 3: {  // random one-way links
      for (raft::NodeId a : ids) {
        for (raft::NodeId b : ids) {
          if (a != b && nemesis_prng_.Chance(3, 10)) {
            network_.Cut(a, b);
            absl::StrAppendFormat(&what, "%d-/->%d ", a, b);
          }
        }
      }
      ++stats_.asymmetric_cuts;
      what = "one-way cuts " + what;
      break;
    }
    default: {  // two sides joined by one bridge node that hears both
      if (ids.size() < 3) return;
      Shuffle(ids, nemesis_prng_);
      const raft::NodeId bridge = ids.back();
      ids.pop_back();
      const size_t cut = 1 + nemesis_prng_.Uniform(ids.size() - 1);
      const std::vector<raft::NodeId> a(ids.begin(), ids.begin() + cut);
      const std::vector<raft::NodeId> b(ids.begin() + cut, ids.end());
      network_.Split(a, b);
      what = absl::StrFormat("bridge %d between {%s} and {%s}", bridge, absl::StrJoin(a, ","),
                             absl::StrJoin(b, ","));
      break;
    }
  }
  trace_.Note(raft::kNoNode, "PARTITION " + what);
  const uint64_t episode = partition_episode_;
  queue_.After(
      Between(nemesis_prng_, options_.nemesis.partition_us_min, options_.nemesis.partition_us_max),
      [this, episode] {
        if (partition_episode_ != episode) return;
        network_.HealPartitions();
        trace_.Note(raft::kNoNode, "partition healed");
      });
}

void Simulator::NemesisTransfer() {
  const raft::NodeId leader = Leader();
  if (leader == raft::kNoNode) return;
  std::vector<raft::NodeId> voters = node(leader)->driver().node().conf_state().voters;
  voters.erase(std::remove(voters.begin(), voters.end(), leader), voters.end());
  if (voters.empty()) return;
  TransferLeader(leader, voters[nemesis_prng_.Uniform(voters.size())]).IgnoreError();
}

void Simulator::NemesisMembership() {
  const raft::NodeId leader = Leader();
  if (leader == raft::kNoNode) return;
  const raft::RawNode& r = node(leader)->driver().node();
  const raft::ConfState conf = r.conf_state();
  const raft::NodeStatus status = r.Status();
  std::vector<raft::NodeId> caught_up;
  for (raft::NodeId learner : conf.learners) {
    auto it = status.progress.find(learner);
    if (it != status.progress.end() && it->second.match >= r.committed()) {
      caught_up.push_back(learner);
    }
  }
  // Running nodes that are in no configuration (an addition that was lost): add them first.
  std::vector<raft::NodeId> spare;
  for (const auto& [id, n] : nodes_) {
    if (n->up() && !raft::IsMember(conf, id) && removed_.count(id) == 0 &&
        id > static_cast<raft::NodeId>(options_.voters)) {
      spare.push_back(id);
    }
  }
  const int voters = static_cast<int>(conf.voters.size());
  raft::ConfChange change;
  const uint64_t choice = nemesis_prng_.Uniform(4);
  if (choice == 0 && (!spare.empty() || nodes_added_ < options_.nemesis.nodes_added_max)) {
    change.type = raft::ConfChangeType::kAddLearner;
    change.node = spare.empty() ? AddNode() : spare[nemesis_prng_.Uniform(spare.size())];
  } else if (choice == 1 && !caught_up.empty() && voters < options_.voters_max) {
    change.type = raft::ConfChangeType::kAddVoter;
    change.node = caught_up[nemesis_prng_.Uniform(caught_up.size())];
  } else if (choice == 2 && voters > options_.voters_min) {
    change.type = raft::ConfChangeType::kRemoveNode;
    // The leader itself one time in three: removing the leader must work too.
    change.node = nemesis_prng_.Chance(1, 3) && raft::IsVoter(conf, leader)
                      ? leader
                      : conf.voters[nemesis_prng_.Uniform(conf.voters.size())];
  } else if (choice == 3 && !conf.learners.empty()) {
    change.type = raft::ConfChangeType::kRemoveNode;
    change.node = conf.learners[nemesis_prng_.Uniform(conf.learners.size())];
  } else {
    return;
  }
  if (failed()) return;
  ProposeConfChange(leader, change).IgnoreError();
}

void Simulator::MaybeRetireRemoved() {
  for (raft::NodeId id : removed_) {
    SimNode* n = node(id);
    if (n == nullptr || n->state() == SimNode::State::kRetired) continue;
    // Half of the removed nodes are stopped for good; the others linger (a removed node that
    // keeps running must not disturb the group).
    if (!retire_decided_.insert(id).second || !nemesis_prng_.Chance(1, 2)) continue;
    if (n->up()) {
      checker_.OnStop(id);
      observed_roles_.erase(id);
    }
    n->Retire();
    trace_.Note(id, "retired (removed from the group)");
  }
}

void Simulator::NemesisSnapshot() {
  const raft::NodeId target = PickTarget(/*prefer_leader=*/true);
  if (target != raft::kNoNode) TakeSnapshot(target).IgnoreError();
}

void Simulator::NemesisWriteFault() {
  const raft::NodeId target = PickTarget(/*prefer_leader=*/true);
  if (target == raft::kNoNode) return;
  SimNode* n = node(target);
  n->fs().FailNextWrites("/", 1);
  n->write_fault_armed = true;
  trace_.Note(target, "armed a write fault");
}

}  // namespace mq::sim
