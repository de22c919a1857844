#include "raft/payload.h"

#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace mq::raft {
namespace {

TEST(PayloadTest, EmptyAllocatesNothing) {
  Payload p;
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.size(), 0u);
  EXPECT_EQ(p.use_count(), 0);
  EXPECT_EQ(p.view(), "");
  EXPECT_EQ(Payload(std::string_view()).use_count(), 0);
  EXPECT_EQ(Payload(std::string()).use_count(), 0);
}

TEST(PayloadTest, CopiesBytesFromAView) {
  std::string source = "hello";
  Payload p{std::string_view(source)};
  source[0] = 'j';
  EXPECT_EQ(p.view(), "hello");
  EXPECT_EQ(p.size(), 5u);
}

TEST(PayloadTest, AdoptsAStringWithoutCopying) {
  std::string source(1000, 'x');
  const char* bytes = source.data();
  Payload p(std::move(source));
  EXPECT_EQ(p.data(), bytes);
  EXPECT_EQ(p.size(), 1000u);
}

TEST(PayloadTest, CopiesShareAndMovesTransfer) {
  Payload a{std::string_view("abc")};
  Payload b = a;
  EXPECT_EQ(a.use_count(), 2);
  EXPECT_EQ(a.data(), b.data());
  Payload c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_EQ(a.use_count(), 2);
  c = Payload{std::string_view("other")};
  EXPECT_EQ(a.use_count(), 1);
  Payload& self = a;
  a = self;
  EXPECT_EQ(a.use_count(), 1);
  a = std::move(self);
  EXPECT_EQ(a.view(), "abc");
}

TEST(PayloadTest, EqualityComparesBytes) {
  EXPECT_EQ(Payload(std::string_view("x")), Payload(std::string("x")));
  EXPECT_FALSE(Payload(std::string_view("x")) == Payload(std::string_view("y")));
  EXPECT_TRUE(Payload(std::string_view("x")) == std::string_view("x"));
}

}  // namespace
}  // namespace mq::raft
