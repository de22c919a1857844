// CPU cost of the pure Raft core: a 3-node group of RawNodes on MemoryStorage, in one thread,
// on a zero-latency in-memory network with no fsync. Each iteration proposes `batch` entries of
// 1 KiB on the leader (one Propose call each), then runs the persist -> send -> apply ->
// advance loop of raw_node.h on every node and delivers every message until the group is quiet
// again: the entries are committed and applied on all three nodes.
//   - batch 1: batching off, one proposal per Ready cycle;
//   - batch 64/256/1024: many proposals coalesced into each Ready cycle and append message;
//   - ProposeBatch/256: the same, the batch proposed in one call.
// The counter entries_per_s is committed entries per second of CPU time of the one thread that
// runs all three nodes (the target: >= 1M/s batched on one core). The payload copy
// into each Payload is included: a proposal has to be copied once in any case.
// bench/raft/run.sh runs this beside the disk benchmark and fio.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "raft/config.h"
#include "raft/memory_storage.h"
#include "raft/raw_node.h"
#include "raft/types.h"
#include "storage/base/prng.h"
#include "storage/base/status_macros.h"

namespace mq::raft {
namespace {

constexpr size_t kEntryBytes = 1024;
constexpr NodeId kLeader = 1;
// Applied entries kept in each MemoryStorage before a snapshot (with empty data) lets the log
// be compacted: keeps memory small and flat, so the allocator reuses warm memory instead of
// page-faulting fresh memory in (which would dominate the profile).
constexpr uint64_t kCompactEveryEntries = 4096;
// Entries committed before timing starts: the heap and the vectors reach their steady size.
constexpr int kWarmupEntries = 4 * kCompactEveryEntries;

// Three RawNodes delivering to each other through one FIFO queue, with no latency and no
// faults. Storage writes are instantaneous, so each Ready's messages_after_persist are stepped
// back at once.
class Cluster {
 public:
  Cluster() {
    ConfState conf;
    conf.voters = {1, 2, 3};
    Prng seeds(42);
    for (NodeId id : conf.voters) {
      Node& n = nodes_[id - 1];
      n.storage = std::make_unique<MemoryStorage>();
      MQ_CHECK_OK(n.storage->Bootstrap(conf));
      Config c;
      c.id = id;
      auto raw = RawNode::Create(c, n.storage.get(), seeds.Fork());
      MQ_CHECK_OK(raw.status());
      n.raw = *std::move(raw);
    }
    // Elect node 1: only it is ticked, so it is the first to campaign.
    while (!node(kLeader).is_leader()) {
      node(kLeader).Tick();
      Pump();
    }
    Pump();
  }

  RawNode& node(NodeId id) { return *nodes_[id - 1].raw; }
  // Non-empty normal entries the leader applied (its state machine's work).
  uint64_t leader_applied_entries() const { return nodes_[kLeader - 1].applied_entries; }
  uint64_t ready_cycles() const { return ready_cycles_; }
  uint64_t messages() const { return messages_; }

  // Runs Ready cycles and delivers messages until nothing is left to do on any node.
  void Pump() {
    bool moved = true;
    while (moved) {
      moved = false;
      for (Node& n : nodes_) {
        while (n.raw->HasReady()) {
          HandleReady(n);
          moved = true;
        }
      }
      if (!queue_.empty()) {
        delivering_.swap(queue_);
        for (Message& m : delivering_) {
          const NodeId to = m.to;
          MQ_CHECK_OK(node(to).Step(std::move(m)));
        }
        messages_ += delivering_.size();
        delivering_.clear();
        moved = true;
      }
    }
    MaybeCompact();
  }

 private:
  struct Node {
    std::unique_ptr<MemoryStorage> storage;
    std::unique_ptr<RawNode> raw;
    uint64_t applied_entries = 0;
    uint64_t compacted_to = 0;
  };

  void HandleReady(Node& n) {
    ++ready_cycles_;
    Ready rd = n.raw->GetReady();
    for (Message& m : rd.messages) queue_.push_back(std::move(m));
    MQ_CHECK(!rd.snapshot.has_value());  // nobody falls behind a compacted log here
    MQ_CHECK_OK(n.storage->Append(std::move(rd.entries_to_persist)));
    if (rd.hard_state.has_value()) n.storage->SetHardState(*rd.hard_state);
    for (const Entry& e : rd.committed_entries) {
      if (e.type == EntryType::kNormal && !e.data.empty()) ++n.applied_entries;
    }
    n.raw->Advance();
    for (Message& m : rd.messages_after_persist) {
      if (m.to == n.raw->id()) {
        MQ_CHECK_OK(n.raw->Step(std::move(m)));
      } else {
        queue_.push_back(std::move(m));
      }
    }
  }

  void MaybeCompact() {
    for (Node& n : nodes_) {
      const uint64_t applied = n.raw->applied();
      if (applied < n.compacted_to + kCompactEveryEntries) continue;
      auto conf = n.raw->ConfStateAt(applied);
      MQ_CHECK_OK(conf.status());
      MQ_CHECK_OK(n.storage->CreateSnapshot(applied, *conf, Payload()));
      MQ_CHECK_OK(n.storage->Compact(applied));
      n.compacted_to = applied;
    }
  }

  Node nodes_[3];
  std::vector<Message> queue_;
  std::vector<Message> delivering_;
  uint64_t ready_cycles_ = 0;
  uint64_t messages_ = 0;
};

// Proposes `batch` entries on the leader, one Propose call each or one ProposeBatch call.
void ProposeOnLeader(RawNode& leader, const std::string& bytes, int batch, bool as_one_batch) {
  if (as_one_batch) {
    std::vector<Payload> payloads;
    payloads.reserve(batch);
    for (int i = 0; i < batch; ++i) payloads.emplace_back(std::string_view(bytes));
    MQ_CHECK_OK(leader.ProposeBatch(std::move(payloads)).status());
    return;
  }
  for (int i = 0; i < batch; ++i) {
    MQ_CHECK_OK(leader.Propose(Payload(std::string_view(bytes))).status());
  }
}

void RunCommit(benchmark::State& state, bool as_one_batch) {
  const int batch = static_cast<int>(state.range(0));
  const std::string bytes(kEntryBytes, 'x');
  Cluster cluster;
  RawNode& leader = cluster.node(kLeader);
  for (int i = 0; i < kWarmupEntries; i += batch) {
    ProposeOnLeader(leader, bytes, batch, as_one_batch);
    cluster.Pump();
  }
  const uint64_t applied_before = cluster.leader_applied_entries();
  const uint64_t cycles_before = cluster.ready_cycles();
  const uint64_t messages_before = cluster.messages();
  for (auto _ : state) {
    ProposeOnLeader(leader, bytes, batch, as_one_batch);
    cluster.Pump();
  }
  const uint64_t committed = cluster.leader_applied_entries() - applied_before;
  MQ_CHECK(committed == state.iterations() * static_cast<uint64_t>(batch));
  state.counters["entries_per_s"] =
      benchmark::Counter(static_cast<double>(committed), benchmark::Counter::kIsRate);
  state.counters["cycles_per_entry"] =
      static_cast<double>(cluster.ready_cycles() - cycles_before) / static_cast<double>(committed);
  state.counters["msgs_per_entry"] =
      static_cast<double>(cluster.messages() - messages_before) / static_cast<double>(committed);
  state.SetBytesProcessed(static_cast<int64_t>(committed * kEntryBytes));
}

// One Propose call per entry; batch 1 is batching off.
void BM_CoreCommit(benchmark::State& state) { RunCommit(state, /*as_one_batch=*/false); }
BENCHMARK(BM_CoreCommit)->ArgName("batch")->Arg(1)->Arg(64)->Arg(256)->Arg(1024);

// The same entries through one ProposeBatch call per cycle (a produce request's batch).
void BM_CoreCommitProposeBatch(benchmark::State& state) { RunCommit(state, true); }
BENCHMARK(BM_CoreCommitProposeBatch)->ArgName("batch")->Arg(256);

}  // namespace
}  // namespace mq::raft

BENCHMARK_MAIN();
