// A seeded random walk over the test network: proposals, membership changes, transfers,
// snapshots, restarts, partitions, loss and slow disks, with Raft's safety properties checked
// after every step, then a liveness phase. Not the cluster simulator (tests/, with real
// storage and crashes); this one guards the core's own logic quickly.
//
// MQ_RAFT_RANDOM_SEEDS (default 4) sets how many seeds run (1..N); MQ_RAFT_RANDOM_SEED=S runs
// seed S alone. A failure names its seed.

#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "raft/raw_node.h"
#include "raft/testing/network.h"

namespace mq::raft {
namespace {

using testing::Network;

class Walk {
 public:
  explicit Walk(uint64_t seed) : prng_(seed), net_({1, 2, 3}, ConfigFor(seed), seed) {}

  // Seeds cycle through pre-vote and CheckQuorum on and off.
  static Config ConfigFor(uint64_t seed) {
    Config c = testing::TestConfig();
    c.pre_vote = seed % 2 == 1;
    c.check_quorum = (seed / 2) % 2 == 1;
    return c;
  }

  void Run(int steps) {
    for (int step = 0; step < steps && !::testing::Test::HasFatalFailure(); ++step) {
      Act();
      net_.StepOnce();
      Check();
    }
  }

  // Heal everything and require a leader that commits a new proposal on every member. Without
  // pre-vote and CheckQuorum a removed node that missed its removal keeps deposing leaders
  // (thesis §4.2.3), so the proposal is repeated for each new leader until one sticks.
  void Liveness() {
    net_.Heal();
    net_.SetLossPercent(0);
    net_.SetDropFilter(nullptr);
    for (NodeId id : net_.ids()) net_.ReleasePersistence(id);
    NodeId proposer = kNoNode;
    uint64_t proposed_term = 0;
    NodeId leader = kNoNode;
    for (int i = 0; i < 1000; ++i) {
      net_.TickAll(1);
      net_.Stabilize();
      Check();
      if (::testing::Test::HasFatalFailure()) return;
      leader = net_.Leader();
      if (leader == kNoNode) continue;
      if (Converged(leader)) return;
      if (leader != proposer || net_.node(leader).term() != proposed_term) {
        if (net_.node(leader).Propose(Payload(std::string_view("final"))).ok()) {
          proposer = leader;
          proposed_term = net_.node(leader).term();
        }
      }
    }
    FAIL() << "no convergence after healing\n" << Dump();
  }

  // Every member of the leader's configuration applied the same states, ending in "final".
  bool Converged(NodeId leader) {
    const ConfState conf = net_.node(leader).conf_state();
    for (NodeId id : net_.ids()) {
      if (!IsMember(conf, id)) continue;
      const std::vector<std::string>& state = net_.state(id);
      if (state.empty() || state.back() != "final" || state != net_.state(leader)) return false;
    }
    return true;
  }

  // Every node's state and the leader's view of its followers, for failure messages.
  std::string Dump() {
    std::string out;
    for (NodeId id : net_.ids()) {
      const NodeStatus st = net_.node(id).Status();
      absl::StrAppend(&out, "node ", id, " ", std::string(RoleName(st.soft_state.role)), " ",
                      ToString(st.hard_state), " applied=", st.applied, " last=", st.last_index,
                      " ", ToString(st.conf_state), "\n");
      for (const auto& [peer, pr] : st.progress) {
        absl::StrAppend(&out, "  ", peer, ": ", pr.ToString(), "\n");
      }
    }
    return out;
  }

  std::string Stats() const {
    return absl::StrCat("proposals=", proposals_, " conf_changes=", conf_changes_,
                        " transfers=", transfers_, " snapshots=", snapshots_,
                        " restarts=", restarts_, " leaders=", leaders_.size());
  }

 private:
  uint64_t Pick(uint64_t n) { return prng_.Uniform(n); }
  NodeId AnyNode() {
    std::vector<NodeId> ids = net_.ids();
    return ids[Pick(ids.size())];
  }

  void Act() {
    const NodeId leader = net_.Leader();
    switch (Pick(20)) {
      case 0:
      case 1:
      case 2:
      case 3:
      case 4:
        net_.TickAll(1);
        break;
      case 5:
      case 6:
      case 7:
      case 8:
        if (leader != kNoNode) {
          proposals_ += net_.node(leader).Propose(Payload(absl::StrCat("p", next_payload_++))).ok();
        }
        break;
      case 9:
        if (leader != kNoNode) ChangeMembership(leader);
        break;
      case 10:
        if (leader != kNoNode) {
          const std::vector<NodeId>& voters = net_.node(leader).conf_state().voters;
          transfers_ += net_.node(leader).TransferLeader(voters[Pick(voters.size())]).ok();
        }
        break;
      case 11: {
        const NodeId id = AnyNode();
        if (net_.node(id).applied() > net_.storage(id).Snapshot()->metadata.index) {
          snapshots_ += net_.SnapshotAndCompact(id);
        }
        break;
      }
      case 12:
        net_.Restart(AnyNode());
        ++restarts_;
        break;
      case 13:
        if (Pick(2) == 0) {
          net_.Isolate(AnyNode());
        } else {
          net_.Cut(AnyNode(), AnyNode());
        }
        break;
      case 14:
        net_.Heal();
        break;
      case 15:
        net_.SetLossPercent(Pick(3) == 0 ? static_cast<int>(Pick(30)) : 0);
        break;
      case 16: {
        const NodeId id = AnyNode();
        if (Pick(2) == 0) {
          net_.HoldPersistence(id);
        } else {
          net_.ReleasePersistence(id);
        }
        break;
      }
      default:
        net_.Tick(AnyNode(), 1);
        break;
    }
  }

  void ChangeMembership(NodeId leader) {
    const ConfState conf = net_.node(leader).conf_state();
    ConfChange change;
    switch (Pick(3)) {
      case 0:  // a brand-new learner
        if (conf.voters.size() + conf.learners.size() >= 6) return;
        change = {ConfChangeType::kAddLearner, next_node_};
        net_.AddNode(next_node_++);
        break;
      case 1:  // promote a learner
        if (conf.learners.empty()) return;
        change = {ConfChangeType::kAddVoter, conf.learners[Pick(conf.learners.size())]};
        break;
      default: {  // remove someone, keeping at least two voters
        if (conf.voters.size() <= 2) return;
        const std::vector<NodeId>& pool = conf.voters;
        change = {ConfChangeType::kRemoveNode, pool[Pick(pool.size())]};
        break;
      }
    }
    conf_changes_ += net_.node(leader).ProposeConfChange(change).ok();
  }

  void Check() {
    for (NodeId id : net_.ids()) {
      const RawNode& n = net_.node(id);
      // Election safety: at most one leader per term.
      if (n.is_leader()) {
        auto [it, inserted] = leaders_.emplace(n.term(), id);
        ASSERT_EQ(it->second, id) << "two leaders in term " << n.term();
      }
      // State machine safety: every applied entry is the one applied everywhere at its index.
      const std::vector<Entry>& applied = net_.applied_entries(id);
      size_t& seen = seen_[id];
      if (seen > applied.size()) seen = 0;  // restarted: it re-applies from its snapshot
      for (; seen < applied.size(); ++seen) {
        const Entry& e = applied[seen];
        auto [it, inserted] =
            committed_.emplace(e.index, std::make_pair(e.term, std::string(e.data.view())));
        ASSERT_EQ(it->second.first, e.term)
            << "node " << id << " applied a different entry at " << e.index;
        ASSERT_EQ(it->second.second, e.data.view()) << "node " << id << " at " << e.index;
      }
      ASSERT_LE(n.applied(), n.committed());
      ASSERT_LE(n.committed(), n.last_index());
    }
    // Late messages from members removed meanwhile are refused as unknown senders (NotFound);
    // any other refusal means the core produced a message it then called malformed.
    for (; errors_seen_ < net_.step_errors().size(); ++errors_seen_) {
      const std::string& error = net_.step_errors()[errors_seen_];
      ASSERT_NE(error.find("NOT_FOUND"), std::string::npos) << error;
    }
  }

  Prng prng_;
  Network net_;
  NodeId next_node_ = 4;
  uint64_t next_payload_ = 0;
  std::map<uint64_t, NodeId> leaders_;
  std::map<uint64_t, std::pair<uint64_t, std::string>> committed_;
  std::map<NodeId, size_t> seen_;
  size_t errors_seen_ = 0;
  int proposals_ = 0, conf_changes_ = 0, transfers_ = 0, snapshots_ = 0, restarts_ = 0;
};

TEST(RaftRandomTest, SafetyThenLiveness) {
  const char* count = std::getenv("MQ_RAFT_RANDOM_SEEDS");
  const char* only = std::getenv("MQ_RAFT_RANDOM_SEED");
  int first = 1;
  int last = count != nullptr ? std::atoi(count) : 4;
  if (only != nullptr) first = last = std::atoi(only);
  for (int seed = first; seed <= last; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed, " (rerun alone: MQ_RAFT_RANDOM_SEED=", seed, ")"));
    Walk walk(seed);
    walk.Run(1500);
    if (HasFatalFailure()) return;
    walk.Liveness();
    if (HasFatalFailure()) return;
    ::testing::Test::RecordProperty(absl::StrCat("seed_", seed), walk.Stats());
  }
}

}  // namespace
}  // namespace mq::raft
