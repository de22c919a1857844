#pragma once
// BenchResult and its two renderings: a human table and one JSON object (--json) that
// bench/compare.sh reads. Pure formatting: tested without a broker.
#include <cstdint>
#include <string>

#include "tools/mqbench/bench_config.h"
#include "tools/mqbench/histogram.h"

namespace mq::tools::mqbench {

struct BenchResult {
  BenchMode mode = BenchMode::kProduce;
  uint64_t messages = 0;  // produce: acked; consume/e2e: received (this run's only)
  uint64_t bytes = 0;     // message bodies
  uint64_t sent = 0;      // produce/e2e: sends started
  uint64_t errors = 0;
  std::string first_error{};
  uint64_t elapsed_us = 0;    // the measured phase (see runner.h)
  LatencyHistogram ack_us{};  // send -> ack (produce, e2e)
  LatencyHistogram e2e_us{};  // born -> consumer receive (e2e)

  double msgs_per_s() const;
  double mb_per_s() const;  // 10^6 bytes per second
};

// "produce: 20,000 msgs in 10.2 s = 1,960 msgs/s, 2.0 MB/s, 0 errors" + latency lines.
std::string FormatText(const BenchResult& result);
// {"mode":"produce","messages":N,"bytes":N,"sent":N,"errors":N,"elapsed_us":N,
//  "msgs_per_s":N,"bytes_per_s":N,"ack_us":{"count":N,"min":N,"p50":N,"p90":N,"p99":N,
//  "p999":N,"max":N,"mean":N},"e2e_us":{...},"first_error":"..."} (integers; absent parts
// omitted: e2e_us without samples, first_error when there was none).
std::string FormatJson(const BenchResult& result);

// Counters a progress line shows, sampled once a second.
struct ProgressSample {
  uint64_t elapsed_ms = 0;
  uint64_t acked = 0;     // cumulative
  uint64_t received = 0;  // cumulative
  uint64_t errors = 0;    // cumulative
  int64_t in_flight = 0;
};
// "[  3.0s] acked 12,000/s 12.3 MB/s | received 11,900/s 12.2 MB/s | errors 0 | in flight 1000"
// Rates are the difference to `previous` over the time between them.
std::string FormatProgress(const ProgressSample& now, const ProgressSample& previous,
                           uint32_t message_bytes);

// 1234567 -> "1,234,567".
std::string WithThousands(uint64_t value);

}  // namespace mq::tools::mqbench
