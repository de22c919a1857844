#include "tools/mqadmin/json_writer.h"

#include <string>

#include "gtest/gtest.h"

namespace mq::tools::mqadmin {
namespace {

using std::string_literals::operator""s;

TEST(JsonStringTest, PlainTextIsQuotedAsIs) {
  EXPECT_EQ(JsonString(""), R"("")");
  EXPECT_EQ(JsonString("hello world /~"), R"("hello world /~")");
}

TEST(JsonStringTest, QuoteAndBackslashAreEscaped) {
  EXPECT_EQ(JsonString(R"(say "hi" \o/)"), R"("say \"hi\" \\o/")");
}

TEST(JsonStringTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(JsonString("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(JsonString("a\x01"
                       "b\x1f"
                       "c\x7f"),
            R"("a\u0001b\u001fc\u007f")");
  EXPECT_EQ(JsonString("\x1b[31m"), R"("\u001b[31m")");
  // A NUL in the middle is kept, escaped.
  EXPECT_EQ(JsonString("a\0b"s), R"("a\u0000b")");
}

TEST(JsonStringTest, ValidUtf8PassesThrough) {
  EXPECT_EQ(JsonString("caf\xc3\xa9"), "\"caf\xc3\xa9\"");            // 2 bytes
  EXPECT_EQ(JsonString("\xe2\x82\xac"), "\"\xe2\x82\xac\"");          // euro, 3 bytes
  EXPECT_EQ(JsonString("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");  // emoji, 4 bytes
  EXPECT_EQ(JsonString("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");  // U+10FFFF
  EXPECT_EQ(JsonString("\xe2\x80\xa8"), "\"\xe2\x80\xa8\"");          // U+2028
  EXPECT_EQ(JsonString("\xc2\x80"), "\"\xc2\x80\"");                  // U+0080
}

TEST(JsonStringTest, InvalidUtf8BytesAreEscapedOnePerByte) {
  EXPECT_EQ(JsonString("\xff"), R"("\u00ff")");
  EXPECT_EQ(JsonString("a\x80z"), R"("a\u0080z")");                  // stray continuation
  EXPECT_EQ(JsonString("\xe2\x82"), R"("\u00e2\u0082")");            // truncated 3-byte sequence
  EXPECT_EQ(JsonString("\xe2\x82x"), R"("\u00e2\u0082x")");          // interrupted sequence
  EXPECT_EQ(JsonString("\xc0\xaf"), R"("\u00c0\u00af")");            // overlong '/'
  EXPECT_EQ(JsonString("\xe0\x80\xaf"), R"("\u00e0\u0080\u00af")");  // overlong 3-byte
  EXPECT_EQ(JsonString("\xf0\x80\x80\xaf"), R"("\u00f0\u0080\u0080\u00af")");  // overlong 4-byte
  EXPECT_EQ(JsonString("\xed\xa0\x80"), R"("\u00ed\u00a0\u0080")");            // surrogate U+D800
  EXPECT_EQ(JsonString("\xf4\x90\x80\x80"), R"("\u00f4\u0090\u0080\u0080")");  // > U+10FFFF
  EXPECT_EQ(JsonString("\xf8\x88\x80\x80\x80"), R"("\u00f8\u0088\u0080\u0080\u0080")");
  // Valid text around an invalid byte stays intact.
  EXPECT_EQ(JsonString("\xc3\xa9\xfe\xc3\xa9"), "\"\xc3\xa9\\u00fe\xc3\xa9\"");
}

TEST(JsonStringTest, EveryByteValueGivesValidOutput) {
  // Each single byte: printable ASCII as is, everything else escaped (no raw control or
  // high byte may reach the output).
  for (int b = 0; b < 256; ++b) {
    const std::string out = JsonString(std::string(1, static_cast<char>(b)));
    for (char c : out) {
      const auto u = static_cast<unsigned char>(c);
      EXPECT_TRUE(u >= 0x20 && u < 0x7f) << "byte " << b << " -> " << out;
    }
  }
}

TEST(JsonWriterTest, CompactObject) {
  JsonWriter w;
  w.BeginObject().Key("group_id").Uint(1).Key("leader_broker_id").Uint(2).EndObject();
  EXPECT_EQ(w.str(), R"({"group_id":1,"leader_broker_id":2})");
  EXPECT_TRUE(w.complete());
}

TEST(JsonWriterTest, FieldHelpersWriteKeyThenValue) {
  JsonWriter w;
  w.BeginObject().UintField("n", 7).StringField("s", "a\tb").BoolField("b", false).EndObject();
  EXPECT_EQ(w.str(), R"({"n":7,"s":"a\tb","b":false})");
}

TEST(JsonWriterTest, NestingAndEveryValueKind) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a").BeginArray().Uint(0).Int(-5).Bool(true).Bool(false).Null().String("x").EndArray();
  w.Key("empty_array").BeginArray().EndArray();
  w.Key("empty_object").BeginObject().EndObject();
  w.Key("nested").BeginArray().BeginObject().Key("k").String("v").EndObject().BeginObject();
  w.EndObject().EndArray();
  w.Key("big").Uint(UINT64_MAX).Key("min").Int(INT64_MIN);
  w.EndObject();
  EXPECT_EQ(w.str(),
            R"({"a":[0,-5,true,false,null,"x"],"empty_array":[],"empty_object":{},)"
            R"("nested":[{"k":"v"},{}],"big":18446744073709551615,"min":-9223372036854775808})");
}

TEST(JsonWriterTest, KeysAreEscapedToo) {
  JsonWriter w;
  w.BeginObject().Key("a\"b\n").String("\xff").EndObject();
  EXPECT_EQ(w.str(), R"({"a\"b\n":"\u00ff"})");
}

TEST(JsonWriterTest, IncompleteUntilBalanced) {
  JsonWriter w;
  EXPECT_FALSE(w.complete());
  w.BeginArray();
  EXPECT_FALSE(w.complete());
  w.EndArray();
  EXPECT_TRUE(w.complete());
}

TEST(JsonWriterDeathTest, MisuseIsAProgrammerError) {
  EXPECT_DEATH(
      {
        JsonWriter w;
        w.BeginObject().Uint(1);
      },
      "object key is due");
  EXPECT_DEATH(
      {
        JsonWriter w;
        w.BeginArray().EndObject();
      },
      "EndObject");
  EXPECT_DEATH(
      {
        JsonWriter w;
        w.Uint(1).Uint(2);
      },
      "second top-level value");
}

}  // namespace
}  // namespace mq::tools::mqadmin
