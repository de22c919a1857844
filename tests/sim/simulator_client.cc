// The client of the simulated cluster, and the liveness phase.

#include <algorithm>

#include "absl/strings/str_format.h"
#include "raft/errors.h"
#include "tests/sim/sim_random.h"
#include "tests/sim/simulator.h"

namespace mq::sim {
void Simulator::StartClient() {
  if (client_on_) return;
  client_on_ = true;
  const uint64_t chain = ++client_chain_;
  queue_.After(
      Between(client_prng_, options_.client.interval_us_min, options_.client.interval_us_max),
      [this, chain] {
        if (chain == client_chain_) ClientTick();
      });
}

void Simulator::ClientTick() {
  if (!client_on_) return;
  const ClientOptions& o = options_.client;
  const uint64_t chain = client_chain_;
  queue_.After(Between(client_prng_, o.interval_us_min, o.interval_us_max), [this, chain] {
    if (chain == client_chain_) ClientTick();
  });

  if (client_prng_.Chance(o.read_percent, 100)) {
    // A linearizable read at any node: a follower forwards it to the leader.
    std::vector<raft::NodeId> running;
    for (const auto& [id, other] : nodes_) {
      if (other->up()) running.push_back(id);
    }
    if (!running.empty()) Read(running[client_prng_.Uniform(running.size())]).IgnoreError();
    return;
  }

  // A bounded window of requests in flight: resolved ones (their index committed, with this
  // entry or another) and timed-out ones leave it.
  while (!client_inflight_.empty() &&
         (client_inflight_.front().second <= checker_.committed_index() ||
          queue_.now() - client_inflight_.front().first >= o.request_timeout_us)) {
    client_inflight_.pop_front();
  }
  if (client_inflight_.size() >= static_cast<size_t>(o.inflight_max)) return;

  // Like a real client: try the node it last heard leads, else any node it knows of, and
  // follow the leader hint of a refusal next time.
  raft::NodeId target = client_hint_;
  SimNode* n = node(target);
  if (n == nullptr || !n->up() || client_prng_.Chance(1, 10)) {
    std::vector<raft::NodeId> running;
    for (const auto& [id, other] : nodes_) {
      if (other->up()) running.push_back(id);
    }
    if (running.empty()) return;
    target = running[client_prng_.Uniform(running.size())];
    n = node(target);
  }
  raft::Driver& driver = n->driver();
  uint64_t term = driver.node().term();
  // Now and then the client's idea of the term is stale: the proposal must be refused.
  if (term > 1 && client_prng_.Chance(1, 20)) --term;

  const int count = static_cast<int>(Between(client_prng_, 1, static_cast<uint64_t>(o.batch_max)));
  std::vector<raft::Payload> batch;
  for (int i = 0; i < count; ++i) {
    std::string value = absl::StrFormat("c%d", ++client_seq_);
    value.resize(std::max<size_t>(value.size(), client_prng_.Uniform(o.payload_bytes_max + 1)),
                 '.');
    batch.emplace_back(std::move(value));
  }
  std::vector<raft::Payload> recorded = batch;
  absl::StatusOr<uint64_t> first =
      count == 1 ? driver.Propose(batch[0], term) : driver.ProposeBatch(std::move(batch), term);
  if (first.ok()) {
    stats_.proposals += count;
    for (int i = 0; i < count; ++i) checker_.OnProposed(*first + i, term, recorded[i]);
    client_inflight_.emplace_back(queue_.now(), *first + count - 1);
    client_hint_ = target;
    Pump(*n);
  } else {
    ++stats_.proposals_refused;
    std::optional<raft::NodeId> hint = raft::LeaderHint(first.status());
    client_hint_ = hint.value_or(raft::kNoNode);
  }
}

// ---------------------------------------------------------------------------------------------
// Liveness

void Simulator::Heal() {
  StopNemesis();
  StopClient();
  ++client_chain_;
  network_.HealPartitions();
  network_.SetFaultsEnabled(false);
  ++partition_episode_;
  trace_.Note(raft::kNoNode, "HEAL: no partitions, no message faults, every node up");
  for (const auto& [id, n] : nodes_) {
    if (n->up()) {
      n->fs().FailNextWrites("/", 0);
      n->write_fault_armed = false;
    }
  }
  for (raft::NodeId id : node_ids()) {
    if (node(id)->state() == SimNode::State::kDown) Restart(id);
  }
  liveness_ = true;
  liveness_started_ = queue_.now();
  // The bound: liveness_ticks_max, plus a round trip with an fsync per entry the slowest
  // node still has to receive and apply (what the safety phase left behind).
  uint64_t last = 0;
  uint64_t slowest = UINT64_MAX;
  for (const auto& [id, n] : nodes_) {
    if (!n->up()) continue;
    last = std::max(last, n->driver().node().last_index());
    slowest = std::min(slowest, n->driver().applied());
  }
  const uint64_t backlog = slowest == UINT64_MAX || last < slowest ? 0 : last - slowest;
  const uint64_t round_trip_us = 2 * options_.network.latency_us_max + options_.disk_latency_us_max;
  liveness_bound_us_ = options_.liveness_ticks_max * options_.tick_us + backlog * round_trip_us;
  trace_.Note(raft::kNoNode, absl::StrFormat("liveness: backlog %d entries, bound %.1f s", backlog,
                                             static_cast<double>(liveness_bound_us_) / 1e6));
  queue_.After(options_.tick_us, [this] { LivenessTick(); });
}

bool Simulator::LivenessGoalReached() {
  if (liveness_acked_ < static_cast<uint64_t>(options_.liveness_proposals)) return false;
  const raft::NodeId leader = Leader();
  if (leader == raft::kNoNode) return false;
  const raft::ConfState conf = node(leader)->driver().node().conf_state();
  std::vector<Checker::LiveNode> members;
  for (const std::vector<raft::NodeId>* ids : {&conf.voters, &conf.learners}) {
    for (raft::NodeId id : *ids) {
      SimNode* n = node(id);
      if (n == nullptr || !n->up()) return false;
      members.push_back(Checker::LiveNode{id, &n->driver()});
    }
  }
  return checker_.AllAcknowledgedApplied(members);
}

void Simulator::LivenessTick() {
  if (!liveness_ || failed()) return;
  queue_.After(options_.tick_us, [this] { LivenessTick(); });
  const raft::NodeId leader = Leader();
  const uint64_t term = leader == raft::kNoNode ? 0 : node(leader)->driver().node().term();
  if (liveness_index_ != 0) {
    const std::optional<uint64_t> committed = checker_.CommittedTerm(liveness_index_);
    if (committed.has_value()) {
      if (*committed == liveness_term_) ++liveness_acked_;
      liveness_index_ = 0;
    } else if (term == liveness_term_ &&
               queue_.now() - liveness_proposed_at_ < options_.client.request_timeout_us) {
      return;  // not decided yet
    } else {
      // Like a client: the request timed out, or leadership moved (a stale leader may have
      // accepted it at an index the new leader's log never reaches). Try again.
      liveness_index_ = 0;
    }
  }
  if (liveness_acked_ >= static_cast<uint64_t>(options_.liveness_proposals)) return;
  if (leader == raft::kNoNode) return;
  absl::StatusOr<uint64_t> index = Propose(leader, absl::StrFormat("live%d", liveness_acked_ + 1));
  if (index.ok()) {
    liveness_index_ = *index;
    liveness_term_ = term;
    liveness_proposed_at_ = queue_.now();
    trace_.Note(leader, absl::StrFormat("liveness proposal %d at %d/t%d", liveness_acked_ + 1,
                                        *index, term));
  } else {
    trace_.Note(leader,
                absl::StrFormat("liveness proposal refused: %s", index.status().ToString()));
  }
}

}  // namespace mq::sim
