#include "broker/node/broker_options.h"

#include <fstream>

#include "gtest/gtest.h"
#include "storage/fs/temp_dir.h"

namespace mq::broker {
namespace {

absl::StatusOr<BrokerOptions> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "mqbroker");
  return ParseBrokerOptions(args);
}

TEST(BrokerOptionsTest, ParsesEveryFlagInBothSpellings) {
  auto o = Parse({"--id",
                  "2",
                  "--data=/d",
                  "--peers",
                  "1@a:1,2@b:2",
                  "--listen",
                  "0.0.0.0:2",
                  "--http=b:80",
                  "--cluster-id",
                  "c",
                  "--data-groups",
                  "5",
                  "--threads=2",
                  "--tick-ms",
                  "20",
                  "--election-ticks",
                  "8",
                  "--peer-wait-ms",
                  "0",
                  "--disk-threads=3"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->broker_id, 2u);
  EXPECT_EQ(o->data_dir, "/d");
  EXPECT_EQ(o->peers, "1@a:1,2@b:2");
  EXPECT_EQ(o->listen, "0.0.0.0:2");
  EXPECT_EQ(o->http_listen, "b:80");
  EXPECT_EQ(o->cluster_id, "c");
  EXPECT_EQ(o->data_groups, 5u);
  EXPECT_EQ(o->threads, 2u);
  EXPECT_EQ(o->tick_ms, 20u);
  EXPECT_EQ(o->election_ticks, 8u);
  EXPECT_EQ(o->peer_wait_ms, 0u);
  EXPECT_EQ(o->disk_threads, 3u);
}

TEST(BrokerOptionsTest, DiskThreadsDefaultAndLimits) {
  const std::vector<std::string> required = {"--id", "1", "--data", "/d", "--peers", "1@a:1"};
  auto o = Parse(required);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->disk_threads, 2u);
  EXPECT_EQ(o->threads, 1u);
  std::vector<std::string> args = required;
  args.insert(args.end(), {"--disk-threads", "0"});
  o = Parse(args);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->disk_threads, 0u);  // inline fsyncs on the group strands
  args = required;
  args.insert(args.end(), {"--disk-threads", "65"});
  EXPECT_EQ(Parse(args).status().message(), "--disk-threads: 65 is outside [0, 64]");
  args = required;
  args.insert(args.end(), {"--disk-threads", "-1"});
  EXPECT_FALSE(Parse(args).ok());
  EXPECT_NE(BrokerUsage().find("--disk-threads N"), std::string::npos);

  storage::TempDir dir;
  const std::string path = dir.path() + "/broker.conf";
  std::ofstream(path) << "id = 1\ndata = /d\npeers = 1@a:1\ndisk-threads = 4\n";
  o = Parse({"--config", path});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->disk_threads, 4u);
}

TEST(BrokerOptionsTest, HelpSkipsRequiredChecks) {
  auto o = Parse({"--help"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->help);
  EXPECT_NE(BrokerUsage().find("--peers"), std::string::npos);
}

TEST(BrokerOptionsTest, ClearErrors) {
  EXPECT_EQ(Parse({"--data", "/d", "--peers", "1@a:1"}).status().message(), "--id is required");
  EXPECT_EQ(Parse({"--id", "1", "--peers", "1@a:1"}).status().message(), "--data is required");
  EXPECT_EQ(Parse({"--id", "1", "--data", "/d"}).status().message(), "--peers is required");
  EXPECT_EQ(Parse({"--id", "x1"}).status().message(), "--id: 'x1' is not a number");
  EXPECT_EQ(Parse({"--id", "0"}).status().message(), "--id: 0 is outside [1, 1048576]");
  EXPECT_EQ(Parse({"--bogus", "1"}).status().message(),
            "unknown option --bogus (see mqbroker --help)");
  EXPECT_EQ(Parse({"--id"}).status().message(), "--id needs a value");
  EXPECT_EQ(Parse({"stray"}).status().message(),
            "unexpected argument 'stray' (see mqbroker --help)");
}

TEST(BrokerOptionsTest, ConfigFileWithFlagsWinning) {
  storage::TempDir dir;
  const std::string path = dir.path() + "/broker.conf";
  std::ofstream(path) << "# a broker\nid = 3\ndata = /from-file  # trailing comment\n"
                         "peers=1@a:1,2@b:2,3@c:3\n\nthreads = 7\n";
  auto o = Parse({"--config", path, "--threads", "2"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->broker_id, 3u);
  EXPECT_EQ(o->data_dir, "/from-file");
  EXPECT_EQ(o->threads, 2u);

  std::ofstream(path) << "id 3\n";
  EXPECT_NE(Parse({"--config", path}).status().message().find("expected 'name = value'"),
            absl::string_view::npos);
  std::ofstream(path, std::ios::trunc) << "colour = blue\n";
  EXPECT_EQ(Parse({"--config", path}).status().message(),
            "unknown option --colour (see mqbroker --help)");
  EXPECT_EQ(Parse({"--config", dir.path() + "/missing"}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(BrokerOptionsTest, RetentionFlagsDefaultsAndConfigKeys) {
  const std::vector<std::string> required = {"--id", "1", "--data", "/d", "--peers", "1@a:1"};
  auto o = Parse(required);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->retention_ms, 72ull * 3600 * 1000);
  EXPECT_EQ(o->retention_bytes, 0u);
  EXPECT_EQ(o->segment_bytes, 64ull << 20);
  EXPECT_NE(BrokerUsage().find("--retention-ms"), std::string::npos);
  EXPECT_NE(BrokerUsage().find("--retention-bytes"), std::string::npos);
  EXPECT_NE(BrokerUsage().find("--segment-bytes"), std::string::npos);

  std::vector<std::string> args = required;
  args.insert(args.end(),
              {"--retention-ms", "0", "--retention-bytes=1048576", "--segment-bytes", "262144"});
  o = Parse(args);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->retention_ms, 0u);
  EXPECT_EQ(o->retention_bytes, 1048576u);
  EXPECT_EQ(o->segment_bytes, 262144u);

  storage::TempDir dir;
  const std::string path = dir.path() + "/broker.conf";
  std::ofstream(path) << "retention-ms = 3600000\nretention-bytes = 2097152\n"
                         "segment-bytes = 1048576\n";
  args = required;
  args.insert(args.end(), {"--config", path, "--segment-bytes", "65536"});
  o = Parse(args);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->retention_ms, 3600000u);
  EXPECT_EQ(o->retention_bytes, 2097152u);
  EXPECT_EQ(o->segment_bytes, 65536u);  // the flag wins
}

TEST(BrokerOptionsTest, RetentionFlagErrors) {
  auto parse = [](std::vector<std::string> extra) {
    std::vector<std::string> args = {"--id", "1", "--data", "/d", "--peers", "1@a:1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Parse(args).status();
  };
  EXPECT_EQ(parse({"--segment-bytes", "1000"}).message(),
            "--segment-bytes: 1000 is outside [65536, 1073741824]");
  EXPECT_EQ(parse({"--retention-ms", "-1"}).message(), "--retention-ms: '-1' is not a number");
  EXPECT_EQ(parse({"--retention-bytes", "2M"}).message(),
            "--retention-bytes: '2M' is not a number");
  EXPECT_EQ(parse({"--retention-bytes", "100000"}).message(),
            "--retention-bytes 100000 is below --segment-bytes 67108864: a data group always "
            "keeps its active segment, so the limit must hold at least one segment");
  EXPECT_TRUE(parse({"--retention-bytes", "65536", "--segment-bytes", "65536"}).ok());
}

}  // namespace
}  // namespace mq::broker
