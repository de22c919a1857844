#include "tools/mqbench/bench_config.h"

#include <array>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "storage/base/status_macros.h"
#include "tools/mqadmin/flags.h"

namespace mq::tools::mqbench {
namespace {

using mqadmin::FlagKind;
using mqadmin::FlagSpec;

const std::vector<FlagSpec>& Specs() {
  static const auto* specs = new std::vector<FlagSpec>{
      {"servers", FlagKind::kValue, "H:P,...", "bootstrap brokers (default 127.0.0.1:9871)"},
      {"topic", FlagKind::kValue, "NAME", "topic (default mqbench)"},
      {"queues", FlagKind::kValue, "N", "queue count if the topic is created (default 3)"},
      {"no-create", FlagKind::kSwitch, "", "do not create the topic when missing"},
      {"producers", FlagKind::kValue, "N", "producers, one thread and connection set each (1)"},
      {"consumers", FlagKind::kValue, "N", "consumers in the group, one thread each (1)"},
      {"size", FlagKind::kValue, "BYTES", "message body size, >= 16 (default 1024)"},
      {"count", FlagKind::kValue, "N", "messages in total (consume: 0 = the backlog at start)"},
      {"duration", FlagKind::kValue, "SECONDS", "stop after this long"},
      {"rate", FlagKind::kValue, "MSGS_PER_S", "target rate over all producers (default max)"},
      {"sync", FlagKind::kSwitch, "", "one message in flight per producer: Send and wait"},
      {"window", FlagKind::kValue, "N", "messages in flight per producer (async; default 1000)"},
      {"linger-ms", FlagKind::kValue, "MS", "producer linger (default 0)"},
      {"batch-messages", FlagKind::kValue, "N", "producer batch_messages_max (default 4096)"},
      {"warmup", FlagKind::kValue, "N", "per producer, sent one by one before the clock (100)"},
      {"fetch-messages", FlagKind::kValue, "N", "consumer fetch_messages_max (default 1000)"},
      {"group", FlagKind::kValue, "NAME", "consumer group (default: a fresh one per run)"},
      {"idle-timeout-ms", FlagKind::kValue, "MS", "consumers stop when idle this long (10000)"},
      {"deadline-ms", FlagKind::kValue, "MS", "client operation deadline (default 30000)"},
      {"json", FlagKind::kSwitch, "", "print the result as one JSON object on stdout"},
      {"no-progress", FlagKind::kSwitch, "", "no per-second progress line on stderr"},
      {"help", FlagKind::kSwitch, "", "this text"},
  };
  return *specs;
}

absl::Status Positive(std::string_view flag, uint64_t value) {
  if (value == 0) return absl::InvalidArgumentError(absl::StrFormat("--%s must be > 0", flag));
  return absl::OkStatus();
}

}  // namespace

std::string_view BenchModeName(BenchMode mode) {
  switch (mode) {
    case BenchMode::kProduce:
      return "produce";
    case BenchMode::kConsume:
      return "consume";
    case BenchMode::kEndToEnd:
      return "e2e";
  }
  return "?";
}

std::string BenchUsage() {
  return absl::StrCat(
      "usage: mqbench MODE [flags]\n"
      "  produce  producers send --count/--duration messages, --sync or --window N in flight,\n"
      "           at --rate or as fast as acks allow; reports throughput and ack latency\n"
      "  consume  a fresh consumer group reads the topic from earliest (catch-up from a\n"
      "           backlog); reports throughput\n"
      "  e2e      produce at --rate while the group consumes; reports end-to-end latency\n"
      "           (consumer receive time - born time, one machine clock) and ack latency\n"
      "Latencies in microseconds (p50 p90 p99 p99.9 max). Progress once a second on stderr.\n"
      "Flags:\n",
      mqadmin::FormatFlagHelp(Specs()));
}

absl::StatusOr<BenchConfig> ParseBenchConfig(std::span<const std::string> args) {
  BenchConfig config;
  if (args.empty()) return absl::InvalidArgumentError("missing MODE (produce, consume, e2e)");
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    return absl::NotFoundError("help");
  }
  if (args[0] == "produce") {
    config.mode = BenchMode::kProduce;
  } else if (args[0] == "consume") {
    config.mode = BenchMode::kConsume;
  } else if (args[0] == "e2e") {
    config.mode = BenchMode::kEndToEnd;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown mode '", args[0], "' (produce, consume, e2e)"));
  }
  MQ_ASSIGN_OR_RETURN(mqadmin::ParsedFlags flags, mqadmin::ParseFlags(Specs(), args.subspan(1)));
  if (flags.GetSwitch("help")) return absl::NotFoundError("help");

  config.servers = flags.Get("servers", config.servers);
  config.topic = flags.Get("topic", config.topic);
  if (config.topic.empty()) return absl::InvalidArgumentError("--topic must not be empty");
  config.create_topic = !flags.GetSwitch("no-create");
  config.json = flags.GetSwitch("json");
  config.progress = !flags.GetSwitch("no-progress");
  config.group = flags.Get("group");
  MQ_ASSIGN_OR_RETURN(config.queues, flags.GetUint32("queues", config.queues));
  MQ_RETURN_IF_ERROR(Positive("queues", config.queues));
  MQ_ASSIGN_OR_RETURN(config.producers, flags.GetUint32("producers", config.producers));
  MQ_RETURN_IF_ERROR(Positive("producers", config.producers));
  MQ_ASSIGN_OR_RETURN(config.consumers, flags.GetUint32("consumers", config.consumers));
  MQ_RETURN_IF_ERROR(Positive("consumers", config.consumers));
  MQ_ASSIGN_OR_RETURN(config.message_bytes, flags.GetUint32("size", config.message_bytes));
  if (config.message_bytes < kMessageBytesMin || config.message_bytes > kMessageBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("--size must be in [", kMessageBytesMin, ", ", kMessageBytesMax, "]"));
  }
  MQ_ASSIGN_OR_RETURN(config.count, flags.GetUint64("count", 0));
  MQ_ASSIGN_OR_RETURN(uint64_t duration_s, flags.GetUint64("duration", 0));
  if (duration_s > 30 * 24 * 3600) return absl::InvalidArgumentError("--duration too large");
  config.duration_ms = duration_s * 1000;
  MQ_ASSIGN_OR_RETURN(config.rate, flags.GetUint64("rate", 0));
  MQ_ASSIGN_OR_RETURN(config.window, flags.GetUint32("window", 1000));
  MQ_RETURN_IF_ERROR(Positive("window", config.window));
  if (flags.GetSwitch("sync")) {
    if (flags.Has("window")) return absl::InvalidArgumentError("--sync and --window exclude");
    config.window = 1;
  }
  MQ_ASSIGN_OR_RETURN(config.linger_ms, flags.GetUint32("linger-ms", config.linger_ms));
  MQ_ASSIGN_OR_RETURN(config.batch_messages_max,
                      flags.GetUint32("batch-messages", config.batch_messages_max));
  MQ_RETURN_IF_ERROR(Positive("batch-messages", config.batch_messages_max));
  MQ_ASSIGN_OR_RETURN(config.warmup_messages, flags.GetUint32("warmup", config.warmup_messages));
  MQ_ASSIGN_OR_RETURN(config.fetch_messages_max,
                      flags.GetUint32("fetch-messages", config.fetch_messages_max));
  MQ_RETURN_IF_ERROR(Positive("fetch-messages", config.fetch_messages_max));
  MQ_ASSIGN_OR_RETURN(config.idle_timeout_ms,
                      flags.GetUint64("idle-timeout-ms", config.idle_timeout_ms));
  MQ_RETURN_IF_ERROR(Positive("idle-timeout-ms", config.idle_timeout_ms));
  MQ_ASSIGN_OR_RETURN(config.deadline_ms, flags.GetUint32("deadline-ms", config.deadline_ms));
  MQ_RETURN_IF_ERROR(Positive("deadline-ms", config.deadline_ms));

  if (config.mode != BenchMode::kConsume && config.count == 0 && config.duration_ms == 0) {
    return absl::InvalidArgumentError("give --count or --duration");
  }
  if (config.mode == BenchMode::kEndToEnd && config.rate == 0) {
    return absl::InvalidArgumentError("e2e needs --rate (a fixed rate)");
  }
  return config;
}

}  // namespace mq::tools::mqbench
