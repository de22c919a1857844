#include "client/protocol/error_code.h"

#include <set>

#include "gtest/gtest.h"

namespace mq::protocol {
namespace {

TEST(ErrorCodeTest, NamesAreTheWireSpelling) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kOk), "OK");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotLeader), "NOT_LEADER");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kRebalanceInProgress), "REBALANCE_IN_PROGRESS");
  EXPECT_EQ(ErrorCodeName(kErrorCodeLast), "TOO_LARGE");
  EXPECT_EQ(ErrorCodeName(static_cast<ErrorCode>(999)), "ERROR_CODE(999)");
  std::set<std::string> names;
  for (uint16_t c = 0; c <= static_cast<uint16_t>(kErrorCodeLast); ++c) {
    names.insert(ErrorCodeName(static_cast<ErrorCode>(c)));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kErrorCodeLast) + 1);
}

TEST(ErrorCodeTest, SuccessAndRetriable) {
  EXPECT_TRUE(IsSuccess(ErrorCode::kOk));
  EXPECT_TRUE(IsSuccess(ErrorCode::kDuplicate));
  EXPECT_FALSE(IsSuccess(ErrorCode::kTimeout));
  for (ErrorCode c : {ErrorCode::kNotLeader, ErrorCode::kTimeout, ErrorCode::kUnavailable,
                      ErrorCode::kRebalanceInProgress, ErrorCode::kThrottled}) {
    EXPECT_TRUE(IsRetriable(c)) << ErrorCodeName(c);
  }
  for (ErrorCode c :
       {ErrorCode::kOk, ErrorCode::kInvalidArgument, ErrorCode::kFenced, ErrorCode::kUnknownTopic,
        ErrorCode::kTooLarge, static_cast<ErrorCode>(999)}) {
    EXPECT_FALSE(IsRetriable(c)) << ErrorCodeName(c);
  }
}

TEST(ErrorCodeTest, EveryKnownCodeMapsToAStatusCode) {
  EXPECT_TRUE(IsKnownErrorCode(kErrorCodeLast));
  EXPECT_FALSE(IsKnownErrorCode(static_cast<ErrorCode>(static_cast<uint16_t>(kErrorCodeLast) + 1)));
  for (uint16_t c = 0; c <= static_cast<uint16_t>(kErrorCodeLast); ++c) {
    const auto code = static_cast<ErrorCode>(c);
    EXPECT_NE(ToStatusCode(code), absl::StatusCode::kUnknown) << ErrorCodeName(code);
    EXPECT_EQ(ToStatusCode(code) == absl::StatusCode::kOk, IsSuccess(code)) << ErrorCodeName(code);
  }
  EXPECT_EQ(ToStatusCode(ErrorCode::kNotLeader), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ToStatusCode(ErrorCode::kTimeout), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(ToStatusCode(static_cast<ErrorCode>(999)), absl::StatusCode::kUnknown);
}

}  // namespace
}  // namespace mq::protocol
