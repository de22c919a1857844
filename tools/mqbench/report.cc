#include "tools/mqbench/report.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/mqadmin/json_writer.h"

namespace mq::tools::mqbench {
namespace {

constexpr double kPercentiles[] = {50, 90, 99, 99.9};
constexpr const char* kPercentileKeys[] = {"p50", "p90", "p99", "p999"};

std::string Millis(uint64_t us) { return absl::StrFormat("%.3f", us / 1000.0); }

void AppendLatencyLine(std::string* out, std::string_view label, const LatencyHistogram& h) {
  absl::StrAppend(out, absl::StrFormat("  %-14s n=%s", label, WithThousands(h.count())));
  for (size_t i = 0; i < std::size(kPercentiles); ++i) {
    absl::StrAppend(out, " ", kPercentileKeys[i], "=",
                    Millis(h.ValueAtPercentile(kPercentiles[i])));
  }
  absl::StrAppend(out, " max=", Millis(h.max()), " mean=", Millis(static_cast<uint64_t>(h.mean())),
                  " ms\n");
}

void WriteLatency(mqadmin::JsonWriter& w, std::string_view key, const LatencyHistogram& h) {
  w.Key(key).BeginObject().UintField("count", h.count()).UintField("min", h.min());
  for (size_t i = 0; i < std::size(kPercentiles); ++i) {
    w.UintField(kPercentileKeys[i], h.ValueAtPercentile(kPercentiles[i]));
  }
  w.UintField("max", h.max()).UintField("mean", static_cast<uint64_t>(std::llround(h.mean())));
  w.EndObject();
}

double PerSecond(uint64_t amount, uint64_t micros) {
  return micros == 0 ? 0.0 : static_cast<double>(amount) * 1e6 / static_cast<double>(micros);
}

}  // namespace

double BenchResult::msgs_per_s() const { return PerSecond(messages, elapsed_us); }
double BenchResult::mb_per_s() const { return PerSecond(bytes, elapsed_us) / 1e6; }

std::string WithThousands(uint64_t value) {
  std::string digits = absl::StrCat(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string FormatText(const BenchResult& r) {
  std::string out =
      absl::StrFormat("%s: %s msgs in %.3f s = %s msgs/s, %.1f MB/s, %s errors\n",
                      BenchModeName(r.mode), WithThousands(r.messages), r.elapsed_us / 1e6,
                      WithThousands(static_cast<uint64_t>(std::llround(r.msgs_per_s()))),
                      r.mb_per_s(), WithThousands(r.errors));
  if (r.ack_us.count() > 0) AppendLatencyLine(&out, "produce ack", r.ack_us);
  if (r.e2e_us.count() > 0) AppendLatencyLine(&out, "end-to-end", r.e2e_us);
  if (!r.first_error.empty()) absl::StrAppend(&out, "  first error: ", r.first_error, "\n");
  return out;
}

std::string FormatJson(const BenchResult& r) {
  mqadmin::JsonWriter w;
  w.BeginObject()
      .StringField("mode", BenchModeName(r.mode))
      .UintField("messages", r.messages)
      .UintField("bytes", r.bytes)
      .UintField("sent", r.sent)
      .UintField("errors", r.errors)
      .UintField("elapsed_us", r.elapsed_us)
      .UintField("msgs_per_s", static_cast<uint64_t>(std::llround(r.msgs_per_s())))
      .UintField("bytes_per_s", static_cast<uint64_t>(std::llround(r.mb_per_s() * 1e6)));
  if (r.ack_us.count() > 0) WriteLatency(w, "ack_us", r.ack_us);
  if (r.e2e_us.count() > 0) WriteLatency(w, "e2e_us", r.e2e_us);
  if (!r.first_error.empty()) w.StringField("first_error", r.first_error);
  w.EndObject();
  return w.str();
}

std::string FormatProgress(const ProgressSample& now, const ProgressSample& previous,
                           uint32_t message_bytes) {
  const uint64_t dt_us = (now.elapsed_ms - previous.elapsed_ms) * 1000;
  const double acked = PerSecond(now.acked - previous.acked, dt_us);
  const double received = PerSecond(now.received - previous.received, dt_us);
  return absl::StrFormat(
      "[%6.1fs] acked %s/s %.1f MB/s | received %s/s %.1f MB/s | errors %s | in flight %d",
      now.elapsed_ms / 1000.0, WithThousands(static_cast<uint64_t>(std::llround(acked))),
      acked * message_bytes / 1e6, WithThousands(static_cast<uint64_t>(std::llround(received))),
      received * message_bytes / 1e6, WithThousands(now.errors), now.in_flight);
}

}  // namespace mq::tools::mqbench
