#include "broker/core/data/tag_filter.h"

#include <string>

#include "gtest/gtest.h"

namespace mq::broker {
namespace {

TEST(TagHashTest, IsFnv1a64AndNeverChanges) {
  // Published FNV-1a 64 test vectors: consume queues on disk depend on these values.
  EXPECT_EQ(TagHash("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(TagHash("foobar"), 0x85944171f73967e8ull);
  EXPECT_EQ(TagHash(""), kNoTagHash);
  EXPECT_NE(TagHash("TagA"), TagHash("TagB"));
}

TEST(TagFilterTest, MatchAllForms) {
  for (const char* expr : {"", "*", "  *  ", " "}) {
    absl::StatusOr<TagFilter> f = TagFilter::Parse(expr);
    ASSERT_TRUE(f.ok()) << expr << ": " << f.status();
    EXPECT_TRUE(f->matches_all());
    EXPECT_TRUE(f->Matches(""));
    EXPECT_TRUE(f->Matches("x"));
    EXPECT_TRUE(f->MatchesHash(kNoTagHash));
    EXPECT_TRUE(f->MatchesHash(12345));
  }
  EXPECT_TRUE(TagFilter().matches_all());
}

TEST(TagFilterTest, Alternatives) {
  absl::StatusOr<TagFilter> f = TagFilter::Parse(" b ||a||  c || a ");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_FALSE(f->matches_all());
  EXPECT_EQ(f->tags(), (std::vector<std::string>{"a", "b", "c"}));
  for (const char* tag : {"a", "b", "c"}) {
    EXPECT_TRUE(f->Matches(tag));
    EXPECT_TRUE(f->MatchesHash(TagHash(tag)));
  }
  EXPECT_FALSE(f->Matches("d"));
  EXPECT_FALSE(f->Matches("ab"));
  EXPECT_FALSE(f->MatchesHash(TagHash("d")));
  // An untagged message matches only the match-all filter.
  EXPECT_FALSE(f->Matches(""));
  EXPECT_FALSE(f->MatchesHash(kNoTagHash));

  absl::StatusOr<TagFilter> one = TagFilter::Parse("TagA");
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one->Matches("TagA"));
  EXPECT_FALSE(one->Matches("taga"));
}

TEST(TagFilterTest, RefusesBadExpressions) {
  for (const char* expr : {"a ||", "|| a", "a |||| b", "a | b", "a |", "|", "||", "a || *",
                           "* || a", "a b", "a ||  || b", "a\tb", "a\x01"}) {
    absl::StatusOr<TagFilter> f = TagFilter::Parse(expr);
    EXPECT_FALSE(f.ok()) << "accepted \"" << expr << "\"";
    if (!f.ok()) {
      EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(std::string(f.status().message()).find("tag filter"), std::string::npos);
    }
  }
  std::string many;
  for (size_t i = 0; i <= kTagFilterTagsMax; ++i) many += "t" + std::to_string(i) + "||";
  many += "last";
  EXPECT_FALSE(TagFilter::Parse(many).ok());
}

}  // namespace
}  // namespace mq::broker
