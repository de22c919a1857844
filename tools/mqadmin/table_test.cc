#include "tools/mqadmin/table.h"

#include "gtest/gtest.h"
#include "tools/mqadmin/text.h"

namespace mq::tools::mqadmin {
namespace {

TEST(TableTest, ColumnsAlignToTheWidestCell) {
  Table table({{"TOPIC"}, {"QUEUE", Align::kRight}, {"MAX", Align::kRight}});
  table.AddRow({"orders", "0", "12"});
  table.AddRow({"o", "10", "240"});
  EXPECT_EQ(table.row_count(), 2u);
  EXPECT_EQ(table.Render(),
            "TOPIC   QUEUE  MAX\n"
            "orders      0   12\n"
            "o          10  240\n");
}

TEST(TableTest, NoTrailingSpacesAndMissingCellsPrintEmpty) {
  Table table({{"A"}, {"B"}, {"C"}});
  table.AddRow({"long-value"});
  table.AddRow({"x", "y", ""});
  EXPECT_EQ(table.Render(),
            "A           B  C\n"
            "long-value\n"
            "x           y\n");
}

TEST(TableTest, HeaderOnly) {
  Table table({{"BROKER", Align::kRight}, {"ADDRESS"}});
  EXPECT_EQ(table.Render(), "BROKER  ADDRESS\n");
}

TEST(TableTest, WidthCountsCodePointsNotBytes) {
  Table table({{"NAME"}, {"N", Align::kRight}});
  table.AddRow({"caf\xc3\xa9", "1"});  // 4 code points, 5 bytes
  table.AddRow({"abcd", "2"});
  EXPECT_EQ(table.Render(),
            "NAME  N\n"
            "caf\xc3\xa9  1\n"
            "abcd  2\n");
  EXPECT_EQ(DisplayWidth("\xe2\x82\xac\xf0\x9f\x98\x80"), 2u);
}

TEST(TableDeathTest, TooManyCells) {
  EXPECT_DEATH(
      {
        Table table({{"A"}});
        table.AddRow({"1", "2"});
      },
      "more cells than columns");
}

TEST(TextTest, DisplayTextKeepsCleanTextAndEscapesTheRest) {
  EXPECT_EQ(DisplayText("hello \"world\" \\ caf\xc3\xa9"), "hello \"world\" \\ caf\xc3\xa9");
  EXPECT_EQ(DisplayText("line1\nline2"), "line1\\nline2");
  EXPECT_EQ(DisplayText("\x1b[2J"), "\\u001b[2J");
  EXPECT_EQ(DisplayText("a\xff\"b"), "a\\u00ff\\\"b");
  EXPECT_EQ(DisplayText(""), "");
}

TEST(TextTest, FormatTimeMs) {
  EXPECT_EQ(FormatTimeMs(0), "-");
  EXPECT_EQ(FormatTimeMs(1), "1970-01-01T00:00:00.001Z");
  EXPECT_EQ(FormatTimeMs(1700000000123), "2023-11-14T22:13:20.123Z");
}

}  // namespace
}  // namespace mq::tools::mqadmin
