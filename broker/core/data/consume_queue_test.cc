#include "broker/core/data/consume_queue.h"

#include <string>

#include "gtest/gtest.h"
#include "storage/fs/sim_filesystem.h"

namespace mq::broker {
namespace {

CqUnit UnitAt(uint64_t i) {
  return CqUnit{.raft_index = 100 + i / 3,
                .slot = static_cast<uint32_t>(i % 3),
                .message_bytes = 40 + static_cast<uint32_t>(i),
                .tag_hash = i * 0x9E3779B97F4A7C15ull,
                .store_time_ms = 5000 + i};
}

TEST(ConsumeQueueTest, UnitLayoutIsLittleEndianAndRoundTrips) {
  const CqUnit unit{.raft_index = 0x0102030405060708ull,
                    .slot = 0x090A0B0C,
                    .message_bytes = 0x0D0E0F10,
                    .tag_hash = 0x1112131415161718ull,
                    .store_time_ms = 0x191A1B1C1D1E1F20ull};
  char buf[kConsumeQueueUnitBytes];
  EncodeCqUnit(unit, buf);
  EXPECT_EQ(buf[0], 0x08);
  EXPECT_EQ(buf[8], 0x0C);
  EXPECT_EQ(buf[12], 0x10);
  EXPECT_EQ(buf[16], 0x18);
  EXPECT_EQ(buf[24], 0x20);
  EXPECT_EQ(DecodeCqUnit(buf), unit);
}

TEST(ConsumeQueueTest, DirNamesAreSafeAndDistinct) {
  EXPECT_EQ(QueueDirName("t", 3), "cq-74-00000003");
  EXPECT_EQ(QueueDirName("../A b", 0xABCDEF01), "cq-2e2e2f412062-abcdef01");
  EXPECT_NE(QueueDirName("ab", 1), QueueDirName("AB", 1));
  EXPECT_NE(QueueDirName("a", 11), QueueDirName("a1", 1));
  for (char c : QueueDirName("\xff/\\:*", 7)) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'c' || c == 'q' ||
                c == '-')
        << c;
  }
}

TEST(ConsumeQueueTest, AppendReadTruncateReset) {
  storage::SimFilesystem fs;
  ASSERT_TRUE(fs.CreateDirs("/s").ok());
  storage::FixedUnitFileOptions options;
  options.units_per_file = 7;  // several files
  absl::StatusOr<std::unique_ptr<ConsumeQueue>> cq = ConsumeQueue::Open(fs, "/s/q", options);
  ASSERT_TRUE(cq.ok()) << cq.status();
  for (uint64_t i = 0; i < 2500; ++i) ASSERT_TRUE((*cq)->Append(UnitAt(i)).ok());
  EXPECT_EQ((*cq)->end_offset(), 2500u);
  // Read spans chunks (kReadChunkUnits) and files.
  absl::StatusOr<std::vector<CqUnit>> units = (*cq)->Read(3, 2400);
  ASSERT_TRUE(units.ok()) << units.status();
  ASSERT_EQ(units->size(), 2400u);
  for (uint64_t i = 0; i < 2400; ++i) ASSERT_EQ((*units)[i], UnitAt(3 + i)) << i;
  EXPECT_EQ(*(*cq)->ReadOne(2499), UnitAt(2499));
  EXPECT_FALSE((*cq)->ReadOne(2500).ok());
  EXPECT_FALSE((*cq)->Read(2490, 20).ok());
  ASSERT_TRUE((*cq)->Read(2500, 0).ok());

  ASSERT_TRUE((*cq)->Sync().ok());
  ASSERT_TRUE((*cq)->TruncateTo(10).ok());
  EXPECT_EQ((*cq)->end_offset(), 10u);
  ASSERT_TRUE((*cq)->Reset(50).ok());
  EXPECT_EQ((*cq)->first_offset(), 50u);
  EXPECT_EQ((*cq)->end_offset(), 50u);
  ASSERT_TRUE((*cq)->Append(UnitAt(1)).ok());
  EXPECT_EQ(*(*cq)->ReadOne(50), UnitAt(1));
  EXPECT_FALSE((*cq)->ReadOne(49).ok());
}

}  // namespace
}  // namespace mq::broker
