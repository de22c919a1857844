#pragma once

// BrokerOptions: everything `mqbroker` is told on its command line or in its config file.
//
// Flags are `--name value` or `--name=value`; `--config FILE` reads the same names from a file,
// one `name = value` per line (`#` starts a comment), and flags given on the command line win
// over the file. Unknown names, missing values and malformed numbers are errors naming the
// flag: nothing is silently ignored.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mq::broker {

struct BrokerOptions {
  uint64_t broker_id = 0;   // --id, required, >= 1
  std::string data_dir;     // --data, required
  std::string listen;       // --listen, default: this broker's address in --peers
  std::string http_listen;  // --http (HTTP bridge; announced in metadata)
  std::string peers;        // --peers 1@H:P,2@H:P,3@H:P, required
  std::string cluster_id = "raftmq";
  uint32_t data_groups = 3;       // --data-groups: Raft groups holding messages
  uint32_t threads = 1;           // --threads: I/O and group threads
  uint32_t disk_threads = 2;      // --disk-threads: log fdatasyncs off the I/O threads (0: none)
  uint32_t tick_ms = 50;          // --tick-ms: one Raft tick
  uint32_t election_ticks = 10;   // --election-ticks: election timeout in ticks (randomized x1..x2)
  uint32_t peer_wait_ms = 60000;  // --peer-wait-ms: startup wait for a majority of peers (0: none)
  // Retention of each data group's log (whole segments; per-topic settings can only raise
  // these, since a group's segments are shared by all its topics).
  uint64_t retention_ms = 72ull * 3600 * 1000;  // --retention-ms (0: no time limit)
  uint64_t retention_bytes = 0;                 // --retention-bytes per data group (0: no limit)
  uint64_t segment_bytes = 64ull << 20;         // --segment-bytes: data group log segment size
  bool help = false;
};

// The text `mqbroker --help` prints.
std::string BrokerUsage();

// Parses argv (argv[0] is skipped). A `--help` anywhere sets `help` and skips the checks of
// required flags.
[[nodiscard]] absl::StatusOr<BrokerOptions> ParseBrokerOptions(
    const std::vector<std::string>& args);

}  // namespace mq::broker
