#include "raft/durable/durable_format.h"

#include "gtest/gtest.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"

namespace mq::raft {
namespace {

bool Contains(const absl::Status& status, std::string_view text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

TEST(HardStateFormatTest, RoundTrips) {
  const HardState state{7, 3, 1234567890123ull};
  const std::string bytes = EncodeHardState(state);
  EXPECT_EQ(bytes.size(), kHardStateBytes);
  auto decoded = DecodeHardState(bytes, "hs");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, state);
}

TEST(HardStateFormatTest, RefusesWrongSizeAndVersion) {
  std::string bytes = EncodeHardState(HardState{1, 1, 1});
  EXPECT_TRUE(absl::IsDataLoss(DecodeHardState("", "hs").status()));
  auto short_state = DecodeHardState(bytes.substr(0, 20), "hs");
  EXPECT_TRUE(absl::IsDataLoss(short_state.status()));
  EXPECT_TRUE(Contains(short_state.status(), "hs"));
  EXPECT_TRUE(absl::IsDataLoss(DecodeHardState(bytes + "x", "hs").status()));
  EncodeFixed32(bytes.data(), kHardStateFormatVersion + 1);
  auto newer = DecodeHardState(bytes, "hs");
  EXPECT_TRUE(absl::IsDataLoss(newer.status()));
  EXPECT_TRUE(Contains(newer.status(), "version"));
}

TEST(FoundingFileFormatTest, RoundTrips) {
  for (const ConfState& conf : {ConfState{}, ConfState{{1, 2, 3}, {}}, ConfState{{2}, {5, 9}}}) {
    const std::string bytes = EncodeFoundingFile(conf);
    auto decoded = DecodeFoundingFile(bytes, "f");
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, conf);
  }
}

TEST(FoundingFileFormatTest, EveryFlippedByteIsDetected) {
  const std::string good = EncodeFoundingFile(ConfState{{1, 2, 3}, {4}});
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x10;
    EXPECT_TRUE(absl::IsDataLoss(DecodeFoundingFile(bad, "f").status())) << "byte " << i;
  }
}

TEST(FoundingFileFormatTest, RefusesTruncationForeignAndOversizedContent) {
  const std::string good = EncodeFoundingFile(ConfState{{1, 2, 3}, {}});
  for (size_t size = 0; size < good.size(); ++size) {
    EXPECT_TRUE(absl::IsDataLoss(DecodeFoundingFile(good.substr(0, size), "f").status()));
  }
  auto foreign = DecodeFoundingFile(std::string(40, 'x'), "f");
  EXPECT_TRUE(Contains(foreign.status(), "magic"));

  // A valid crc around bad content is still refused: a count beyond the limit, stray bytes,
  // a configuration that breaks the ConfState rules.
  const auto with_crc = [](std::string body) {
    PutFixed32(&body, Crc32c(body));
    return body;
  };
  std::string header;
  PutFixed32(&header, kFoundingMagic);
  PutFixed32(&header, kFoundingFormatVersion);
  std::string huge = header;
  PutFixed32(&huge, kConfNodesMax + 1);
  PutFixed32(&huge, 0);
  auto too_many = DecodeFoundingFile(with_crc(huge), "f");
  EXPECT_TRUE(absl::IsDataLoss(too_many.status()));
  EXPECT_TRUE(Contains(too_many.status(), "exceeds"));

  std::string stray = good.substr(0, good.size() - kFoundingCrcBytes) + "zz";
  auto stray_bytes = DecodeFoundingFile(with_crc(stray), "f");
  EXPECT_TRUE(Contains(stray_bytes.status(), "stray"));

  std::string unsorted = header;
  AppendConfState(ConfState{{3, 1}, {}}, &unsorted);
  EXPECT_TRUE(absl::IsDataLoss(DecodeFoundingFile(with_crc(unsorted), "f").status()));
  std::string zero = header;
  AppendConfState(ConfState{{0}, {}}, &zero);
  EXPECT_TRUE(absl::IsDataLoss(DecodeFoundingFile(with_crc(zero), "f").status()));

  std::string newer;
  PutFixed32(&newer, kFoundingMagic);
  PutFixed32(&newer, kFoundingFormatVersion + 1);
  AppendConfState(ConfState{{1}, {}}, &newer);
  auto newer_version = DecodeFoundingFile(with_crc(newer), "f");
  EXPECT_TRUE(Contains(newer_version.status(), "version"));
}

TEST(DurableFormatTest, LogCutFileRoundTripsAndDamageIsDataLoss) {
  for (const LogCut& cut : {LogCut{LogCutKind::kCompact, 0}, LogCut{LogCutKind::kInstall, 77},
                            LogCut{LogCutKind::kCompact, ~uint64_t{0}}}) {
    const std::string bytes = EncodeLogCutFile(cut);
    ASSERT_EQ(bytes.size(), kLogCutFileBytes);
    auto decoded = DecodeLogCutFile(bytes, "c");
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, cut);
  }
  const std::string good = EncodeLogCutFile(LogCut{LogCutKind::kInstall, 5});
  auto with_crc = [](std::string body) {
    PutFixed32(&body, Crc32c(body.data(), body.size()));
    return body;
  };
  EXPECT_TRUE(Contains(DecodeLogCutFile(good.substr(0, 20), "c").status(), "bytes"));
  for (size_t i = 0; i < good.size(); ++i) {
    std::string flipped = good;
    flipped[i] ^= 0x10;
    EXPECT_TRUE(absl::IsDataLoss(DecodeLogCutFile(flipped, "c").status())) << i;
  }
  std::string body;
  PutFixed32(&body, kLogCutMagic);
  PutFixed32(&body, kLogCutFormatVersion);
  PutFixed32(&body, 3);  // no such kind
  PutFixed64(&body, 5);
  EXPECT_TRUE(Contains(DecodeLogCutFile(with_crc(body), "c").status(), "kind"));
  std::string newer;
  PutFixed32(&newer, kLogCutMagic);
  PutFixed32(&newer, kLogCutFormatVersion + 1);
  PutFixed32(&newer, 1);
  PutFixed64(&newer, 5);
  EXPECT_TRUE(Contains(DecodeLogCutFile(with_crc(newer), "c").status(), "version"));
  std::string magic = good;
  magic[0] ^= 1;
  EXPECT_TRUE(Contains(DecodeLogCutFile(magic, "c").status(), "magic"));
}

}  // namespace
}  // namespace mq::raft
