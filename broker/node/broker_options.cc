#include "broker/node/broker_options.h"

#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/base/status_macros.h"

namespace mq::broker {
namespace {

// Bounds of the retention flags: ten years, 1 PiB, and segments from 64 KiB (tests) to 1 GiB.
constexpr uint64_t kRetentionMsMax = 10ull * 365 * 24 * 3600 * 1000;
constexpr uint64_t kRetentionBytesMax = 1ull << 50;
constexpr uint64_t kSegmentBytesMin = 64ull << 10;
constexpr uint64_t kSegmentBytesMax = 1ull << 30;

std::string Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return "";
  const auto last = s.find_last_not_of(" \t\r");
  return std::string(s.substr(first, last - first + 1));
}

template <typename T>
absl::StatusOr<T> ParseNumber(const std::string& name, const std::string& value, T min, T max) {
  T out{};
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat("--%s: '%s' is not a number", name, value));
  }
  if (out < min || out > max) {
    return absl::InvalidArgumentError(absl::StrFormat("--%s: %s is outside [%d, %d]", name, value,
                                                      static_cast<uint64_t>(min),
                                                      static_cast<uint64_t>(max)));
  }
  return out;
}

absl::Status Set(BrokerOptions& o, const std::string& name, const std::string& value) {
  if (name == "id") {
    MQ_ASSIGN_OR_RETURN(o.broker_id, ParseNumber<uint64_t>(name, value, 1, 1u << 20));
  } else if (name == "data") {
    o.data_dir = value;
  } else if (name == "listen") {
    o.listen = value;
  } else if (name == "http") {
    o.http_listen = value;
  } else if (name == "peers") {
    o.peers = value;
  } else if (name == "cluster-id") {
    o.cluster_id = value;
  } else if (name == "data-groups") {
    MQ_ASSIGN_OR_RETURN(o.data_groups, ParseNumber<uint32_t>(name, value, 1, 64));
  } else if (name == "threads") {
    MQ_ASSIGN_OR_RETURN(o.threads, ParseNumber<uint32_t>(name, value, 1, 64));
  } else if (name == "disk-threads") {
    MQ_ASSIGN_OR_RETURN(o.disk_threads, ParseNumber<uint32_t>(name, value, 0, 64));
  } else if (name == "tick-ms") {
    MQ_ASSIGN_OR_RETURN(o.tick_ms, ParseNumber<uint32_t>(name, value, 1, 10000));
  } else if (name == "election-ticks") {
    MQ_ASSIGN_OR_RETURN(o.election_ticks, ParseNumber<uint32_t>(name, value, 2, 1000));
  } else if (name == "peer-wait-ms") {
    MQ_ASSIGN_OR_RETURN(o.peer_wait_ms, ParseNumber<uint32_t>(name, value, 0, 3600000));
  } else if (name == "retention-ms") {
    MQ_ASSIGN_OR_RETURN(o.retention_ms, ParseNumber<uint64_t>(name, value, 0, kRetentionMsMax));
  } else if (name == "retention-bytes") {
    MQ_ASSIGN_OR_RETURN(o.retention_bytes,
                        ParseNumber<uint64_t>(name, value, 0, kRetentionBytesMax));
  } else if (name == "segment-bytes") {
    MQ_ASSIGN_OR_RETURN(o.segment_bytes,
                        ParseNumber<uint64_t>(name, value, kSegmentBytesMin, kSegmentBytesMax));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown option --", name, " (see mqbroker --help)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string>> ReadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("--config: cannot read ", path));
  std::map<std::string, std::string> values;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string text = Trim(line.substr(0, line.find('#')));
    if (text.empty()) continue;
    const auto eq = text.find('=');
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s:%d: expected 'name = value', got '%s'", path, number, text));
    }
    values[Trim(text.substr(0, eq))] = Trim(text.substr(eq + 1));
  }
  return values;
}

}  // namespace

std::string BrokerUsage() {
  return R"(mqbroker: one RaftMQ broker.

Usage: mqbroker --id N --data DIR --peers 1@HOST:PORT,2@HOST:PORT,3@HOST:PORT [options]

The brokers listed in --peers form one cluster on first start (every broker must be given the
same list) and rejoin it on restart. Each holds a replica of the controller group and of the
data groups, which hold the messages.

Options:
  --id N               this broker's id in --peers (required)
  --data DIR           data directory, created if missing; one broker per directory (required)
  --peers LIST         every broker of the cluster as ID@HOST:PORT, comma-separated (required)
  --listen HOST:PORT   client and peer port to bind (default: this broker's --peers address)
  --http HOST:PORT     HTTP bridge address announced to clients (default: none)
  --cluster-id NAME    cluster name; a data dir of another cluster is refused (default raftmq)
  --data-groups N      Raft groups holding messages, fixed at cluster creation (default 3)
  --threads N          I/O and Raft group threads (default 1: with the fdatasyncs on disk
                       threads one I/O thread keeps up, and every extra one adds thread hand-offs
                       to each request)
  --disk-threads N     threads that run the Raft log fdatasyncs, so I/O threads never wait for
                       the disk and groups sync in parallel (default 2; 0: each group syncs on
                       its I/O thread)
  --tick-ms MS         Raft tick (default 50)
  --election-ticks N   election timeout in ticks, randomized up to twice that (default 10)
  --peer-wait-ms MS    at startup, wait this long for a majority of the brokers to answer, then
                       exit with an error naming the unreachable ones; 0 skips the check
                       (default 60000)
  --retention-ms MS    keep messages at least this long (default 259200000 = 72 h; 0: no time
                       limit); whole log segments older than that are deleted. A topic's own
                       retention can only raise it: topics share their data group's segments
  --retention-bytes N  per data group, delete the oldest segments while the group's log holds
                       more than N bytes (default 0: no size limit); at least --segment-bytes
  --segment-bytes N    size of a data group's log segment, the unit retention deletes
                       (default 67108864 = 64 MiB; 65536 to 1073741824)
  --config FILE        read options from FILE, one 'name = value' per line (flags win)
  --help               print this text

Stop with SIGTERM or Ctrl-C: in-flight writes finish, then the broker exits.
)";
}

absl::StatusOr<BrokerOptions> ParseBrokerOptions(const std::vector<std::string>& args) {
  std::map<std::string, std::string> flags;
  std::string config_file;
  BrokerOptions options;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      return options;
    }
    if (arg.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", arg, "' (see mqbroker --help)"));
    }
    std::string name = arg.substr(2);
    std::string value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
    }
    if (name == "config") {
      config_file = value;
    } else {
      flags[name] = value;
    }
  }
  if (!config_file.empty()) {
    MQ_ASSIGN_OR_RETURN(auto from_file, ReadConfigFile(config_file));
    for (const auto& [name, value] : from_file) {
      if (!flags.contains(name)) {
        MQ_RETURN_IF_ERROR(Set(options, name, value));
      }
    }
  }
  for (const auto& [name, value] : flags) MQ_RETURN_IF_ERROR(Set(options, name, value));

  if (options.broker_id == 0) return absl::InvalidArgumentError("--id is required");
  if (options.data_dir.empty()) return absl::InvalidArgumentError("--data is required");
  if (options.peers.empty()) return absl::InvalidArgumentError("--peers is required");
  if (options.cluster_id.empty()) return absl::InvalidArgumentError("--cluster-id is empty");
  if (options.retention_bytes != 0 && options.retention_bytes < options.segment_bytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--retention-bytes %d is below --segment-bytes %d: a data group always keeps its "
        "active segment, so the limit must hold at least one segment",
        options.retention_bytes, options.segment_bytes));
  }
  return options;
}

}  // namespace mq::broker
