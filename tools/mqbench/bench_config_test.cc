#include "tools/mqbench/bench_config.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mq::tools::mqbench {
namespace {

absl::StatusOr<BenchConfig> Parse(std::vector<std::string> args) { return ParseBenchConfig(args); }

TEST(BenchConfigTest, ProduceDefaultsAndFlags) {
  auto c = Parse({"produce", "--count", "20000"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->mode, BenchMode::kProduce);
  EXPECT_EQ(c->count, 20000u);
  EXPECT_EQ(c->window, 1000u);
  EXPECT_EQ(c->warmup_messages, 100u);
  EXPECT_FALSE(c->sync());
  EXPECT_EQ(c->message_bytes, 1024u);
  EXPECT_EQ(c->topic, "mqbench");
  EXPECT_TRUE(c->create_topic);
  EXPECT_TRUE(c->progress);
  EXPECT_FALSE(c->json);

  c = Parse({"produce", "--servers",        "h:1",         "--topic",
             "t",       "--queues",         "6",           "--producers",
             "4",       "--size",           "100",         "--duration",
             "5",       "--rate",           "5000",        "--sync",
             "--json",  "--no-progress",    "--no-create", "--linger-ms",
             "2",       "--batch-messages", "64",          "--warmup",
             "0"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->servers, "h:1");
  EXPECT_EQ(c->topic, "t");
  EXPECT_EQ(c->queues, 6u);
  EXPECT_EQ(c->producers, 4u);
  EXPECT_EQ(c->message_bytes, 100u);
  EXPECT_EQ(c->duration_ms, 5000u);
  EXPECT_EQ(c->rate, 5000u);
  EXPECT_TRUE(c->sync());
  EXPECT_TRUE(c->json);
  EXPECT_FALSE(c->progress);
  EXPECT_FALSE(c->create_topic);
  EXPECT_EQ(c->linger_ms, 2u);
  EXPECT_EQ(c->batch_messages_max, 64u);
  EXPECT_EQ(c->warmup_messages, 0u);
}

TEST(BenchConfigTest, ConsumeNeedsNoCount) {
  auto c = Parse({"consume", "--group", "g", "--consumers", "2", "--fetch-messages", "500",
                  "--idle-timeout-ms", "3000"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->mode, BenchMode::kConsume);
  EXPECT_EQ(c->count, 0u);
  EXPECT_EQ(c->group, "g");
  EXPECT_EQ(c->consumers, 2u);
  EXPECT_EQ(c->fetch_messages_max, 500u);
  EXPECT_EQ(c->idle_timeout_ms, 3000u);
}

TEST(BenchConfigTest, EndToEndNeedsARate) {
  EXPECT_FALSE(Parse({"e2e", "--count", "100"}).ok());
  auto c = Parse({"e2e", "--count", "100", "--rate", "1000"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->mode, BenchMode::kEndToEnd);
  EXPECT_EQ(BenchModeName(c->mode), "e2e");
}

TEST(BenchConfigTest, HelpIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(Parse({"--help"}).status()));
  EXPECT_TRUE(absl::IsNotFound(Parse({"-h"}).status()));
  EXPECT_TRUE(absl::IsNotFound(Parse({"produce", "--help"}).status()));
  EXPECT_NE(BenchUsage().find("--window"), std::string::npos);
}

TEST(BenchConfigTest, UsageErrors) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"fly"},
      {"produce"},                                  // neither count nor duration
      {"produce", "--count", "x"},                  // not a number
      {"produce", "--count", "1", "--size", "15"},  // below the stamp
      {"produce", "--count", "1", "--size", "99999999"},
      {"produce", "--count", "1", "--window", "0"},
      {"produce", "--count", "1", "--sync", "--window", "5"},
      {"produce", "--count", "1", "--producers", "0"},
      {"produce", "--count", "1", "--queues", "0"},
      {"produce", "--count", "1", "--topic", ""},
      {"produce", "--count", "1", "--bogus"},
      {"consume", "--consumers", "0"},
      {"consume", "--fetch-messages", "0"},
      {"consume", "--idle-timeout-ms", "0"},
      {"consume", "--deadline-ms", "0"},
      {"produce", "--count", "1", "--batch-messages", "0"},
      {"produce", "--count", "1", "--warmup", "-1"},
      {"produce", "--count", "1", "--warmup", "lots"},
      {"produce", "--duration", "99999999999"},
  };
  for (const auto& args : bad) {
    auto c = Parse(args);
    EXPECT_TRUE(absl::IsInvalidArgument(c.status()))
        << (args.empty() ? "(none)" : args.back()) << ": " << c.status();
  }
}

}  // namespace
}  // namespace mq::tools::mqbench
