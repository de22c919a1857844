#pragma once
// BenchConfig: what one mqbench run does, parsed from its command line (see BenchUsage()).
//
//   mqbench produce  --topic T --producers N --size B (--count N | --duration S) [--rate R]
//                    (--sync | --window W)
//   mqbench consume  --topic T [--group G] [--consumers N] [--count N]   (catch-up from earliest)
//   mqbench e2e      --topic T --rate R (--count N | --duration S)       (produce while consuming)
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mq::tools::mqbench {

enum class BenchMode : uint8_t { kProduce, kConsume, kEndToEnd };
std::string_view BenchModeName(BenchMode mode);  // "produce", "consume", "e2e"

struct BenchConfig {
  BenchMode mode = BenchMode::kProduce;
  std::string servers = "127.0.0.1:9871";
  std::string topic = "mqbench";
  uint32_t queues = 3;  // queue count when the topic is created
  bool create_topic = true;
  uint32_t producers = 1;  // each one its own Producer (own connections) on its own thread
  uint32_t consumers = 1;  // each one its own PullConsumer in `group`
  uint32_t message_bytes = 1024;
  // Stop after `count` messages in total (produce/e2e: sent; consume: received; 0 in consume
  // mode = the backlog found at start) or after `duration_ms`, whichever comes first. Produce
  // and e2e need at least one of them.
  uint64_t count = 0;
  uint64_t duration_ms = 0;
  uint64_t rate = 0;    // messages/s over all producers; 0 = as fast as acks allow
  uint32_t window = 1;  // messages in flight per producer; 1 = --sync (Send, wait each ack)
  uint32_t linger_ms = 0;
  uint32_t batch_messages_max = 4096;
  // Messages each producer sends with Send (one at a time, round-robin over the queues) before
  // the clock starts: connecting, the producer id, the routes and each queue's first write are
  // then not part of the measured run (like the peers' benchmarks, which warm up too).
  uint32_t warmup_messages = 100;
  uint32_t fetch_messages_max = 1000;
  std::string group{};               // "" = a fresh "mqbench-<pid>-<ms>" group
  uint64_t idle_timeout_ms = 10000;  // consumers: give up when nothing arrives this long
  uint32_t deadline_ms = 30000;      // client operation deadline
  bool json = false;
  bool progress = true;  // one line per second on stderr

  bool sync() const { return window == 1; }
};

// The smallest message: a 16-byte stamp (run id, born time in microseconds) starts each body.
inline constexpr uint32_t kMessageBytesMin = 16;
inline constexpr uint32_t kMessageBytesMax = 4u << 20;

// `args` = everything after the program name: the mode, then flags. InvalidArgument with a
// one-line message for a usage error; NotFound("help") when --help/-h was asked.
[[nodiscard]] absl::StatusOr<BenchConfig> ParseBenchConfig(std::span<const std::string> args);

std::string BenchUsage();

}  // namespace mq::tools::mqbench
