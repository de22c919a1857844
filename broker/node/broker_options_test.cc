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
  auto o = Parse({"--id", "2", "--data=/d", "--peers", "1@a:1,2@b:2", "--listen", "0.0.0.0:2",
                  "--http=b:80", "--cluster-id", "c", "--data-groups", "5", "--threads=2",
                  "--tick-ms", "20", "--election-ticks", "8", "--peer-wait-ms", "0"});
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

}  // namespace
}  // namespace mq::broker
