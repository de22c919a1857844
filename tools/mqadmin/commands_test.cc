// The subcommands' run functions wired to mq_client, against a scripted FakeBroker: flags reach
// the request, responses reach stdout in the contract's shape, failures become one stderr line
// and exit 1. (Real brokers: the integration tests.)

#include "tools/mqadmin/commands.h"

#include <sstream>
#include <string>
#include <vector>

#include "client/fake_broker_testing.h"
#include "gtest/gtest.h"
#include "tools/mqadmin/cli.h"

namespace mq::tools::mqadmin {
namespace {

using client::testing::FakeBroker;

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

Result Mqadmin(std::vector<std::string> args) {
  std::istringstream in;
  std::ostringstream out, err;
  CommandIo io{in, out, err};
  const std::vector<Command> commands = AllCommands();
  const int code = RunCli(commands, args, io);
  return {code, out.str(), err.str()};
}

protocol::MetadataResponse Metadata(const FakeBroker& broker) {
  protocol::MetadataResponse metadata;
  metadata.cluster_id = "test";
  metadata.cluster_version = 1;
  metadata.controller_broker_id = 1;
  metadata.brokers = {{.broker_id = 1, .address = broker.address()}};
  metadata.groups = {{.group_id = 0, .leader_broker_id = 1, .term = 1, .replicas = {1}}};
  return metadata;
}

TEST(CommandsTest, ClusterListJsonComesFromTheBroker) {
  FakeBroker broker(1);
  broker.SetHandler([&](const protocol::Request& r) -> std::optional<protocol::Response> {
    if (std::holds_alternative<protocol::MetadataRequest>(r)) return Metadata(broker);
    protocol::ClusterStatusResponse status;
    status.cluster_id = "test";
    status.groups = {{.group_id = 0,
                      .leader_broker_id = 1,
                      .term = 2,
                      .commit_index = 5,
                      .applied_index = 5,
                      .replicas = {{.broker_id = 1, .match_index = 5}}}};
    return status;
  });
  Result r = Mqadmin({"clusterList", "--json", "--servers", broker.address()});
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            R"({"cluster_id":"test","cluster_version":0,"brokers":[],"groups":[{"group_id":0,)"
            R"("leader_broker_id":1,"term":2,"commit_index":5,"applied_index":5,"replicas":[)"
            R"({"broker_id":1,"role":"VOTER","match_index":5,"lag_entries":0}]}]})"
            "\n");
  EXPECT_EQ(r.err, "");
}

TEST(CommandsTest, UpdateTopicSendsTheFlagsAndPrintsTheVersion) {
  FakeBroker broker(1);
  broker.SetHandler([&](const protocol::Request& r) -> std::optional<protocol::Response> {
    if (std::holds_alternative<protocol::MetadataRequest>(r)) return Metadata(broker);
    return protocol::CreateTopicResponse{.cluster_version = 42};
  });
  Result r = Mqadmin({"updateTopic", "--topic", "orders", "--queues=16", "--type", "fifo",
                      "--retention-hours", "2", "--json", "--servers", broker.address()});
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "{\"topic\":\"orders\",\"cluster_version\":42}\n");
  const auto requests = broker.RequestsOf<protocol::CreateTopicRequest>();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0], (protocol::CreateTopicRequest{.name = "orders",
                                                       .queue_count = 16,
                                                       .message_type = protocol::MessageType::kFifo,
                                                       .retention_ms = 2 * 3600 * 1000}));
}

TEST(CommandsTest, BrokerRefusalIsOneStderrLineAndExit1) {
  FakeBroker broker(1);
  broker.SetHandler([&](const protocol::Request& r) -> std::optional<protocol::Response> {
    if (std::holds_alternative<protocol::MetadataRequest>(r)) return Metadata(broker);
    return protocol::CreateTopicResponse{
        .header = {.error_code = protocol::ErrorCode::kAlreadyExists,
                   .message = "topic orders exists with 8 queues",
                   .definite = true}};
  });
  Result r = Mqadmin({"updateTopic", "--topic", "orders", "--servers", broker.address()});
  EXPECT_EQ(r.exit_code, kExitFailure);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("mqadmin: updateTopic: rejected: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("ALREADY_EXISTS: topic orders exists with 8 queues"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1);  // one line
}

TEST(CommandsTest, UsageErrorsNeedNoCluster) {
  // No broker anywhere: these fail before any connection.
  Result r = Mqadmin({"updateTopic", "--topic", "t", "--queues", "0"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.err,
            "mqadmin: updateTopic: --queues: expected 1 to 1024, got 0 "
            "(see mqadmin updateTopic --help)\n");
  r = Mqadmin({"clusterList", "--servers", "nohost"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  r = Mqadmin({"queryMsgById", "--id", "00"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  r = Mqadmin({"sendMessage", "--topic", "t"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.err,
            "mqadmin: sendMessage: give exactly one of --body BODY and --stdin "
            "(see mqadmin sendMessage --help)\n");
}

TEST(CommandsTest, EverySubcommandHasHelp) {
  for (const Command& command : AllCommands()) {
    Result r = Mqadmin({command.name, "--help"});
    EXPECT_EQ(r.exit_code, kExitOk) << command.name;
    EXPECT_EQ(r.out.rfind("mqadmin " + command.name + ": ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("--json"), std::string::npos) << command.name;
  }
  std::vector<std::string> names;
  for (const Command& command : AllCommands()) names.push_back(command.name);
  EXPECT_EQ(names, (std::vector<std::string>{"clusterList", "updateTopic", "deleteTopic",
                                             "topicList", "topicStatus", "updateSubGroup",
                                             "deleteSubGroup", "consumerProgress", "sendMessage",
                                             "consumeMessage", "queryMsgById"}));
}

}  // namespace
}  // namespace mq::tools::mqadmin
