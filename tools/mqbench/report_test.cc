#include "tools/mqbench/report.h"

#include "gtest/gtest.h"

namespace mq::tools::mqbench {
namespace {

BenchResult Sample() {
  BenchResult r;
  r.mode = BenchMode::kProduce;
  r.messages = 2000;
  r.bytes = 2000 * 1000;
  r.sent = 2000;
  r.elapsed_us = 2'000'000;
  for (uint64_t v = 1; v <= 100; ++v) r.ack_us.Record(v * 10);
  return r;
}

TEST(ReportTest, Rates) {
  BenchResult r = Sample();
  EXPECT_DOUBLE_EQ(r.msgs_per_s(), 1000.0);
  EXPECT_DOUBLE_EQ(r.mb_per_s(), 1.0);
  r.elapsed_us = 0;
  EXPECT_EQ(r.msgs_per_s(), 0.0);
}

TEST(ReportTest, JsonHasThroughputAndPercentiles) {
  EXPECT_EQ(FormatJson(Sample()),
            R"({"mode":"produce","messages":2000,"bytes":2000000,"sent":2000,"errors":0,)"
            R"("elapsed_us":2000000,"msgs_per_s":1000,"bytes_per_s":1000000,)"
            R"("ack_us":{"count":100,"min":10,"p50":503,"p90":903,"p99":991,"p999":1000,)"
            R"("max":1000,"mean":505}})");
}

TEST(ReportTest, JsonCarriesEndToEndAndTheFirstError) {
  BenchResult r;
  r.mode = BenchMode::kEndToEnd;
  r.errors = 1;
  r.first_error = "unknown: \"boom\"";
  r.e2e_us.Record(42);
  EXPECT_EQ(FormatJson(r),
            R"({"mode":"e2e","messages":0,"bytes":0,"sent":0,"errors":1,"elapsed_us":0,)"
            R"("msgs_per_s":0,"bytes_per_s":0,"e2e_us":{"count":1,"min":42,"p50":42,"p90":42,)"
            R"("p99":42,"p999":42,"max":42,"mean":42},"first_error":"unknown: \"boom\""})");
}

TEST(ReportTest, TextNamesEverything) {
  const std::string text = FormatText(Sample());
  EXPECT_NE(text.find("produce: 2,000 msgs in 2.000 s = 1,000 msgs/s, 1.0 MB/s, 0 errors"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("produce ack"), std::string::npos);
  // Percentiles are the bucket's highest value (500 is in [500, 503]).
  EXPECT_NE(text.find("p50=0.503 p90=0.903 p99=0.991 p999=1.000 max=1.000"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("end-to-end"), std::string::npos);
  EXPECT_EQ(text.find("first error"), std::string::npos);
}

TEST(ReportTest, ProgressLineShowsRatesSinceThePreviousSample) {
  ProgressSample previous{
      .elapsed_ms = 1000, .acked = 1000, .received = 0, .errors = 0, .in_flight = 0};
  ProgressSample now{
      .elapsed_ms = 3000, .acked = 5000, .received = 2000, .errors = 3, .in_flight = 1000};
  EXPECT_EQ(FormatProgress(now, previous, 1000),
            "[   3.0s] acked 2,000/s 2.0 MB/s | received 1,000/s 1.0 MB/s | errors 3 | "
            "in flight 1000");
}

TEST(ReportTest, Thousands) {
  EXPECT_EQ(WithThousands(0), "0");
  EXPECT_EQ(WithThousands(999), "999");
  EXPECT_EQ(WithThousands(1000), "1,000");
  EXPECT_EQ(WithThousands(1234567), "1,234,567");
}

}  // namespace
}  // namespace mq::tools::mqbench
