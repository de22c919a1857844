#include "storage/base/crc32c.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/base/prng.h"

namespace mq {
namespace {

struct Vector {
  std::vector<uint8_t> data;
  uint32_t crc;
};

// RFC 3720 appendix B.4, plus the classic "123456789" check value.
std::vector<Vector> KnownVectors() {
  std::vector<Vector> v;
  v.push_back({std::vector<uint8_t>(32, 0x00), 0x8A9136AAu});
  v.push_back({std::vector<uint8_t>(32, 0xFF), 0x62A8AB43u});
  std::vector<uint8_t> ascending(32), descending(32);
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<uint8_t>(i);
    descending[i] = static_cast<uint8_t>(31 - i);
  }
  v.push_back({ascending, 0x46DD794Eu});
  v.push_back({descending, 0x113FDB5Cu});
  // An iSCSI read command PDU.
  v.push_back({{0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
                0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
               0xD9963A56u});
  std::string digits = "123456789";
  v.push_back({std::vector<uint8_t>(digits.begin(), digits.end()), 0xE3069283u});
  return v;
}

TEST(Crc32cTest, PortableMatchesRfc3720Vectors) {
  for (const auto& v : KnownVectors()) {
    EXPECT_EQ(Crc32cExtendPortable(0, v.data.data(), v.data.size()), v.crc);
  }
}

TEST(Crc32cTest, HardwareMatchesRfc3720Vectors) {
  if (!Crc32cHardwareAvailable()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  for (const auto& v : KnownVectors()) {
    EXPECT_EQ(Crc32cExtendHardware(0, v.data.data(), v.data.size()), v.crc);
  }
}

TEST(Crc32cTest, DefaultMatchesVectors) {
  for (const auto& v : KnownVectors()) EXPECT_EQ(Crc32c(v.data.data(), v.data.size()), v.crc);
}

// Lengths 0..1200 cover the single-chain path and the three-chain rounds of 128-byte blocks
// (from 384 bytes) with every tail; the larger ones straddle the rounds of 2048-byte blocks
// (from 6144 bytes). Offsets 0..7 vary the alignment of the 8-byte loads.
std::vector<size_t> LengthsToCheck() {
  std::vector<size_t> lengths;
  for (size_t len = 0; len <= 1200; ++len) lengths.push_back(len);
  for (size_t len : {6143, 6144, 6145, 6144 + 383, 6144 + 384, 6144 + 391, 12288, 12289, 19999}) {
    lengths.push_back(len);
  }
  return lengths;
}

TEST(Crc32cTest, HardwareAndPortableAgreeOnRandomInputAtEveryLengthAndSplit) {
  if (!Crc32cHardwareAvailable()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  Prng prng(7);
  std::string data(20000 + 8, '\0');
  for (char& c : data) c = static_cast<char>(prng.Next());
  for (size_t len : LengthsToCheck()) {
    const size_t start = len % 8;
    const char* bytes = data.data() + start;
    const uint32_t portable = Crc32cExtendPortable(0, bytes, len);
    ASSERT_EQ(Crc32cExtendHardware(0, bytes, len), portable) << "len " << len;
    // Extending in two pieces equals one pass, for both paths.
    const size_t split = len / 3;
    EXPECT_EQ(
        Crc32cExtendPortable(Crc32cExtendPortable(0, bytes, split), bytes + split, len - split),
        portable)
        << "len " << len;
    EXPECT_EQ(
        Crc32cExtendHardware(Crc32cExtendHardware(0, bytes, split), bytes + split, len - split),
        portable)
        << "len " << len;
  }
}

TEST(Crc32cTest, HardwareMatchesPortableOnZerosAndOnes) {
  // All-zero and all-one blocks exercise the block-joining tables at their extremes.
  if (!Crc32cHardwareAvailable()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  for (char fill : {'\0', '\xff'}) {
    const std::string data(13000, fill);
    for (size_t len : {384, 1000, 6144, 13000}) {
      EXPECT_EQ(Crc32cExtendHardware(0, data.data(), len),
                Crc32cExtendPortable(0, data.data(), len))
          << "len " << len;
    }
  }
}

TEST(Crc32cTest, DetectsSingleBitFlip) {
  std::string data(64, 'x');
  const uint32_t before = Crc32c(data);
  data[17] ^= 0x04;
  EXPECT_NE(Crc32c(data), before);
}

}  // namespace
}  // namespace mq
