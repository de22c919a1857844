#include "raft/config.h"

#include <functional>
#include <string>

#include "gtest/gtest.h"

namespace mq::raft {
namespace {

Config Good() {
  Config c;
  c.id = 1;
  return c;
}

TEST(ConfigTest, DefaultsWithAnIdAreValid) { EXPECT_TRUE(ValidateConfig(Good()).ok()); }

TEST(ConfigTest, EachBadFieldIsNamed) {
  struct Case {
    std::string field;
    std::function<void(Config&)> spoil;
  };
  const Case cases[] = {
      {"id", [](Config& c) { c.id = 0; }},
      {"heartbeat_timeout_ticks", [](Config& c) { c.heartbeat_timeout_ticks = 0; }},
      {"election_timeout_ticks", [](Config& c) { c.election_timeout_ticks = 1; }},
      {"election_timeout_ticks", [](Config& c) { c.election_timeout_ticks = 1 << 30; }},
      {"append_entries_bytes_max", [](Config& c) { c.append_entries_bytes_max = 0; }},
      {"inflight_msgs_max", [](Config& c) { c.inflight_msgs_max = 0; }},
      {"inflight_bytes_max", [](Config& c) { c.inflight_bytes_max = 1; }},
      {"uncommitted_bytes_max", [](Config& c) { c.uncommitted_bytes_max = 0; }},
      {"committed_entries_bytes_max", [](Config& c) { c.committed_entries_bytes_max = 0; }},
      {"lease_read",
       [](Config& c) {
         c.lease_read = true;
         c.check_quorum = false;
       }},
  };
  for (const Case& tc : cases) {
    Config c = Good();
    tc.spoil(c);
    absl::Status s = ValidateConfig(c);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << tc.field;
    EXPECT_NE(std::string(s.message()).find(tc.field), std::string::npos) << s;
  }
}

TEST(ConfigTest, LeaseReadWithCheckQuorumIsValid) {
  Config c = Good();
  c.lease_read = true;
  EXPECT_TRUE(ValidateConfig(c).ok());
}

}  // namespace
}  // namespace mq::raft
