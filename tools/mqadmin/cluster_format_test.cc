#include "tools/mqadmin/cluster_format.h"

#include "gtest/gtest.h"

namespace mq::tools::mqadmin {
namespace {

protocol::ClusterStatusResponse SampleStatus() {
  protocol::ClusterStatusResponse status;
  status.cluster_id = "local";
  status.cluster_version = 7;
  status.brokers = {{.broker_id = 1,
                     .address = "127.0.0.1:9871",
                     .http_address = "127.0.0.1:8871",
                     .reachable = true},
                    {.broker_id = 2,
                     .address = "127.0.0.1:9872",
                     .http_address = "127.0.0.1:8872",
                     .reachable = false}};
  status.groups = {
      {.group_id = 0,
       .leader_broker_id = 1,
       .term = 3,
       .commit_index = 120,
       .applied_index = 119,
       .replicas = {{.broker_id = 1, .match_index = 120, .lag_entries = 0},
                    {.broker_id = 2,
                     .role = protocol::ReplicaRole::kLearner,
                     .match_index = 100,
                     .lag_entries = 20}}},
      {.group_id = 1, .leader_broker_id = 0, .term = 1, .replicas = {}},
  };
  return status;
}

TEST(ClusterFormatTest, JsonIsTheContractsCompactObject) {
  EXPECT_EQ(
      ClusterListJson(SampleStatus()),
      R"({"cluster_id":"local","cluster_version":7,"brokers":[)"
      R"({"broker_id":1,"address":"127.0.0.1:9871","http_address":"127.0.0.1:8871","reachable":true},)"
      R"({"broker_id":2,"address":"127.0.0.1:9872","http_address":"127.0.0.1:8872","reachable":false}],)"
      R"("groups":[{"group_id":0,"leader_broker_id":1,"term":3,"commit_index":120,"applied_index":119,)"
      R"("replicas":[{"broker_id":1,"role":"VOTER","match_index":120,"lag_entries":0},)"
      R"({"broker_id":2,"role":"LEARNER","match_index":100,"lag_entries":20}]},)"
      R"({"group_id":1,"leader_broker_id":0,"term":1,"commit_index":0,"applied_index":0,)"
      R"("replicas":[]}]})");
}

TEST(ClusterFormatTest, JsonSpellsAnUnelectedGroupTheWayClusterShGrepsIt) {
  const std::string json = ClusterListJson(SampleStatus());
  EXPECT_NE(json.find(R"("leader_broker_id":0,)"), std::string::npos);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_EQ(json.find(' '), std::string::npos);
}

TEST(ClusterFormatTest, EmptyStatus) {
  EXPECT_EQ(ClusterListJson({}),
            R"({"cluster_id":"","cluster_version":0,"brokers":[],"groups":[]})");
}

TEST(ClusterFormatTest, Table) {
  EXPECT_EQ(ClusterListTable(SampleStatus()),
            "Cluster local (version 7)\n"
            "\n"
            "BROKER  ADDRESS         HTTP            REACHABLE\n"
            "     1  127.0.0.1:9871  127.0.0.1:8871  yes\n"
            "     2  127.0.0.1:9872  127.0.0.1:8872  no\n"
            "\n"
            "GROUP  LEADER  TERM  COMMIT  APPLIED  REPLICA  ROLE     MATCH  LAG\n"
            "    0       1     3     120      119       *1  VOTER      120    0\n"
            "    0       1     3     120      119        2  LEARNER    100   20\n"
            "    1       -     1       0        0\n");
}

TEST(ClusterFormatTest, TableEscapesHostileText) {
  protocol::ClusterStatusResponse status;
  status.cluster_id = "evil\x1b[2J";
  EXPECT_EQ(ClusterListTable(status).rfind("Cluster evil\\u001b[2J (version 0)\n", 0), 0u);
}

}  // namespace
}  // namespace mq::tools::mqadmin
