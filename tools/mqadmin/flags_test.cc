#include "tools/mqadmin/flags.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mq::tools::mqadmin {
namespace {

const std::vector<FlagSpec>& Specs() {
  static const std::vector<FlagSpec> specs = {
      {.name = "topic", .kind = FlagKind::kValue, .value_name = "NAME", .help = "the topic"},
      {.name = "queues", .kind = FlagKind::kValue, .value_name = "N", .help = "queue count"},
      {.name = "property", .kind = FlagKind::kRepeated, .value_name = "K=V", .help = "prop"},
      {.name = "json", .kind = FlagKind::kSwitch, .help = "json output"},
      {.name = "help", .kind = FlagKind::kSwitch, .help = "help"},
  };
  return specs;
}

absl::StatusOr<ParsedFlags> Parse(std::vector<std::string> args) {
  return ParseFlags(Specs(), args);
}

std::string ErrorOf(std::vector<std::string> args) {
  absl::StatusOr<ParsedFlags> flags = Parse(std::move(args));
  EXPECT_FALSE(flags.ok());
  EXPECT_EQ(flags.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(flags.status().message());
}

TEST(FlagsTest, SpaceAndEqualsFormsGiveTheSameValue) {
  absl::StatusOr<ParsedFlags> spaced = Parse({"--topic", "orders"});
  absl::StatusOr<ParsedFlags> joined = Parse({"--topic=orders"});
  ASSERT_TRUE(spaced.ok() && joined.ok());
  EXPECT_EQ(spaced->Get("topic"), "orders");
  EXPECT_EQ(joined->Get("topic"), "orders");
}

TEST(FlagsTest, EqualsFormKeepsEverythingAfterTheFirstEquals) {
  absl::StatusOr<ParsedFlags> flags = Parse({"--topic=a=b", "--queues="});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->Get("topic"), "a=b");
  EXPECT_TRUE(flags->Has("queues"));
  EXPECT_EQ(flags->Get("queues", "fallback"), "");
}

TEST(FlagsTest, EqualsFormAcceptsAValueStartingWithDashes) {
  absl::StatusOr<ParsedFlags> flags = Parse({"--topic=--x"});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->Get("topic"), "--x");
}

TEST(FlagsTest, RepeatedFlagKeepsOrder) {
  absl::StatusOr<ParsedFlags> flags =
      Parse({"--property", "b=2", "--property=a=1", "--property", "c="});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->GetAll("property"), (std::vector<std::string>{"b=2", "a=1", "c="}));
  EXPECT_TRUE(Parse({})->GetAll("property").empty());
}

TEST(FlagsTest, AbsentFlagsFallBack) {
  absl::StatusOr<ParsedFlags> flags = Parse({});
  ASSERT_TRUE(flags.ok());
  EXPECT_FALSE(flags->Has("topic"));
  EXPECT_EQ(flags->Get("topic", "dflt"), "dflt");
  EXPECT_EQ(flags->GetOptional("topic"), std::nullopt);
  EXPECT_FALSE(flags->GetSwitch("json"));
  EXPECT_EQ(*flags->GetUint64("queues", 8), 8u);
}

TEST(FlagsTest, Switches) {
  EXPECT_TRUE(Parse({"--json"})->GetSwitch("json"));
  EXPECT_TRUE(Parse({"--json=true"})->GetSwitch("json"));
  EXPECT_FALSE(Parse({"--json=false"})->GetSwitch("json"));
  EXPECT_TRUE(Parse({"--json", "--json"})->GetSwitch("json"));
  EXPECT_EQ(ErrorOf({"--json=yes"}), "--json takes no value (or =true / =false), got 'yes'");
}

TEST(FlagsTest, ShortHelpIsHelp) { EXPECT_TRUE(Parse({"-h"})->Has("help")); }

TEST(FlagsTest, UnknownFlagIsOneClearLine) {
  EXPECT_EQ(ErrorOf({"--topic", "t", "--bogus", "1"}), "unknown flag --bogus");
  EXPECT_EQ(ErrorOf({"--bogus=1"}), "unknown flag --bogus");
  EXPECT_EQ(ErrorOf({"--Topic", "t"}), "unknown flag --Topic");
}

TEST(FlagsTest, MissingValue) {
  EXPECT_EQ(ErrorOf({"--topic"}), "--topic needs a value (--topic NAME)");
  // A following flag is not taken as the value.
  EXPECT_EQ(ErrorOf({"--topic", "--json"}), "--topic needs a value (--topic NAME)");
  EXPECT_EQ(ErrorOf({"--property"}), "--property needs a value (--property K=V)");
}

TEST(FlagsTest, ValueFlagTwiceIsAnError) {
  EXPECT_EQ(ErrorOf({"--topic", "a", "--topic=b"}), "--topic given more than once");
}

TEST(FlagsTest, PositionalArgumentsAreRefused) {
  EXPECT_EQ(ErrorOf({"orders"}), "unexpected argument 'orders' (flags start with --)");
  EXPECT_EQ(ErrorOf({"-x"}), "unexpected argument '-x' (flags start with --)");
  EXPECT_EQ(ErrorOf({"--"}), "unexpected argument '--' (flags start with --)");
  EXPECT_EQ(ErrorOf({"--topic", "a", "b"}), "unexpected argument 'b' (flags start with --)");
}

TEST(FlagsTest, RequiredFlags) {
  const std::vector<FlagSpec> specs = {
      {.name = "group", .value_name = "NAME", .help = "g", .required = true},
      {.name = "help", .kind = FlagKind::kSwitch, .help = "help"},
  };
  absl::StatusOr<ParsedFlags> missing = ParseFlags(specs, std::vector<std::string>{});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "missing required flag --group NAME");
  // --help needs nothing else.
  EXPECT_TRUE(ParseFlags(specs, std::vector<std::string>{"--help"}).ok());
  EXPECT_TRUE(ParseFlags(specs, std::vector<std::string>{"--group", "g"}).ok());
}

TEST(FlagsTest, TypedIntegers) {
  absl::StatusOr<ParsedFlags> flags = Parse({"--queues", "18446744073709551615"});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(*flags->GetUint64("queues", 0), UINT64_MAX);
  EXPECT_FALSE(flags->GetUint32("queues", 0).ok());
  EXPECT_EQ(*Parse({"--queues=4294967295"})->GetUint32("queues", 0), UINT32_MAX);

  for (const char* bad : {"-1", "1x", "", " 1", "18446744073709551616", "0x10", "+3"}) {
    absl::StatusOr<ParsedFlags> parsed = Parse({std::string("--queues=") + bad});
    ASSERT_TRUE(parsed.ok());
    absl::StatusOr<uint64_t> value = parsed->GetUint64("queues", 0);
    ASSERT_FALSE(value.ok()) << bad;
    EXPECT_EQ(value.status().message(),
              std::string("--queues: expected a non-negative integer, got '") + bad + "'");
  }
}

TEST(FlagsTest, ParseDecimalUint64) {
  EXPECT_EQ(ParseDecimalUint64("0"), 0u);
  EXPECT_EQ(ParseDecimalUint64("007"), 7u);
  EXPECT_EQ(ParseDecimalUint64("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(ParseDecimalUint64("18446744073709551616"), std::nullopt);
  EXPECT_EQ(ParseDecimalUint64("99999999999999999999"), std::nullopt);
  EXPECT_EQ(ParseDecimalUint64(""), std::nullopt);
  EXPECT_EQ(ParseDecimalUint64("1.5"), std::nullopt);
}

TEST(FlagsTest, SplitKeyValue) {
  auto kv = SplitKeyValue("property", "a=b=c");
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ(kv->first, "a");
  EXPECT_EQ(kv->second, "b=c");
  auto empty_value = SplitKeyValue("property", "a=");
  ASSERT_TRUE(empty_value.ok());
  EXPECT_EQ(empty_value->second, "");
  EXPECT_EQ(SplitKeyValue("property", "novalue").status().message(),
            "--property: expected KEY=VALUE with a non-empty KEY, got 'novalue'");
  EXPECT_FALSE(SplitKeyValue("property", "=v").ok());
}

TEST(FlagsTest, HelpBlockIsAligned) {
  EXPECT_EQ(FormatFlagHelp(Specs()),
            "  --topic NAME    the topic\n"
            "  --queues N      queue count\n"
            "  --property K=V  prop (repeatable)\n"
            "  --json          json output\n"
            "  --help          help\n");
}

}  // namespace
}  // namespace mq::tools::mqadmin
