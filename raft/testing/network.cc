#include "raft/testing/network.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/base/coding.h"
#include "storage/base/status_macros.h"

namespace mq::raft::testing {
namespace {

constexpr int kStabilizeRoundsMax = 10000;

// The toy state machine's snapshot format: (length: fixed32, bytes) per applied payload.
std::vector<std::string> DecodeState(std::string_view data) {
  std::vector<std::string> state;
  while (data.size() >= 4) {
    const uint32_t len = DecodeFixed32(data.data());
    MQ_CHECK(data.size() - 4 >= len);
    state.emplace_back(data.substr(4, len));
    data.remove_prefix(4 + len);
  }
  return state;
}

}  // namespace

Config TestConfig(NodeId id) {
  Config c;
  c.id = id;
  c.election_timeout_ticks = 10;
  c.heartbeat_timeout_ticks = 1;
  c.append_entries_bytes_max = 1 << 20;
  c.inflight_msgs_max = 256;
  c.inflight_bytes_max = 8 << 20;
  c.uncommitted_bytes_max = 16 << 20;
  c.check_quorum = true;
  c.pre_vote = true;
  return c;
}

Network::Network(const std::vector<NodeId>& voters, Config base, uint64_t seed)
    : base_(base), prng_(seed) {
  ConfState conf;
  conf.voters = voters;
  std::sort(conf.voters.begin(), conf.voters.end());
  for (NodeId id : voters) {
    Node& n = nodes_[id];
    n.storage = std::make_unique<MemoryStorage>();
    MQ_CHECK_OK(n.storage->Bootstrap(conf));
    Build(id);
  }
}

void Network::AddNode(NodeId id) {
  MQ_CHECK(!nodes_.contains(id));
  Node& n = nodes_[id];
  n.storage = std::make_unique<MemoryStorage>();
  Build(id);
}

void Network::Build(NodeId id) {
  Node& n = nodes_.at(id);
  Config c = base_;
  c.id = id;
  c.applied_index = 0;
  absl::StatusOr<std::unique_ptr<RawNode>> raw = RawNode::Create(c, n.storage.get(), prng_.Fork());
  MQ_CHECK_OK(raw.status());
  n.raw = *std::move(raw);
  n.held = false;
  n.parked.clear();
  // Without an application checkpoint the node re-applies from its snapshot: reset the toy
  // state machine to the snapshot's contents.
  n.applied_entries.clear();
  absl::StatusOr<Snapshot> snap = n.storage->Snapshot();
  MQ_CHECK_OK(snap.status());
  n.state = DecodeState(snap->data.view());
}

void Network::Restart(NodeId id) { Build(id); }

void Network::ResetStorage(NodeId id, std::unique_ptr<MemoryStorage> storage) {
  nodes_.at(id).storage = std::move(storage);
  Build(id);
}

void Network::ProcessReadies() {
  for (NodeId id : ids()) {
    while (nodes_.contains(id) && node(id).HasReady()) HandleReady(id);
  }
}

std::vector<Message> Network::TakeQueued() {
  std::vector<Message> out;
  for (Message& m : queue_) out.push_back(std::move(m));
  queue_.clear();
  return out;
}

absl::Status Network::Inject(Message m) {
  const NodeId to = m.to;
  return node(to).Step(std::move(m));
}

void Network::Remove(NodeId id) { nodes_.erase(id); }

RawNode& Network::node(NodeId id) { return *nodes_.at(id).raw; }
MemoryStorage& Network::storage(NodeId id) { return *nodes_.at(id).storage; }

std::vector<NodeId> Network::ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, n] : nodes_) out.push_back(id);
  return out;
}

std::vector<ReadState> Network::TakeReadStates(NodeId id) {
  return std::exchange(nodes_.at(id).read_states, {});
}

Payload Network::SnapshotData(NodeId id) const {
  std::string out;
  for (const std::string& s : nodes_.at(id).state) {
    PutFixed32(&out, static_cast<uint32_t>(s.size()));
    out += s;
  }
  return Payload(std::move(out));
}

bool Network::SnapshotAndCompact(NodeId id, uint64_t compact_to) {
  Node& n = nodes_.at(id);
  const uint64_t applied = n.raw->applied();
  absl::StatusOr<ConfState> conf = n.raw->ConfStateAt(applied);
  if (!conf.ok()) return false;
  MQ_CHECK_OK(n.storage->CreateSnapshot(applied, *conf, SnapshotData(id)));
  MQ_CHECK_OK(n.storage->Compact(compact_to == 0 ? applied : compact_to));
  return true;
}

void Network::Tick(NodeId id, int ticks) {
  for (int i = 0; i < ticks; ++i) node(id).Tick();
}

void Network::TickAll(int ticks) {
  for (int i = 0; i < ticks; ++i) {
    for (auto& [id, n] : nodes_) n.raw->Tick();
  }
}

void Network::HandleReady(NodeId id) {
  Node& n = nodes_.at(id);
  Ready rd = n.raw->GetReady();
  if (rd.snapshot.has_value()) {
    MQ_CHECK_OK(n.storage->ApplySnapshot(*rd.snapshot));
    n.state = DecodeState(rd.snapshot->data.view());
  }
  MQ_CHECK_OK(n.storage->Append(std::move(rd.entries_to_persist)));
  if (rd.hard_state.has_value()) n.storage->SetHardState(*rd.hard_state);
  for (Message& m : rd.messages) Enqueue(std::move(m));
  for (Entry& e : rd.committed_entries) {
    if (e.type == EntryType::kNormal && !e.data.empty()) n.state.emplace_back(e.data.view());
    n.applied_entries.push_back(std::move(e));
  }
  for (ReadState& r : rd.read_states) n.read_states.push_back(std::move(r));
  n.raw->Advance();
  if (n.held) {
    for (Message& m : rd.messages_after_persist) n.parked.push_back(std::move(m));
  } else {
    AfterPersist(id, std::move(rd.messages_after_persist));
  }
}

void Network::AfterPersist(NodeId id, std::vector<Message> messages) {
  for (Message& m : messages) {
    if (m.to == id) {
      absl::Status s = node(id).Step(std::move(m));
      if (!s.ok()) step_errors_.push_back(absl::StrCat(id, ": ", s.ToString()));
    } else {
      Enqueue(std::move(m));
    }
  }
}

void Network::HoldPersistence(NodeId id) { nodes_.at(id).held = true; }

void Network::ReleasePersistence(NodeId id) {
  Node& n = nodes_.at(id);
  n.held = false;
  AfterPersist(id, std::exchange(n.parked, {}));
}

void Network::Enqueue(Message m) {
  trace_.push_back(ToString(m));
  sent_.push_back(m);
  queue_.push_back(std::move(m));
}

std::vector<Message> Network::TakeSent() { return std::exchange(sent_, {}); }

bool Network::Dropped(const Message& m) {
  if (!nodes_.contains(m.to) || !nodes_.contains(m.from)) return true;
  if (isolated_.contains(m.from) || isolated_.contains(m.to)) return true;
  if (cuts_.contains({m.from, m.to})) return true;
  if (filter_ && filter_(m)) return true;
  if (loss_percent_ > 0 && prng_.Chance(loss_percent_, 100)) return true;
  return false;
}

void Network::Deliver(Message m) {
  const bool snapshot = m.type == MessageType::kSnapshot;
  const NodeId from = m.from;
  const NodeId to = m.to;
  const bool dropped = Dropped(m);
  if (dropped) {
    ++dropped_;
  } else {
    absl::Status s = node(to).Step(std::move(m));
    if (!s.ok()) step_errors_.push_back(absl::StrCat(to, ": ", s.ToString()));
  }
  if (snapshot && report_snapshots_ && nodes_.contains(from)) {
    node(from).ReportSnapshot(to, /*ok=*/!dropped);
  }
}

bool Network::StepOnce() {
  bool moved = false;
  for (NodeId id : ids()) {
    while (nodes_.contains(id) && node(id).HasReady()) {
      HandleReady(id);
      moved = true;
    }
  }
  std::deque<Message> batch = std::exchange(queue_, {});
  for (Message& m : batch) {
    Deliver(std::move(m));
    moved = true;
  }
  return moved;
}

void Network::Stabilize() {
  for (int round = 0; round < kStabilizeRoundsMax; ++round) {
    if (!StepOnce()) return;
  }
  MQ_CHECK_MSG(false, "raft test network never settled");
}

bool Network::Elect(NodeId id) {
  RawNode& n = node(id);
  for (int i = 0; i < 2 * base_.election_timeout_ticks + 1 && n.role() == Role::kFollower; ++i) {
    n.Tick();
  }
  Stabilize();
  return n.is_leader();
}

NodeId Network::Leader() const {
  NodeId leader = kNoNode;
  uint64_t term = 0;
  for (const auto& [id, n] : nodes_) {
    if (n.raw->is_leader() && n.raw->term() >= term) {
      leader = id;
      term = n.raw->term();
    }
  }
  return leader;
}

void Network::Cut(NodeId a, NodeId b) {
  cuts_.insert({a, b});
  cuts_.insert({b, a});
}

void Network::Isolate(NodeId id) { isolated_.insert(id); }

void Network::Heal() {
  cuts_.clear();
  isolated_.clear();
}

}  // namespace mq::raft::testing
