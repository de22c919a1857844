#include "broker/node/broker_node.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "broker/net/host_port.h"
#include "broker/node/peer_wait.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"
#include "storage/fs/posix_filesystem.h"

namespace mq::broker {
namespace {

// Data groups' logs are the message store: they snapshot at segment starts and are compacted
// only by retention (DataReplica). The controller compacts like any Raft state machine.
constexpr uint64_t kControllerSnapshotEntries = 10000;
constexpr uint64_t kControllerKeepEntries = 1000;

absl::StatusOr<ClusterConfig> MakeConfig(const BrokerOptions& options) {
  MQ_ASSIGN_OR_RETURN(std::vector<BrokerAddress> brokers, ParsePeers(options.peers));
  auto self = std::find_if(brokers.begin(), brokers.end(),
                           [&](const BrokerAddress& b) { return b.id == options.broker_id; });
  if (self == brokers.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--id ", options.broker_id, " is not in --peers ", options.peers));
  }
  self->http_address = options.http_listen;
  return MakeClusterConfig(options.cluster_id, std::move(brokers), options.data_groups);
}

}  // namespace

absl::StatusOr<std::unique_ptr<BrokerNode>> BrokerNode::Start(const BrokerOptions& options) {
  MQ_ASSIGN_OR_RETURN(ClusterConfig config, MakeConfig(options));
  std::unique_ptr<BrokerNode> node(new BrokerNode(options, std::move(config)));
  absl::Status status = node->Init();
  if (status.ok()) {
    // Serving already (peers must be able to reach us), but refuse to go on alone.
    status = WaitForPeerQuorum(
        node->config_, options.broker_id,
        [&](uint64_t id) {
          const net::PeerLinkStats stats = node->transport_->stats(id);
          return PeerLinkState{.connected = stats.connected,
                               .refused = stats.refused,
                               .last_error = stats.last_error};
        },
        PeerWaitOptions{.timeout = std::chrono::milliseconds(options.peer_wait_ms)},
        RealClock::Get(), [](std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); });
  }
  if (!status.ok()) {
    (void)node->StopAll();
    return status;
  }
  return node;
}

BrokerNode::BrokerNode(BrokerOptions options, ClusterConfig config)
    : options_(std::move(options)),
      config_(std::move(config)),
      view_(std::make_shared<const ClusterView>()),
      pool_(static_cast<int>(options_.threads)),
      disk_pool_(static_cast<int>(options_.disk_threads)) {}

BrokerNode::~BrokerNode() { (void)StopAll(); }

absl::Status BrokerNode::Init() {
  storage::Filesystem& fs = storage::PosixFilesystem::Get();
  const DataDirIdentity identity{
      .cluster_id = config_.cluster_id,
      .broker_id = options_.broker_id,
      .layout = absl::StrFormat("%016x/%d", config_.Fingerprint(), options_.data_groups)};
  MQ_ASSIGN_OR_RETURN(data_dir_, DataDir::Open(fs, options_.data_dir, identity));

  const BrokerAddress* self = config_.FindBroker(options_.broker_id);
  const std::string listen = options_.listen.empty() ? self->address : options_.listen;
  auto host_port = net::ParseHostPort(listen);
  if (!host_port.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen ", listen, ": ", host_port.status().message()));
  }

  const std::vector<uint64_t> groups = config_.GroupsOfBroker(options_.broker_id);
  leaders_ = std::make_unique<LeaderTable>(groups);

  pool_.Start([this](int signal) {
    LogInfo(absl::StrCat("broker ", options_.broker_id, ": signal ", signal, ", stopping"));
    Shutdown();
  });
  if (options_.disk_threads > 0) disk_pool_.Start();

  transport_ = std::make_unique<net::PeerTransport>(
      pool_.context(),
      net::PeerTransportOptions{.broker_id = options_.broker_id, .cluster_id = config_.cluster_id},
      net::PeerTransportHooks{
          .on_unreachable =
              [this](uint64_t to) {
                for (auto& [id, runner] : runners_) {
                  runner->Post([to](raft::Driver& d) { d.ReportUnreachable(to); });
                }
              },
          .on_snapshot_status =
              [this](uint64_t to, uint64_t group_id, bool ok) {
                if (auto it = runners_.find(group_id); it != runners_.end()) {
                  it->second->Post([to, ok](raft::Driver& d) { d.ReportSnapshot(to, ok); });
                }
              }});
  for (uint64_t group_id : groups) {
    MQ_RETURN_IF_ERROR(StartGroup(*config_.FindGroup(group_id)));
  }
  // Only now: the transport's hooks walk runners_, which no longer changes.
  for (const BrokerAddress& broker : config_.brokers) {
    if (broker.id != options_.broker_id) {
      MQ_RETURN_IF_ERROR(transport_->AddPeer(broker.id, broker.address));
    }
  }

  LocalGroups local;
  if (controller_ != nullptr) {
    local.controller = controller_.get();
    local.controller_runner = runners_.at(0).get();
  }
  for (auto& [id, replica] : data_replicas_) {
    local.data[id] = {.runner = runners_.at(id).get(), .replica = replica.get()};
  }
  router_ = std::make_unique<RequestRouter>(ReplicaContext{.self_id = options_.broker_id,
                                                           .config = &config_,
                                                           .leaders = leaders_.get(),
                                                           .tick_ms = options_.tick_ms},
                                            &view_, std::move(local), [this](uint64_t broker) {
                                              return transport_->stats(broker).connected;
                                            });

  server_ = std::make_unique<net::Server>(
      pool_.context(),
      net::ServerOptions{.host = host_port->host,
                         .port = host_port->port,
                         .broker_id = options_.broker_id,
                         .cluster_id = config_.cluster_id},
      router_.get(), [this](uint64_t from, std::vector<raft::wire::GroupMessage> messages) {
        for (raft::wire::GroupMessage& m : messages) {
          if (auto it = runners_.find(m.group_id); it != runners_.end()) {
            it->second->Step(std::move(m.message));
          }
        }
        (void)from;
      });
  if (absl::Status status = server_->Start(); !status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen, ": ", status.message()));
  }
  tick_timer_ = std::make_unique<asio::steady_timer>(pool_.context());
  ScheduleTick();
  LogInfo(absl::StrFormat("broker %d of cluster '%s' serving on %s (%d groups here, data in %s%s)",
                          options_.broker_id, config_.cluster_id, listen, groups.size(),
                          options_.data_dir, data_dir_->created() ? ", new" : ""));
  return absl::OkStatus();
}

absl::Status BrokerNode::StartGroup(const GroupPlacement& placement) {
  const uint64_t group_id = placement.group_id;
  ReplicaContext context{.self_id = options_.broker_id,
                         .config = &config_,
                         .leaders = leaders_.get(),
                         .tick_ms = options_.tick_ms};
  raft::DriverOptions driver;
  driver.raft.id = options_.broker_id;
  driver.raft.election_timeout_ticks = static_cast<int>(options_.election_ticks);
  driver.raft.heartbeat_timeout_ticks = 1;
  driver.persist_mode =
      options_.disk_threads > 0 ? raft::PersistMode::kDeferred : raft::PersistMode::kInline;
  driver.prng_seed =
      options_.broker_id * 1000003 + group_id * 7919 +
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  raft::StateMachine* state_machine = nullptr;
  storage::Filesystem& fs = storage::PosixFilesystem::Get();
  if (group_id == 0) {
    driver.snapshot_entries_interval = kControllerSnapshotEntries;
    driver.snapshot_keep_entries = kControllerKeepEntries;
    controller_ = std::make_unique<ControllerReplica>(context, &view_);
    state_machine = controller_.get();
    on_tick_[0] = [replica = controller_.get()](raft::Driver& d) {
      d.Tick();
      replica->OnTick(d);
    };
  } else {
    // A snapshot at every segment start, kept until retention drops the segment before it, so
    // a lagging follower is sent state exactly at the leader's first index - 1
    // (docs/decisions.md, retention).
    driver.snapshot_at_segment_starts = true;
    driver.log.keep_snapshot_history = true;
    // Only the leader serves a data group, so its followers may learn the commit index with the
    // next append or heartbeat: a lone produce then costs half the peer messages. (The
    // controller's followers serve metadata and keep learning it at once.)
    driver.raft.announce_commit_at_once = false;
    driver.log.segments.segment_bytes_max = options_.segment_bytes;
    MQ_ASSIGN_OR_RETURN(auto state,
                        DataGroupState::Open(fs, data_dir_->StateDir(group_id), group_id));
    auto replica = std::make_unique<DataReplica>(
        group_id, std::move(state), context,
        DataRetentionOptions{.limits = {.retention_ms = options_.retention_ms,
                                        .retention_bytes = options_.retention_bytes},
                             .view = &view_});
    state_machine = replica.get();
    on_tick_[group_id] = [replica = replica.get()](raft::Driver& d) {
      d.Tick();
      replica->OnTick(d);
    };
    data_replicas_[group_id] = std::move(replica);
  }
  raft::ConfState founding;
  founding.voters = placement.replicas;
  std::sort(founding.voters.begin(), founding.voters.end());
  MQ_RETURN_IF_ERROR(fs.CreateDirs(data_dir_->RaftDir(group_id)));
  auto runner = net::GroupRunner::Start(
      pool_.context(), group_id, fs, data_dir_->RaftDir(group_id), founding, driver, state_machine,
      [this](uint64_t group, raft::Message message) {
        transport_->Send(message.to, group, std::move(message));
      },
      disk_pool_.context().get_executor());
  if (!runner.ok()) {
    return absl::Status(runner.status().code(),
                        absl::StrCat("group ", group_id, " in ", data_dir_->RaftDir(group_id), ": ",
                                     runner.status().message()));
  }
  runners_[group_id] = std::move(*runner);
  return absl::OkStatus();
}

void BrokerNode::ScheduleTick() {
  tick_timer_->expires_after(std::chrono::milliseconds(options_.tick_ms));
  tick_timer_->async_wait([this](const asio::error_code& error) {
    if (error) return;
    for (auto& [id, runner] : runners_) runner->Post(on_tick_.at(id));
    ScheduleTick();
  });
}

void BrokerNode::Shutdown() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  stop_requested_.notify_all();
}

absl::Status BrokerNode::RunUntilSignal() {
  {
    std::unique_lock lock(mutex_);
    stop_requested_.wait(lock, [this] { return stopping_; });
  }
  return StopAll();
}

absl::Status BrokerNode::StopAll() {
  if (stopped_) return absl::OkStatus();
  stopped_ = true;
  if (server_ != nullptr) server_->Stop();
  if (tick_timer_ != nullptr) {
    asio::post(pool_.context(), [timer = tick_timer_.get()] { timer->cancel(); });
  }
  absl::Status first_error;
  for (auto& [id, runner] : runners_) {
    if (absl::Status status = runner->Stop(); !status.ok()) {
      LogError(absl::StrCat("group ", id, ": close failed: ", status.message()));
      if (first_error.ok()) first_error = status;
    }
  }
  if (transport_ != nullptr) transport_->Stop();
  disk_pool_.Stop();  // after the groups: they wait for their syncs in flight when closing
  pool_.Stop();
  if (first_error.ok()) LogInfo(absl::StrCat("broker ", options_.broker_id, ": stopped cleanly"));
  return first_error;
}

}  // namespace mq::broker
