#pragma once

// BrokerCluster: real mqbroker processes on 127.0.0.1 for integration tests. Each broker gets
// a free port, its own data directory under a temporary directory, and a log file; Start /
// Kill (SIGKILL) / Stop (SIGTERM, waits) / Restart act on one broker by id. The destructor
// kills whatever still runs. On a test failure, DumpLogs() prints the tail of every log.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "storage/fs/temp_dir.h"

namespace mq::testing {

class BrokerCluster {
 public:
  // `mqbroker` is the path of the broker binary.
  BrokerCluster(std::string mqbroker, int brokers = 3, int data_groups = 3);
  ~BrokerCluster();

  // Extra mqbroker flags for every later Start (e.g. {"--segment-bytes", "262144"}).
  void SetBrokerArgs(std::vector<std::string> args) { broker_args_ = std::move(args); }
  void StartAll();
  [[nodiscard]] absl::Status Start(uint64_t id);
  // SIGKILL, then reap.
  void Kill(uint64_t id);
  // SIGTERM, then wait for the exit; false when it did not exit cleanly (status != 0).
  bool Stop(uint64_t id);
  bool running(uint64_t id) const;

  // "127.0.0.1:p1,127.0.0.1:p2,..." for ClientOptions::servers.
  std::string servers() const;
  std::string address(uint64_t id) const;
  std::string log_path(uint64_t id) const;
  std::string data_dir(uint64_t id) const;
  void DumpLogs() const;

 private:
  std::string mqbroker_;
  int data_groups_;
  storage::TempDir dir_;
  std::map<uint64_t, uint16_t> ports_;
  std::map<uint64_t, pid_t> pids_;
  std::string peers_;
  std::vector<std::string> broker_args_;
};

// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
uint16_t FreePort();

}  // namespace mq::testing
