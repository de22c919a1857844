#include "client/protocol/api_key.h"

#include <set>

#include "gtest/gtest.h"

namespace mq::protocol {
namespace {

TEST(ApiKeyTest, Names) {
  EXPECT_EQ(ApiKeyName(ApiKey::kHello), "Hello");
  EXPECT_EQ(ApiKeyName(ApiKey::kProduce), "Produce");
  EXPECT_EQ(ApiKeyName(ApiKey::kClusterStatus), "ClusterStatus");
  EXPECT_EQ(ApiKeyName(ApiKey::kRaftPeerBatch), "RaftPeerBatch");
  EXPECT_EQ(ApiKeyName(ApiKey::kNone), "None");
  EXPECT_EQ(ApiKeyName(static_cast<ApiKey>(1234)), "ApiKey(1234)");
  std::set<std::string> names;
  for (uint16_t k = 1; k <= static_cast<uint16_t>(kClientApiKeyLast); ++k) {
    names.insert(ApiKeyName(static_cast<ApiKey>(k)));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kClientApiKeyLast));
}

TEST(ApiKeyTest, Ranges) {
  EXPECT_FALSE(IsClientApiKey(ApiKey::kNone));
  EXPECT_TRUE(IsClientApiKey(ApiKey::kHello));
  EXPECT_TRUE(IsClientApiKey(kClientApiKeyLast));
  EXPECT_FALSE(IsClientApiKey(static_cast<ApiKey>(static_cast<uint16_t>(kClientApiKeyLast) + 1)));
  EXPECT_FALSE(IsClientApiKey(ApiKey::kRaftPeerBatch));
  EXPECT_TRUE(IsPeerApiKey(ApiKey::kRaftPeerBatch));
  EXPECT_TRUE(IsPeerApiKey(static_cast<ApiKey>(kPeerApiKeyLast)));
  EXPECT_FALSE(IsPeerApiKey(static_cast<ApiKey>(kPeerApiKeyLast + 1)));
  EXPECT_FALSE(IsPeerApiKey(static_cast<ApiKey>(kPeerApiKeyFirst - 1)));
  EXPECT_FALSE(IsPeerApiKey(ApiKey::kProduce));
  EXPECT_TRUE(IsKnownApiKey(ApiKey::kRaftPeerBatch));
  EXPECT_FALSE(IsKnownApiKey(static_cast<ApiKey>(0x8001)));
}

TEST(ApiKeyTest, SupportedVersionsCoverEveryKnownApi) {
  const std::vector<ApiVersionRange>& ranges = SupportedApiVersions();
  EXPECT_EQ(ranges.size(), static_cast<size_t>(kClientApiKeyLast) + 1);
  for (const ApiVersionRange& r : ranges) {
    EXPECT_TRUE(IsKnownApiKey(r.api_key)) << ApiKeyName(r.api_key);
    EXPECT_LE(r.min_version, r.max_version);
    EXPECT_TRUE(IsSupportedApiVersion(r.api_key, r.min_version));
    EXPECT_FALSE(IsSupportedApiVersion(r.api_key, r.max_version + 1));
  }
  EXPECT_FALSE(IsSupportedApiVersion(ApiKey::kNone, 0));
  EXPECT_FALSE(IsSupportedApiVersion(static_cast<ApiKey>(999), 0));
}

}  // namespace
}  // namespace mq::protocol
