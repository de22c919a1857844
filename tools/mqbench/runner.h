#pragma once
// RunBench: one mqbench run against a live cluster, on the C++ client (mq_client).
//
// Measured phases:
//  - produce: from the first send to the last ack (every producer flushed and closed). Ack
//    latency = Send (sync) or SendAsync (window) call -> result, per message.
//  - consume: from the consumers' first Poll (group join included) until `count` messages (or
//    the backlog found at start) arrived.
//  - e2e: consumers join the group at the latest offsets first; then producers send at --rate;
//    the phase ends when every acked message of this run was received. End-to-end latency =
//    receive time (after Poll returned it) - the born time stamped in the body.
//
// Threads: one per producer, one per consumer, one for the progress line; per-thread
// histograms merged at the end (no allocation or lock per message on the recording path,
// except a producer's callback lock, uncontended).
#include "absl/status/statusor.h"
#include "tools/mqbench/bench_config.h"
#include "tools/mqbench/report.h"

namespace mq::tools::mqbench {

[[nodiscard]] absl::StatusOr<BenchResult> RunBench(const BenchConfig& config);

}  // namespace mq::tools::mqbench
