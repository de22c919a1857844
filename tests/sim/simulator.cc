#include "tests/sim/simulator.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"
#include "raft/conf_change.h"
#include "storage/base/status_macros.h"
#include "tests/sim/sim_random.h"

namespace mq::sim {
namespace {

// Events between two full comparisons of the live nodes' logs.
constexpr uint64_t kLogCheckIntervalSteps = 2'000;

bool TraceEcho() {
  const char* v = std::getenv("RAFTMQ_SIM_TRACE");
  return v != nullptr && v[0] != '\0' && v[0] != '0';
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// A check inside the core or the driver (MQ_CHECK) aborts the process: print what a violation
// would print first, so that even an abort names its seed and how to replay it.

class AbortReport {
 public:
  explicit AbortReport(Simulator* sim) {
    previous_ = current_;
    current_ = sim;
    struct sigaction action {};
    action.sa_handler = &AbortReport::Handle;
    sigemptyset(&action.sa_mask);
    sigaction(SIGABRT, &action, &previous_action_);
  }
  ~AbortReport() {
    sigaction(SIGABRT, &previous_action_, nullptr);
    current_ = previous_;
  }

 private:
  static void Handle(int signal) {
    Simulator* sim = current_;
    current_ = nullptr;  // once
    if (sim != nullptr) {
      const std::string report = absl::StrFormat(
          "\nraft simulation ABORTED inside the core or driver (see the check above)\n"
          "  seed: %d\n  step: %d at %.3f ms (%s phase)\n  options: %s\n  last %d trace "
          "lines:\n%s  reproduce: %s\n",
          sim->options_.seed, sim->step_, static_cast<double>(sim->queue_.now()) / 1000.0,
          sim->phase_, Describe(sim->options_), Simulator::kTraceTailLines,
          sim->trace_.Tail(Simulator::kTraceTailLines), sim->repro_);
      std::fwrite(report.data(), 1, report.size(), stderr);
      std::fflush(stderr);
    }
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }

  static inline Simulator* current_ = nullptr;
  Simulator* previous_;
  struct sigaction previous_action_ {};
};

// ---------------------------------------------------------------------------------------------

std::string SimResult::Report(const std::string& repro) const {
  return absl::StrFormat(
      "raft simulation FAILED\n  seed: %d\n  step: %d at %.3f ms (%s phase)\n  invariant: %s\n"
      "  options: %s\n  last %d trace lines:\n%s  reproduce: %s\n",
      seed, step, static_cast<double>(time) / 1000.0, phase, failure, options,
      Simulator::kTraceTailLines, trace_tail, repro);
}

Simulator::Simulator(SimOptions options)
    : options_(std::move(options)),
      prng_(options_.seed),
      crash_prng_(prng_.Fork()),
      client_prng_(prng_.Fork()),
      nemesis_prng_(prng_.Fork()),
      trace_(4096, TraceEcho()),
      network_(options_.network, prng_.Fork()) {
  previous_sink_ = SetLogSink([this](LogLevel level, std::string_view message) {
    if (message.find("torn tail") != std::string_view::npos) ++stats_.torn_tails;
    trace_.Note(current_node_,
                absl::StrFormat("log %s: %s", level == LogLevel::kInfo ? "info" : "warning",
                                std::string(message)));
  });
}

Simulator::~Simulator() {
  SetLogSink(previous_sink_);
  queue_.Clear();
}

raft::DriverOptions Simulator::MakeDriverOptions(raft::NodeId id) {
  raft::DriverOptions d;
  d.raft = options_.raft;
  d.raft.id = id;
  d.raft.applied_index = 0;
  d.log.segments.segment_bytes_max = options_.segment_bytes_max;
  d.log.segments.index_interval_bytes = std::max<uint64_t>(64, options_.segment_bytes_max / 4);
  // Two nodes in three write their log in pieces before syncing it, so that a power loss
  // finds unsynced records on the disk, some spanning sectors (torn tails); the others only
  // write at sync time.
  switch (prng_.Uniform(3)) {
    case 0:
      d.log.segments.write_buffer_bytes = Between(prng_, 32, 512);
      break;
    case 1:
      d.log.segments.write_buffer_bytes = Between(prng_, 512, 8192);
      break;
    default:
      d.log.segments.write_buffer_bytes = 64 << 10;
      break;
  }
  d.log.commit_lag_entries_max = options_.commit_lag_entries_max;
  d.persist_mode = prng_.Chance(options_.deferred_percent, 100) ? raft::PersistMode::kDeferred
                                                                : raft::PersistMode::kInline;
  d.prng_seed = prng_.Next();
  d.snapshot_entries_interval = options_.snapshot_entries_interval;
  d.snapshot_keep_entries = options_.snapshot_keep_entries;
  return d;
}

SimNode& Simulator::CreateNode(raft::NodeId id) {
  auto node = std::make_unique<SimNode>(id, this, MakeDriverOptions(id));
  // Clock drift: this node's tick period, fixed for the run.
  const int64_t skew = options_.tick_skew_per_mille;
  const int64_t drift = prng_.Range(-skew, skew);
  node->tick_period_us = std::max<uint64_t>(
      1, static_cast<uint64_t>(static_cast<int64_t>(options_.tick_us) * (1000 + drift) / 1000));
  // From its own stream (seed and id), so older seeds keep their draws from prng_.
  Prng split_prng(options_.seed ^ (0x5b1175eedULL * (id + 1)));
  node->split_sync = split_prng.Chance(options_.split_sync_percent, 100);
  SimNode& ref = *node;
  nodes_[id] = std::move(node);
  next_id_ = std::max(next_id_, id + 1);
  return ref;
}

void Simulator::Boot() { BootPrepared(nullptr); }

void Simulator::BootPrepared(
    const std::function<absl::Status(raft::NodeId, storage::SimFilesystem&,
                                     const raft::DriverOptions&)>& prepare) {
  raft::ConfState founding;
  for (int i = 1; i <= options_.voters; ++i)
    founding.voters.push_back(static_cast<raft::NodeId>(i));
  for (raft::NodeId id : founding.voters) {
    SimNode& n = CreateNode(id);
    checker_.OnStart(id);
    current_node_ = id;
    absl::Status status;
    if (prepare) {
      status = prepare(id, n.fs(), n.options());
      if (status.ok()) status = n.Restart();
    } else {
      status = n.Bootstrap(founding);
    }
    if (!status.ok()) {
      checker_.Fail("boot", absl::StrFormat("node %d: %s", id, status.ToString()));
      return;
    }
    trace_.Note(id, absl::StrFormat("booted (%s persistence, tick every %dus)",
                                    n.deferred() ? "deferred" : "inline", n.tick_period_us));
    ScheduleTick(n);
  }
}

raft::NodeId Simulator::AddNode() {
  const raft::NodeId id = next_id_;
  SimNode& n = CreateNode(id);
  checker_.OnStart(id);
  current_node_ = id;
  if (absl::Status status = n.Bootstrap(raft::ConfState{}); !status.ok()) {
    checker_.Fail("boot", absl::StrFormat("new node %d: %s", id, status.ToString()));
    return id;
  }
  ++nodes_added_;
  trace_.Note(id, "added (empty disk, not yet a member)");
  ScheduleTick(n);
  return id;
}

// ---------------------------------------------------------------------------------------------
// Events

bool Simulator::StepOnce() {
  if (queue_.empty()) return false;
  trace_.set_time(queue_.next_time());
  ++step_;
  trace_.set_step(step_);
  queue_.RunNext();
  if (failed()) return true;
  const std::vector<Checker::LiveNode> live = LiveNodes();
  checker_.CheckStep(live);
  ObserveRoles(live);
  if (!failed() && step_ - last_log_check_step_ >= kLogCheckIntervalSteps) {
    last_log_check_step_ = step_;
    checker_.CheckLogs(live);
  }
  if (failed()) trace_.Note(raft::kNoNode, "VIOLATION " + checker_.failure());
  return true;
}

bool Simulator::RunFor(uint64_t us) {
  const VirtualTime end = queue_.now() + us;
  while (!failed() && !queue_.empty() && queue_.next_time() <= end) {
    if (options_.steps_max != 0 && step_ >= options_.steps_max) {
      checker_.Fail("steps-max", absl::StrFormat("%d events without finishing", step_));
      break;
    }
    StepOnce();
  }
  return !failed();
}

bool Simulator::RunUntil(const std::function<bool()>& done, uint64_t us_max) {
  const VirtualTime end = queue_.now() + us_max;
  while (!failed() && !done()) {
    if (queue_.empty() || queue_.next_time() > end) return false;
    if (options_.steps_max != 0 && step_ >= options_.steps_max) {
      checker_.Fail("steps-max", absl::StrFormat("%d events without finishing", step_));
      return false;
    }
    StepOnce();
  }
  return !failed();
}

uint64_t Simulator::NextTickDelay(const SimNode& n) {
  const uint64_t jitter =
      options_.tick_jitter_per_mille == 0
          ? 0
          : n.tick_period_us * prng_.Uniform(options_.tick_jitter_per_mille + 1) / 1000;
  return n.tick_period_us + jitter;
}

void Simulator::ScheduleTick(SimNode& n) { ScheduleTickOf(n, ++n.tick_chain); }

void Simulator::ScheduleTickOf(SimNode& n, uint64_t chain) {
  if (!n.up() || n.tick_period_us == 0) return;
  const raft::NodeId id = n.id();
  const uint64_t incarnation = n.incarnation();
  queue_.After(NextTickDelay(n), [this, id, incarnation, chain] {
    SimNode* n = node(id);
    if (n == nullptr || !n->up() || n->incarnation() != incarnation || n->tick_chain != chain) {
      return;
    }
    n->driver().Tick();
    ++stats_.ticks;
    Pump(*n);
    if (n->up() && n->incarnation() == incarnation) ScheduleTickOf(*n, chain);
  });
}

void Simulator::SetTickPeriod(raft::NodeId id, uint64_t period_us) {
  SimNode* n = node(id);
  if (n == nullptr) return;
  n->tick_period_us = period_us;
  ScheduleTick(*n);  // a new chain; the running one ends
}

void Simulator::Pump(SimNode& n) {
  if (!n.up()) return;
  current_node_ = n.id();
  if (absl::Status status = n.driver().ProcessReady(); !status.ok()) {
    Broken(n, status);
    return;
  }
  if (!n.deferred() || n.persist_scheduled || n.driver().persists_pending() == 0) return;
  // The simulated disk: one fdatasync, done after its latency, covers every job queued by
  // then (the driver's group commit). A split node is the broker's disk thread instead: the
  // fdatasync covers the appends made when it starts (now), and its completion, after the
  // latency, delivers only what that covered; a crash in between finds the data durable and
  // nothing acknowledged.
  n.persist_scheduled = true;
  if (n.split_sync) {
    absl::StatusOr<uint64_t> synced = n.driver().SyncLogOnly();
    ++stats_.split_syncs;
    if (!synced.ok()) {
      n.persist_scheduled = false;
      Broken(n, synced.status());
      return;
    }
  }
  const raft::NodeId id = n.id();
  const uint64_t incarnation = n.incarnation();
  queue_.After(Between(prng_, options_.disk_latency_us_min, options_.disk_latency_us_max),
               [this, id, incarnation] {
                 SimNode* n = node(id);
                 if (n == nullptr || !n->up() || n->incarnation() != incarnation) return;
                 n->persist_scheduled = false;
                 current_node_ = id;
                 const absl::Status status =
                     n->split_sync ? n->driver().CompleteDurable() : n->driver().CompletePersist();
                 if (!status.ok()) {
                   Broken(*n, status);
                   return;
                 }
                 Pump(*n);
               });
}

void Simulator::Broken(SimNode& n, const absl::Status& status) {
  const raft::NodeId id = n.id();
  if (!n.write_fault_armed) {
    checker_.Fail("driver-error", absl::StrFormat("node %d: %s", id, status.ToString()));
    return;
  }
  // The injected write error broke the driver, as it would break a broker's: the process
  // dies and is started again (what it wrote stays on the disk).
  ++stats_.write_faults;
  trace_.Note(id, absl::StrFormat("write fault broke the driver: %s", status.ToString()));
  Crash(id, /*power_loss=*/false);
  const uint64_t incarnation = n.incarnation();
  queue_.After(Between(nemesis_prng_, options_.nemesis.down_us_min, options_.nemesis.down_us_max),
               [this, id, incarnation] {
                 SimNode* n = node(id);
                 if (n != nullptr && n->state() == SimNode::State::kDown &&
                     n->incarnation() == incarnation) {
                   Restart(id);
                 }
               });
}

void Simulator::Send(raft::NodeId from, raft::Message m) {
  SimNode* sender = node(from);
  const raft::RaftLogStore& log = sender->driver().log();
  checker_.OnSend(m, std::max(log.durable_index(), log.snapshot_index()));
  ++stats_.messages_sent;
  if (m.type == raft::MessageType::kSnapshot) ++stats_.snapshots_sent;
  trace_.Message(TraceKind::kSend, m);
  SimNetwork::Route route = network_.Plan(m);
  if (route.dropped != nullptr) {
    ++stats_.messages_dropped;
    trace_.Message(TraceKind::kDrop, m, route.dropped);
    const bool partition = std::strcmp(route.dropped, "partition") == 0;
    const uint64_t incarnation = sender->incarnation();
    const raft::NodeId to = m.to;
    if (partition && network_.ReportUnreachable()) {
      queue_.After(network_.options().latency_us_max, [this, from, to, incarnation] {
        SimNode* n = node(from);
        if (n == nullptr || !n->up() || n->incarnation() != incarnation) return;
        n->driver().ReportUnreachable(to);
        Pump(*n);
      });
    }
    if (m.type == raft::MessageType::kSnapshot) {
      // The transport gives up on the snapshot after a while.
      ScheduleSnapshotReport(from, to, false, 4 * network_.options().latency_us_max + 10'000);
    }
    return;
  }
  if (route.duplicated) ++stats_.messages_duplicated;
  if (route.delayed) ++stats_.messages_delayed;
  // A message in flight outlives its sender's crash, as packets on a wire do.
  for (size_t i = 0; i < route.delays_us.size(); ++i) {
    raft::Message copy = i + 1 == route.delays_us.size() ? std::move(m) : m;
    queue_.After(route.delays_us[i],
                 [this, copy = std::move(copy)]() mutable { Deliver(std::move(copy)); });
  }
}

void Simulator::Deliver(raft::Message m) {
  const raft::NodeId from = m.from;
  const raft::NodeId to = m.to;
  const bool snapshot = m.type == raft::MessageType::kSnapshot;
  SimNode* receiver = node(to);
  const char* lost = nullptr;
  if (receiver == nullptr || !receiver->up()) {
    lost = "receiver down";
  } else if (network_.IsCut(from, to)) {
    lost = "partition";
  }
  if (lost != nullptr) {
    ++stats_.messages_dropped;
    trace_.Message(TraceKind::kDrop, m, lost);
    if (snapshot) ScheduleSnapshotReport(from, to, false, 4 * network_.options().latency_us_max);
    return;
  }
  trace_.Message(TraceKind::kDeliver, m);
  current_node_ = to;
  const absl::Status status = receiver->driver().Step(std::move(m));
  if (!status.ok()) {
    const bool benign =
        status.code() == absl::StatusCode::kNotFound ||
        (status.code() == absl::StatusCode::kInvalidArgument &&
         status.message().find("configuration without this node") != absl::string_view::npos);
    trace_.Note(to, absl::StrFormat("refused the message: %s", status.ToString()));
    if (!benign) {
      checker_.Fail("message-refused",
                    absl::StrFormat("node %d refused a message from node %d (the last one "
                                    "received in the trace): %s",
                                    to, from, status.ToString()));
      return;
    }
  }
  if (snapshot) {
    ScheduleSnapshotReport(from, to, status.ok(), network_.options().latency_us_max);
  }
  Pump(*receiver);
}

void Simulator::ScheduleSnapshotReport(raft::NodeId leader, raft::NodeId peer, bool ok,
                                       uint64_t delay_us) {
  SimNode* n = node(leader);
  if (n == nullptr || !n->up()) return;
  const uint64_t incarnation = n->incarnation();
  queue_.After(delay_us, [this, leader, peer, ok, incarnation] {
    SimNode* n = node(leader);
    if (n == nullptr || !n->up() || n->incarnation() != incarnation) return;
    n->driver().ReportSnapshot(peer, ok);
    Pump(*n);
  });
}

// ---------------------------------------------------------------------------------------------
// Observations

void Simulator::OnApply(raft::NodeId id, const raft::Entry& entry) {
  SimNode* n = node(id);
  checker_.OnApply(id, entry, n->driver().node().term());
  if (entry.type != raft::EntryType::kConfChange || entry.index <= conf_changes_seen_ ||
      entry.index > checker_.committed_index()) {
    return;
  }
  conf_changes_seen_ = entry.index;
  // The founding members are the first entries of every log (raft/bootstrap.h): not changes.
  if (entry.index <= static_cast<uint64_t>(options_.voters)) return;
  absl::StatusOr<raft::ConfChange> change = raft::DecodeConfChange(entry.data.view());
  if (!change.ok()) return;
  trace_.Note(
      id, absl::StrFormat("committed conf change %s at %d", raft::ToString(*change), entry.index));
  switch (change->type) {
    case raft::ConfChangeType::kAddLearner:
      ++stats_.learners_added;
      break;
    case raft::ConfChangeType::kAddVoter:
      ++stats_.learners_promoted;
      break;
    case raft::ConfChangeType::kRemoveNode:
      ++stats_.voters_removed;
      if (checker_.LeaderOf(entry.term) == change->node) ++stats_.leaders_removed;
      removed_.insert(change->node);
      break;
  }
}

void Simulator::OnRestore(raft::NodeId id, const raft::SnapshotMetadata& meta,
                          const SmState& state) {
  trace_.Note(id, absl::StrFormat("restored snapshot %d/t%d", meta.index, meta.term));
  checker_.OnRestore(id, meta, state);
}

void Simulator::OnSoftState(raft::NodeId id, const raft::SoftState& state) {
  trace_.Note(id, absl::StrFormat("role %s, leader %d", std::string(raft::RoleName(state.role)),
                                  state.leader));
}

void Simulator::OnReadReady(raft::NodeId id, const raft::ReadState& read) {
  checker_.OnReadServed(id, read, node(id)->driver().applied());
}

void Simulator::ObserveRoles(const std::vector<Checker::LiveNode>& live) {
  for (const Checker::LiveNode& l : live) {
    const raft::RawNode& n = l.driver->node();
    const std::pair<raft::Role, uint64_t> now{n.role(), n.term()};
    auto [it, inserted] = observed_roles_.try_emplace(l.id, now);
    if (!inserted && it->second == now) continue;
    it->second = now;
    switch (n.role()) {
      case raft::Role::kPreCandidate:
        ++stats_.pre_campaigns;
        break;
      case raft::Role::kCandidate:
        ++stats_.elections;
        break;
      case raft::Role::kLeader: {
        checker_.OnLeading(l.id, n.term());
        if (leaders_seen_.insert({n.term(), l.id}).second) {
          trace_.Note(l.id, absl::StrFormat("LEADER of term %d", n.term()));
        }
        auto t = pending_transfers_.find(l.id);
        if (t != pending_transfers_.end() && n.term() > t->second) {
          ++stats_.transfers_done;
          pending_transfers_.erase(t);
        }
        break;
      }
      case raft::Role::kFollower:
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Nodes

SimNode* Simulator::node(raft::NodeId id) {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

std::vector<raft::NodeId> Simulator::node_ids() const {
  std::vector<raft::NodeId> ids;
  for (const auto& [id, n] : nodes_) ids.push_back(id);
  return ids;
}

std::vector<raft::NodeId> Simulator::RunningIds() const {
  std::vector<raft::NodeId> ids;
  for (const auto& [id, n] : nodes_) {
    if (n->up()) ids.push_back(id);
  }
  return ids;
}

std::vector<Checker::LiveNode> Simulator::LiveNodes() const {
  std::vector<Checker::LiveNode> live;
  for (const auto& [id, n] : nodes_) {
    if (n->up()) live.push_back(Checker::LiveNode{id, &n->driver()});
  }
  return live;
}

raft::NodeId Simulator::Leader() const {
  raft::NodeId leader = raft::kNoNode;
  uint64_t term = 0;
  for (const auto& [id, n] : nodes_) {
    if (!n->up() || !n->driver().node().is_leader()) continue;
    if (n->driver().node().term() >= term) {
      term = n->driver().node().term();
      leader = id;
    }
  }
  return leader;
}

raft::ConfState Simulator::Configuration() const {
  const raft::NodeId leader = Leader();
  for (const auto& [id, n] : nodes_) {
    if (n->up() && (leader == raft::kNoNode || id == leader)) {
      return n->driver().node().conf_state();
    }
  }
  return {};
}

void Simulator::Crash(raft::NodeId id, bool power_loss) {
  SimNode* n = node(id);
  if (n == nullptr || !n->up()) return;
  ++stats_.crashes;
  n->Crash(crash_prng_, power_loss);
  if (power_loss && options_.unsafe_disk_loss_percent > 0 &&
      crash_prng_.Chance(options_.unsafe_disk_loss_percent, 100)) {
    n->LoseDisk();
  }
  if (n->crash_lost_unsynced()) ++stats_.unsynced_lost;
  checker_.OnStop(id);
  observed_roles_.erase(id);
  trace_.Note(id, n->disk_lost() ? "CRASH (power loss, DISK LOST)"
                  : power_loss   ? "CRASH (power loss)"
                                 : "CRASH (process)");
}

void Simulator::Restart(raft::NodeId id) {
  SimNode* n = node(id);
  if (n == nullptr || n->state() != SimNode::State::kDown) return;
  checker_.OnStart(id);
  current_node_ = id;
  const bool disk_lost = n->disk_lost();
  if (absl::Status status = n->Restart(); !status.ok()) {
    checker_.Fail("restart", absl::StrFormat("node %d could not open its disk after a crash: %s",
                                             id, status.ToString()));
    return;
  }
  ++stats_.restarts;
  const raft::RawNode& r = n->driver().node();
  trace_.Note(id, absl::StrFormat("RESTART term=%d commit=%d last=%d applied=%d", r.term(),
                                  r.committed(), r.last_index(), n->driver().applied()));
  // A node whose disk was lost cannot keep its promises; the self-test wants to see which
  // other invariant notices, so the obvious restart check is skipped for it.
  if (!disk_lost) checker_.OnRestarted(id, n->durable_at_crash(), n->driver());
  ScheduleTick(*n);
  Pump(*n);
}

// ---------------------------------------------------------------------------------------------
// Requests

absl::StatusOr<uint64_t> Simulator::Propose(raft::NodeId at, std::string value) {
  SimNode* n = node(at);
  if (n == nullptr || !n->up()) return absl::UnavailableError("node down");
  const uint64_t term = n->driver().node().term();
  raft::Payload payload(std::move(value));
  absl::StatusOr<uint64_t> index = n->driver().Propose(payload, term);
  if (index.ok()) {
    ++stats_.proposals;
    checker_.OnProposed(*index, term, std::move(payload));
    Pump(*n);
  } else {
    ++stats_.proposals_refused;
  }
  return index;
}

absl::Status Simulator::Read(raft::NodeId at) {
  SimNode* n = node(at);
  if (n == nullptr || !n->up()) return absl::UnavailableError("node down");
  const std::string context = absl::StrFormat("r%d", ++read_seq_);
  checker_.OnReadIssued(context);
  const absl::Status status = n->driver().ReadIndex(context);
  if (status.ok()) {
    ++stats_.reads;
    Pump(*n);
  }
  return status;
}

absl::StatusOr<uint64_t> Simulator::ProposeConfChange(raft::NodeId at,
                                                      const raft::ConfChange& change) {
  SimNode* n = node(at);
  if (n == nullptr || !n->up()) return absl::UnavailableError("node down");
  absl::StatusOr<uint64_t> index = n->driver().ProposeConfChange(change);
  trace_.Note(at, absl::StrFormat("propose %s: %s", raft::ToString(change),
                                  index.ok() ? absl::StrFormat("index %d", *index)
                                             : index.status().ToString()));
  if (!index.ok()) ++stats_.conf_changes_refused;
  Pump(*n);
  return index;
}

absl::Status Simulator::TransferLeader(raft::NodeId at, raft::NodeId to) {
  SimNode* n = node(at);
  if (n == nullptr || !n->up()) return absl::UnavailableError("node down");
  const absl::Status status = n->driver().TransferLeader(to);
  trace_.Note(at, absl::StrFormat("transfer leadership to %d: %s", to, status.ToString()));
  if (status.ok() && n->driver().node().is_leader()) {
    ++stats_.transfers;
    pending_transfers_[to] = n->driver().node().term();
  }
  Pump(*n);
  return status;
}

absl::Status Simulator::TakeSnapshot(raft::NodeId at) {
  SimNode* n = node(at);
  if (n == nullptr || !n->up()) return absl::UnavailableError("node down");
  current_node_ = at;
  const absl::Status status = n->driver().TakeSnapshot();
  trace_.Note(at, absl::StrFormat("snapshot at %d: %s", n->driver().applied(), status.ToString()));
  if (!status.ok()) Broken(*n, status);
  return status;
}

// ---------------------------------------------------------------------------------------------
// Reporting

const SimStats& Simulator::stats() {
  stats_.runs = 1;
  stats_.steps = step_;
  stats_.virtual_ms = queue_.now() / 1000;
  stats_.leader_changes = leaders_seen_.size();
  stats_.acknowledged = checker_.acknowledged();
  stats_.reads_served = checker_.reads_served();
  stats_.lost = checker_.lost();
  stats_.snapshots_taken = 0;
  stats_.snapshots_installed = 0;
  stats_.fsyncs = 0;
  stats_.entries_applied = 0;
  for (const auto& [id, n] : nodes_) {
    const raft::DriverStats d = n->TotalDriverStats();
    stats_.snapshots_taken += d.snapshots_taken;
    stats_.snapshots_installed += d.snapshots_installed;
    stats_.fsyncs += d.syncs;
    stats_.entries_applied += d.entries_applied;
  }
  return stats_;
}

std::string Simulator::ClusterStatus() const {
  std::string out;
  for (const auto& [id, n] : nodes_) {
    if (!n->up()) {
      const char* state = n->state() == SimNode::State::kRetired ? "retired" : "down";
      absl::StrAppendFormat(&out, "    node %d: %s\n", id, state);
      continue;
    }
    const raft::RawNode& r = n->driver().node();
    absl::StrAppendFormat(&out,
                          "    node %d: %s term=%d leader=%d commit=%d applied=%d last=%d "
                          "conf=%s pending_persists=%d\n",
                          id, std::string(raft::RoleName(r.role())), r.term(), r.leader(),
                          r.committed(), n->driver().applied(), r.last_index(),
                          raft::ToString(r.conf_state()), n->driver().persists_pending());
  }
  return out;
}

SimResult Simulator::Run() {
  AbortReport abort_report(this);
  phase_ = "safety";
  Boot();
  StartClient();
  StartNemesis();
  RunFor(options_.safety_us);
  if (!failed()) {
    phase_ = "liveness";
    Heal();
    const bool reached = RunUntil([this] { return LivenessGoalReached(); }, liveness_bound_us_);
    if (!reached && !failed()) {
      checker_.Fail("liveness",
                    absl::StrFormat("after healing at %.3f ms, no leader committed %d fresh "
                                    "proposals and brought every member up to the %d "
                                    "acknowledged ones within %.1f s (%d acknowledged "
                                    "since); cluster:\n%s",
                                    static_cast<double>(liveness_started_) / 1000.0,
                                    options_.liveness_proposals, checker_.acknowledged(),
                                    static_cast<double>(liveness_bound_us_) / 1e6, liveness_acked_,
                                    ClusterStatus()));
    }
    if (reached) stats_.liveness_ms += (queue_.now() - liveness_started_) / 1000;
  }
  if (!failed()) checker_.CheckLogs(LiveNodes());
  if (!failed()) phase_ = "done";

  SimResult result;
  result.ok = !failed();
  result.seed = options_.seed;
  result.step = step_;
  result.time = queue_.now();
  result.phase = phase_;
  result.failure = checker_.failure();
  result.options = Describe(options_);
  result.trace_tail = trace_.Tail(kTraceTailLines);
  result.stats = stats();
  return result;
}

}  // namespace mq::sim
