#include "storage/base/status_macros.h"

#include "gtest/gtest.h"

namespace mq {
namespace {

absl::StatusOr<int> Half(int v) {
  if (v % 2 != 0) return absl::InvalidArgumentError("odd");
  return v / 2;
}

absl::StatusOr<int> Quarter(int v) {
  MQ_ASSIGN_OR_RETURN(int half, Half(v));
  MQ_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status Check(int v) {
  MQ_RETURN_IF_ERROR(Half(v).status());
  return absl::OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(StatusMacrosTest, ReturnIfErrorPropagates) {
  EXPECT_TRUE(Check(2).ok());
  EXPECT_EQ(Check(3).message(), "odd");
}

TEST(StatusMacrosDeathTest, CheckAbortsWithLocation) {
  EXPECT_DEATH(MQ_CHECK(1 + 1 == 3), "MQ_CHECK failed at .*status_macros_test.cc");
  EXPECT_DEATH(MQ_CHECK_OK(absl::DataLossError("disk")), "DATA_LOSS: disk");
}

}  // namespace
}  // namespace mq
