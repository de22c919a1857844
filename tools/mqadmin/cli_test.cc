#include "tools/mqadmin/cli.h"

#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mq::tools::mqadmin {
namespace {

// Fake subcommands: they echo what they parsed, or fail the way they are told to.
absl::Status RunEcho(const ParsedFlags& flags, CommandIo& io) {
  io.out << "servers=" << flags.Get("servers", kDefaultServers) << " name=" << flags.Get("name")
         << " json=" << flags.GetSwitch("json") << "\n";
  return absl::OkStatus();
}

absl::Status RunFail(const ParsedFlags& flags, CommandIo& io) {
  io.out << "partial output\n";
  if (flags.Has("usage")) return UsageError("--usage: bad value");
  return absl::UnavailableError("unknown: UNAVAILABLE: no broker answered\nsecond line");
}

std::vector<Command> FakeCommands() {
  return {
      {.name = "echo",
       .summary = "prints its flags",
       .description = "Echo echoes.",
       .flags = {{.name = "name", .value_name = "NAME", .help = "a name"}},
       .run = RunEcho},
      {.name = "fail",
       .summary = "always fails",
       .flags = {{.name = "usage", .kind = FlagKind::kSwitch, .help = "fail as a usage error"}},
       .run = RunFail},
  };
}

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

Result Mqadmin(std::vector<std::string> args) {
  std::istringstream in;
  std::ostringstream out, err;
  CommandIo io{in, out, err};
  const std::vector<Command> commands = FakeCommands();
  const int code = RunCli(commands, args, io);
  return {code, out.str(), err.str()};
}

TEST(CliTest, RunsTheSubcommandWithItsFlags) {
  Result r = Mqadmin({"echo", "--name=x", "--json", "--servers", "h:1"});
  EXPECT_EQ(r.exit_code, kExitOk);
  EXPECT_EQ(r.out, "servers=h:1 name=x json=1\n");
  EXPECT_EQ(r.err, "");
}

TEST(CliTest, DefaultServersAreTheLocalCluster) {
  Result r = Mqadmin({"echo"});
  EXPECT_EQ(r.out, "servers=127.0.0.1:9871,127.0.0.1:9872,127.0.0.1:9873 name= json=0\n");
}

TEST(CliTest, ToolHelp) {
  for (const char* flag : {"--help", "-h", "help"}) {
    Result r = Mqadmin({flag});
    EXPECT_EQ(r.exit_code, kExitOk);
    EXPECT_NE(r.out.find("Usage: mqadmin SUBCOMMAND [flags]"), std::string::npos);
    EXPECT_NE(r.out.find("  echo  prints its flags\n  fail  always fails\n"), std::string::npos)
        << r.out;
    EXPECT_EQ(r.err, "");
  }
}

TEST(CliTest, NoSubcommandPrintsHelpOnStderrAndExits2) {
  Result r = Mqadmin({});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("Usage:"), std::string::npos);
}

TEST(CliTest, SubcommandHelpListsItsFlagsAndTheCommonOnes) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"echo", "--help"}, std::vector<std::string>{"help", "echo"},
        std::vector<std::string>{"echo", "--name", "x", "-h"}}) {
    Result r = Mqadmin(args);
    EXPECT_EQ(r.exit_code, kExitOk);
    EXPECT_EQ(r.out.rfind("mqadmin echo: prints its flags\n\nEcho echoes.\n\nFlags:\n", 0), 0u)
        << r.out;
    for (const char* flag :
         {"--name NAME", "--servers H:P[,H:P...]", "--deadline-ms MS", "--json", "--help"}) {
      EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
    }
  }
}

TEST(CliTest, UnknownSubcommand) {
  Result r = Mqadmin({"bogus"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.err, "mqadmin: bogus: unknown subcommand (see mqadmin --help)\n");
  r = Mqadmin({"help", "bogus"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.err, "mqadmin: help: unknown subcommand 'bogus'\n");
  r = Mqadmin({"--json"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.err, "mqadmin: usage: expected a subcommand before '--json' (see mqadmin --help)\n");
}

TEST(CliTest, UnknownFlagIsOneLineAndExit2) {
  Result r = Mqadmin({"echo", "--bogus", "1"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "mqadmin: echo: unknown flag --bogus (see mqadmin echo --help)\n");
}

TEST(CliTest, FlagOfAnotherSubcommandIsUnknown) {
  Result r = Mqadmin({"fail", "--name", "x"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.err, "mqadmin: fail: unknown flag --name (see mqadmin fail --help)\n");
}

TEST(CliTest, FailureIsOneLineOnStderrAndExit1) {
  Result r = Mqadmin({"fail"});
  EXPECT_EQ(r.exit_code, kExitFailure);
  EXPECT_EQ(r.out, "partial output\n");
  EXPECT_EQ(r.err, "mqadmin: fail: unknown: UNAVAILABLE: no broker answered second line\n");
}

TEST(CliTest, UsageErrorFromTheSubcommandExits2) {
  Result r = Mqadmin({"fail", "--usage"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.err, "mqadmin: fail: --usage: bad value (see mqadmin fail --help)\n");
}

TEST(CliTest, UsageErrorMarking) {
  EXPECT_TRUE(IsUsageError(UsageError("x")));
  EXPECT_TRUE(IsUsageError(AsUsageError(absl::InvalidArgumentError("x"))));
  EXPECT_EQ(AsUsageError(absl::InvalidArgumentError("msg")).message(), "msg");
  EXPECT_TRUE(AsUsageError(absl::OkStatus()).ok());
  EXPECT_FALSE(IsUsageError(absl::InvalidArgumentError("from a broker")));
}

}  // namespace
}  // namespace mq::tools::mqadmin
