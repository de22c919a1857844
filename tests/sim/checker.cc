#include "tests/sim/checker.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_format.h"

namespace mq::sim {
namespace {

constexpr uint64_t kNoBound = std::numeric_limits<uint64_t>::max();

std::string Describe(const raft::Entry& e) {
  return absl::StrFormat("%d/t%d %s %dB", e.index, e.term, std::string(raft::EntryTypeName(e.type)),
                         e.data.size());
}

// The whole log a node holds now (stored and unstable), from its first index.
std::vector<raft::Entry> WholeLog(const raft::RawNode& node) {
  const raft::RaftLog& log = node.raft().log();
  const uint64_t first = log.FirstIndex();
  const uint64_t last = log.LastIndex();
  std::vector<raft::Entry> out;
  for (uint64_t lo = first; lo <= last;) {
    absl::StatusOr<std::vector<raft::Entry>> slice =
        log.Slice(lo, last + 1, std::numeric_limits<uint64_t>::max());
    if (!slice.ok() || slice->empty()) break;
    lo = slice->back().index + 1;
    for (raft::Entry& e : *slice) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

void Checker::Fail(std::string_view invariant, std::string details) {
  if (failed()) return;
  failure_ = absl::StrFormat("%s: %s", invariant, details);
}

raft::NodeId Checker::LeaderOf(uint64_t term) const {
  auto it = leaders_.find(term);
  return it == leaders_.end() ? raft::kNoNode : it->second;
}

// ---- Hooks ----

void Checker::OnStart(raft::NodeId node) {
  NodeTrack& t = nodes_[node];
  t = NodeTrack{};
  t.running = true;
}

void Checker::OnStop(raft::NodeId node) { nodes_[node].running = false; }

void Checker::OnApply(raft::NodeId node, const raft::Entry& e, uint64_t node_term) {
  NodeTrack& t = nodes_[node];
  if (e.index != t.applied + 1) {
    Fail("state-machine-safety", absl::StrFormat("node %d applied entry %s right after index %d",
                                                 node, Describe(e), t.applied));
    return;
  }
  t.applied = e.index;
  if (e.index < history_.size()) {
    Committed& h = history_[e.index];
    if (h.term != e.term || h.type != e.type || !(h.data == e.data)) {
      Fail("state-machine-safety",
           absl::StrFormat("node %d applied %s at index %d, where %d/t%d %s %dB was applied "
                           "before (a committed entry changed)",
                           node, Describe(e), e.index, e.index, h.term,
                           std::string(raft::EntryTypeName(h.type)), h.data.size()));
      return;
    }
    h.term_bound = std::min(h.term_bound, node_term);
    return;
  }
  if (e.index != history_.size()) {
    Fail("state-machine-safety", absl::StrFormat("node %d applied %s but the history ends at %d",
                                                 node, Describe(e), history_.size() - 1));
    return;
  }
  const Committed& prev = history_.back();
  Committed c;
  c.term = e.term;
  c.type = e.type;
  c.data = e.data;
  c.digest = FoldEntry(prev.digest, e);
  c.normal_entries = prev.normal_entries + (e.type == raft::EntryType::kNormal ? 1 : 0);
  c.term_bound = node_term;
  if (e.term < prev.term) {
    Fail("state-machine-safety", absl::StrFormat("node %d applied %s after an entry of term %d",
                                                 node, Describe(e), prev.term));
  }
  history_.push_back(std::move(c));
  Resolve(e.index);
}

void Checker::OnRestore(raft::NodeId node, const raft::SnapshotMetadata& meta,
                        const SmState& state) {
  NodeTrack& t = nodes_[node];
  if (meta.index >= history_.size()) {
    Fail("state-machine-safety",
         absl::StrFormat("node %d restored a snapshot at %d, past the committed history (%d)", node,
                         meta.index, history_.size() - 1));
    return;
  }
  const Committed& h = history_[meta.index];
  if (h.term != meta.term || h.digest != state.digest || h.normal_entries != state.normal_entries) {
    Fail("state-machine-safety",
         absl::StrFormat("node %d restored a snapshot at %d/t%d (digest %016x, %d entries) but "
                         "the history there is t%d (digest %016x, %d entries)",
                         node, meta.index, meta.term, state.digest, state.normal_entries, h.term,
                         h.digest, h.normal_entries));
    return;
  }
  t.applied = meta.index;
}

void Checker::RecordVote(raft::NodeId voter, uint64_t term, raft::NodeId candidate) {
  auto [it, inserted] = votes_.try_emplace({voter, term}, candidate);
  if (!inserted && it->second != candidate) {
    Fail("vote-once", absl::StrFormat("node %d voted for %d and for %d in term %d", voter,
                                      it->second, candidate, term));
  }
}

void Checker::OnSend(const raft::Message& m, uint64_t durable_index) {
  switch (m.type) {
    case raft::MessageType::kVoteResponse:
      if (!m.reject) RecordVote(m.from, m.term, m.to);
      break;
    case raft::MessageType::kAppend: {
      uint64_t prev_term = m.log_term;
      for (const raft::Entry& e : m.entries) {
        auto [it, inserted] =
            sent_.try_emplace({e.index, e.term}, Sent{e.type, e.data, prev_term, m.from});
        const Sent& s = it->second;
        if (!inserted && (s.type != e.type || !(s.data == e.data) || s.prev_term != prev_term)) {
          Fail("log-matching",
               absl::StrFormat("node %d sent %s after term %d, but node %d sent %d/t%d %s %dB "
                               "after term %d",
                               m.from, Describe(e), prev_term, s.first_sender, e.index, e.term,
                               std::string(raft::EntryTypeName(s.type)), s.data.size(),
                               s.prev_term));
          return;
        }
        prev_term = e.term;
      }
      break;
    }
    case raft::MessageType::kSnapshot: {
      const raft::SnapshotMetadata& meta = m.snapshot.metadata;
      absl::StatusOr<SmState> state = DecodeSmState(m.snapshot.data.view());
      if (!state.ok()) {
        Fail("state-machine-safety",
             absl::StrFormat("node %d sent a bad snapshot: %s", m.from, state.status().ToString()));
        return;
      }
      if (meta.index >= history_.size() || history_[meta.index].term != meta.term ||
          history_[meta.index].digest != state->digest) {
        Fail("state-machine-safety",
             absl::StrFormat("node %d sent a snapshot at %d/t%d that is not the committed "
                             "state there (history ends at %d)",
                             m.from, meta.index, meta.term, history_.size() - 1));
      }
      break;
    }
    case raft::MessageType::kAppendResponse: {
      if (m.reject) break;
      if (m.index > durable_index) {
        Fail("durable-ack",
             absl::StrFormat("node %d acknowledged index %d to %d in term %d, but only %d is "
                             "durable on its disk",
                             m.from, m.index, m.to, m.term, durable_index));
      }
      break;
    }
    default:
      break;
  }
}

void Checker::OnRestarted(raft::NodeId node, const raft::HardState& before,
                          const raft::Driver& driver) {
  const raft::RawNode& n = driver.node();
  if (n.committed() < before.commit) {
    Fail("commit-monotonic",
         absl::StrFormat("node %d restarted with commit %d below the commit %d it had made "
                         "durable",
                         node, n.committed(), before.commit));
  }
  if (n.term() < before.term) {
    Fail("commit-monotonic", absl::StrFormat("node %d restarted in term %d after term %d was "
                                             "durable",
                                             node, n.term(), before.term));
  }
  if (n.term() == before.term && before.vote != raft::kNoNode && n.raft().vote() != before.vote) {
    Fail("vote-once", absl::StrFormat("node %d restarted in term %d with vote %d after its "
                                      "durable vote for %d",
                                      node, n.term(), n.raft().vote(), before.vote));
  }
  nodes_[node].commit = n.committed();
}

void Checker::OnProposed(uint64_t index, uint64_t term, raft::Payload value) {
  pending_[index].push_back(Proposal{term, std::move(value)});
  if (index < history_.size()) Resolve(index);
}

void Checker::OnReadIssued(const std::string& context) { reads_[context] = committed_index(); }

void Checker::OnReadServed(raft::NodeId node, const raft::ReadState& read, uint64_t applied) {
  ++reads_served_;
  auto it = reads_.find(read.context);
  if (it == reads_.end()) {
    Fail("linearizable-read",
         absl::StrFormat("node %d served a read nobody issued (context %s)", node, read.context));
    return;
  }
  if (read.index < it->second) {
    Fail("linearizable-read",
         absl::StrFormat("node %d served read %s at index %d, but %d was committed (and "
                         "acknowledged) before the read was issued: a stale read",
                         node, read.context, read.index, it->second));
    return;
  }
  if (applied < read.index) {
    Fail("linearizable-read",
         absl::StrFormat("node %d served read %s at index %d having applied only %d", node,
                         read.context, read.index, applied));
  }
}

void Checker::Resolve(uint64_t index) {
  auto it = pending_.find(index);
  if (it == pending_.end()) return;
  const Committed& h = history_[index];
  for (const Proposal& p : it->second) {
    if (p.term == h.term && p.value == h.data) {
      ++acknowledged_;
      max_acknowledged_index_ = std::max(max_acknowledged_index_, index);
    } else {
      ++lost_;
    }
  }
  pending_.erase(it);
}

// ---- Checks ----

void Checker::CheckStep(const std::vector<LiveNode>& nodes) {
  for (const LiveNode& live : nodes) {
    const raft::RawNode& n = live.driver->node();
    NodeTrack& t = nodes_[live.id];
    const uint64_t commit = n.committed();
    if (commit < t.commit) {
      Fail("commit-monotonic", absl::StrFormat("node %d commit index went back from %d to %d",
                                               live.id, t.commit, commit));
      return;
    }
    t.commit = commit;
    if (commit > n.last_index()) {
      Fail("commit-monotonic", absl::StrFormat("node %d commit %d is past its last index %d",
                                               live.id, commit, n.last_index()));
      return;
    }
    if (!n.is_leader()) continue;
    auto [it, inserted] = leaders_.try_emplace(n.term(), live.id);
    if (!inserted && it->second != live.id) {
      Fail("one-leader-per-term",
           absl::StrFormat("nodes %d and %d both led term %d", it->second, live.id, n.term()));
      return;
    }
    CheckLeaderCompleteness(live.id, n, t);
    if (failed()) return;
  }
}

void Checker::CheckLeaderCompleteness(raft::NodeId id, const raft::RawNode& node,
                                      NodeTrack& track) {
  const uint64_t term = node.term();
  if (track.leader_term != term) {
    track.leader_term = term;
    track.completeness_checked = 0;
  }
  const raft::RaftLog& log = node.raft().log();
  const uint64_t first = log.FirstIndex();
  const uint64_t last = log.LastIndex();
  while (track.completeness_checked + 1 < history_.size()) {
    const uint64_t i = track.completeness_checked + 1;
    const Committed& h = history_[i];
    // Applied only by nodes in this term or later: perhaps committed in this term, which this
    // leader may not have learned yet. Look again later (the bound can only go down).
    if (h.term_bound >= term) return;
    if (i > last) {
      Fail("leader-completeness",
           absl::StrFormat("node %d leads term %d but its log ends at %d, without the entry "
                           "%d/t%d applied in term %d",
                           id, term, last, i, h.term, h.term_bound));
      return;
    }
    if (i + 1 >= first) {  // below that, compacted into its own snapshot
      const uint64_t have = log.TermOrZero(i);
      if (have != h.term) {
        Fail("leader-completeness",
             absl::StrFormat("node %d leads term %d with %d/t%d, but %d/t%d was applied in "
                             "term %d",
                             id, term, i, have, i, h.term, h.term_bound));
        return;
      }
    }
    track.completeness_checked = i;
  }
}

void Checker::CheckLogAgainstHistory(raft::NodeId id, const std::vector<raft::Entry>& log,
                                     uint64_t commit) {
  for (const raft::Entry& e : log) {
    if (e.index > commit || e.index >= history_.size()) break;
    const Committed& h = history_[e.index];
    if (h.term != e.term || h.type != e.type || !(h.data == e.data)) {
      Fail("committed-in-log",
           absl::StrFormat("node %d has %s at index %d within its commit %d, but the history "
                           "has %d/t%d there",
                           id, Describe(e), e.index, commit, e.index, h.term));
      return;
    }
  }
}

void Checker::CheckLogs(const std::vector<LiveNode>& nodes) {
  std::vector<std::vector<raft::Entry>> logs;
  logs.reserve(nodes.size());
  for (const LiveNode& live : nodes) {
    logs.push_back(WholeLog(live.driver->node()));
    CheckLogAgainstHistory(live.id, logs.back(), live.driver->node().committed());
    if (failed()) return;
  }
  for (size_t a = 0; a < logs.size(); ++a) {
    for (size_t b = a + 1; b < logs.size(); ++b) {
      const std::vector<raft::Entry>& la = logs[a];
      const std::vector<raft::Entry>& lb = logs[b];
      if (la.empty() || lb.empty()) continue;
      const uint64_t lo = std::max(la.front().index, lb.front().index);
      const uint64_t hi = std::min(la.back().index, lb.back().index);
      // From the top of the overlap down: once two entries share a term, everything below
      // must be identical.
      bool matched = false;
      for (uint64_t i = hi; i >= lo && i > 0; --i) {
        const raft::Entry& ea = la[i - la.front().index];
        const raft::Entry& eb = lb[i - lb.front().index];
        if (ea.term == eb.term) matched = true;
        if (matched && (ea.term != eb.term || ea.type != eb.type || !(ea.data == eb.data))) {
          Fail("log-matching",
               absl::StrFormat("nodes %d and %d agree on a later entry but differ at %d: %s "
                               "vs %s",
                               nodes[a].id, nodes[b].id, i, Describe(ea), Describe(eb)));
          return;
        }
      }
    }
  }
}

bool Checker::AllAcknowledgedApplied(const std::vector<LiveNode>& members) const {
  for (const LiveNode& live : members) {
    if (live.driver->applied() < max_acknowledged_index_) return false;
  }
  return true;
}

}  // namespace mq::sim
