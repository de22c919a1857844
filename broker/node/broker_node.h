#pragma once

// BrokerNode: one running broker. Start() turns BrokerOptions into the static cluster layout,
// locks and checks the data directory, opens (or bootstraps on first start) a Raft replica for
// every group placed on this broker, connects to the peers, and serves the client port.
// RunUntilSignal() blocks until SIGTERM/SIGINT, then stops gracefully: the port closes, every
// group finishes its in-flight fsync and closes its files, the peer links close.
//
// Threads: one IoPool (options.threads) runs sessions, peer links, the tick timer and every
// group's strand; with options.disk_threads > 0 a second pool runs the groups' log fdatasyncs
// (kDeferred persistence, group_runner.h), started before the groups and stopped after them.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "asio/steady_timer.hpp"
#include "broker/core/controller/cluster_config.h"
#include "broker/net/group_runner.h"
#include "broker/net/io_pool.h"
#include "broker/net/peer_transport.h"
#include "broker/net/server.h"
#include "broker/node/broker_options.h"
#include "broker/node/controller_replica.h"
#include "broker/node/data_dir.h"
#include "broker/node/data_replica.h"
#include "broker/node/leader_table.h"
#include "broker/node/request_router.h"
#include "broker/node/shared_value.h"

namespace mq::broker {

class BrokerNode {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BrokerNode>> Start(
      const BrokerOptions& options);
  ~BrokerNode();

  // Blocks until a signal or Shutdown(), then stops everything. Returns the first error a
  // group reported while closing.
  [[nodiscard]] absl::Status RunUntilSignal();
  // Makes RunUntilSignal return (thread-safe).
  void Shutdown();

  uint16_t port() const { return server_->port(); }

 private:
  BrokerNode(BrokerOptions options, ClusterConfig config);
  absl::Status Init();
  absl::Status StartGroup(const GroupPlacement& placement);
  void ScheduleTick();
  absl::Status StopAll();

  const BrokerOptions options_;
  const ClusterConfig config_;
  std::unique_ptr<DataDir> data_dir_;
  std::unique_ptr<LeaderTable> leaders_;
  SharedValue<ClusterView> view_;
  net::IoPool pool_;
  // Declared after pool_, so destroyed first: its queued sync jobs hold group runner state
  // whose strands belong to pool_.
  net::IoPool disk_pool_;
  std::unique_ptr<net::PeerTransport> transport_;
  std::unique_ptr<ControllerReplica> controller_;
  std::map<uint64_t, std::unique_ptr<DataReplica>> data_replicas_;
  std::map<uint64_t, std::unique_ptr<net::GroupRunner>> runners_;
  // Per group: Tick + the replica's OnTick, posted to the group's strand every tick.
  std::map<uint64_t, std::function<void(raft::Driver&)>> on_tick_;
  std::unique_ptr<RequestRouter> router_;
  std::unique_ptr<net::Server> server_;
  std::unique_ptr<asio::steady_timer> tick_timer_;

  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  bool stopped_ = false;
};

}  // namespace mq::broker
