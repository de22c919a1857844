#include "storage/log/record_format.h"

#include <string>

#include "gtest/gtest.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"

namespace mq::storage {
namespace {

std::string Encode(uint64_t index, uint64_t tag, uint16_t kind, uint16_t flags,
                   std::string_view payload) {
  std::string record(kRecordHeaderBytes, '\0');
  EncodeRecordHeader(index, tag, kind, flags, payload, record.data());
  record.append(payload);
  return record;
}

TEST(RecordFormatTest, LayoutIsLittleEndianAsDrawn) {
  const std::string record = Encode(0x0102030405060708, 0x1112131415161718, 0x2122, 0x3132, "xyz");
  ASSERT_EQ(record.size(), kRecordHeaderBytes + 3);
  EXPECT_EQ(DecodeFixed32(record.data() + 4), 3u);
  EXPECT_EQ(static_cast<uint8_t>(record[8]), 0x08);  // index, low byte first
  EXPECT_EQ(static_cast<uint8_t>(record[15]), 0x01);
  EXPECT_EQ(static_cast<uint8_t>(record[16]), 0x18);  // tag
  EXPECT_EQ(static_cast<uint8_t>(record[24]), 0x22);  // kind
  EXPECT_EQ(static_cast<uint8_t>(record[25]), 0x21);
  EXPECT_EQ(static_cast<uint8_t>(record[26]), 0x32);  // flags
  EXPECT_EQ(record.substr(28), "xyz");
  // The crc covers everything after itself.
  EXPECT_EQ(DecodeFixed32(record.data()), Crc32c(record.data() + 4, record.size() - 4));
}

TEST(RecordFormatTest, DecodeRoundTrips) {
  const std::string record = Encode(42, 7, 3, 9, "payload");
  const RecordHeader header = DecodeRecordHeader(record.data());
  EXPECT_EQ(header.payload_length, 7u);
  EXPECT_EQ(header.index, 42u);
  EXPECT_EQ(header.tag, 7u);
  EXPECT_EQ(header.kind, 3);
  EXPECT_EQ(header.flags, 9);
  EXPECT_EQ(header.crc, ComputeRecordCrc(record.data(), "payload"));
  EXPECT_TRUE(RecordCrcMatches(record.data(), record.size()));
}

TEST(RecordFormatTest, AnyFlippedBitFailsTheCrc) {
  const std::string record = Encode(5, 1, 2, 3, "some payload bytes");
  for (size_t byte = 0; byte < record.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = record;
      damaged[byte] = static_cast<char>(damaged[byte] ^ (1 << bit));
      if (byte >= 4 && byte < 8) continue;  // length field: the size no longer matches
      EXPECT_FALSE(RecordCrcMatches(damaged.data(), damaged.size())) << byte << ":" << bit;
    }
  }
}

TEST(RecordFormatTest, EmptyPayloadIsAValidRecord) {
  const std::string record = Encode(1, 0, 0, 0, "");
  EXPECT_EQ(record.size(), kRecordHeaderBytes);
  EXPECT_TRUE(RecordCrcMatches(record.data(), record.size()));
}

TEST(RecordFormatTest, ZeroSectorPiecesAreFoundOnSectorBoundaries) {
  std::string data(2000, 'x');
  // The range starts at file offset 500: pieces are [500,512), [512,1024), [1024,1536),
  // [1536,2048), [2048,2500).
  EXPECT_FALSE(HasZeroSectorPiece(data.data(), data.size(), 500));
  std::string tiny_piece = data;
  for (size_t i = 0; i < 12; ++i) tiny_piece[i] = 0;  // [500,512) is a whole piece
  EXPECT_TRUE(HasZeroSectorPiece(tiny_piece.data(), tiny_piece.size(), 500));
  std::string not_aligned = data;
  // Zeros at [600,1200): 600 zero bytes, but no aligned piece is entirely inside them.
  for (size_t i = 100; i < 700; ++i) not_aligned[i] = 0;
  EXPECT_FALSE(HasZeroSectorPiece(not_aligned.data(), not_aligned.size(), 500));
  std::string whole_sector = data;
  for (size_t i = 12; i < 12 + 512; ++i) whole_sector[i] = 0;  // [512,1024)
  EXPECT_TRUE(HasZeroSectorPiece(whole_sector.data(), whole_sector.size(), 500));
  std::string last_piece = data;
  for (size_t i = 1548; i < 2000; ++i) last_piece[i] = 0;  // [2048,2500), clipped at the end
  EXPECT_TRUE(HasZeroSectorPiece(last_piece.data(), last_piece.size(), 500));
  EXPECT_FALSE(HasZeroSectorPiece(data.data(), 0, 0));
}

}  // namespace
}  // namespace mq::storage
