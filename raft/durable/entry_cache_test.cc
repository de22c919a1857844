#include "raft/durable/entry_cache.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mq::raft {
namespace {

// Entries [lo, hi) of `term`, each with a payload of `size` bytes naming its index and term.
std::vector<Entry> Make(uint64_t lo, uint64_t hi, uint64_t term, size_t size = 8) {
  std::vector<Entry> out;
  for (uint64_t i = lo; i < hi; ++i) {
    std::string data = std::to_string(i) + "@" + std::to_string(term);
    data.resize(std::max(size, data.size()), '.');
    out.push_back(Entry{
        .term = term, .index = i, .type = EntryType::kNormal, .data = Payload(std::move(data))});
  }
  return out;
}

std::vector<uint64_t> Indexes(const std::vector<Entry>& entries) {
  std::vector<uint64_t> out;
  for (const Entry& e : entries) out.push_back(e.index);
  return out;
}

constexpr uint64_t kNoLimit = UINT64_MAX;

TEST(EntryCacheTest, ServesAppendedEntriesSharingTheirPayloads) {
  EntryCache cache(1 << 20);
  std::vector<Entry> entries = Make(5, 9, 2);
  cache.Append(entries);
  EXPECT_EQ(cache.first_index(), 5u);
  EXPECT_EQ(cache.last_index(), 8u);
  EXPECT_EQ(cache.size(), 4u);
  auto got = cache.Get(6, 9, kNoLimit);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(Indexes(*got), (std::vector<uint64_t>{6, 7, 8}));
  EXPECT_EQ((*got)[0].term, 2u);
  EXPECT_EQ((*got)[0].data, entries[1].data);
  // The bytes are shared, not copied: the test's vector, the cache and the result.
  EXPECT_EQ((*got)[0].data.use_count(), 3);
}

TEST(EntryCacheTest, MissesAnythingNotWhollyCached) {
  EntryCache cache(1 << 20);
  EXPECT_FALSE(cache.Get(1, 2, kNoLimit).has_value());  // empty
  cache.Append(Make(5, 9, 1));
  EXPECT_FALSE(cache.Get(4, 6, kNoLimit).has_value());   // starts below
  EXPECT_FALSE(cache.Get(8, 10, kNoLimit).has_value());  // ends above
  EXPECT_FALSE(cache.Get(6, 6, kNoLimit).has_value());   // empty range
  EXPECT_FALSE(cache.Get(7, 6, kNoLimit).has_value());   // inverted range
  EXPECT_TRUE(cache.Get(5, 9, kNoLimit).has_value());
}

TEST(EntryCacheTest, GetStopsAtTheByteLimitButReturnsAtLeastOne) {
  EntryCache cache(1 << 20);
  cache.Append(Make(1, 6, 1, /*size=*/100));
  const uint64_t one = 100 + kEntryOverheadBytes;
  EXPECT_EQ(Indexes(*cache.Get(1, 6, 2 * one)), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(Indexes(*cache.Get(1, 6, 2 * one + 1)), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(Indexes(*cache.Get(2, 6, 0)), (std::vector<uint64_t>{2}));
}

TEST(EntryCacheTest, EvictsTheOldestPastItsBudgetKeepingTheNewest) {
  const uint64_t one = 100 + kEntryOverheadBytes;
  EntryCache cache(3 * one);
  cache.Append(Make(1, 6, 1, 100));
  EXPECT_EQ(cache.first_index(), 3u);
  EXPECT_EQ(cache.last_index(), 5u);
  EXPECT_EQ(cache.bytes(), 3 * one);
  EXPECT_FALSE(cache.Get(2, 4, kNoLimit).has_value());
  // One entry larger than the whole budget still stays (it is the newest).
  cache.Append(Make(6, 7, 1, 1000));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.first_index(), 6u);
  EXPECT_TRUE(cache.Get(6, 7, kNoLimit).has_value());
}

TEST(EntryCacheTest, AnOverlappingAppendReplacesTheConflictingSuffix) {
  EntryCache cache(1 << 20);
  cache.Append(Make(1, 8, 1));
  cache.Append(Make(5, 7, 2));  // a new leader overwrote 5.. with term 2
  EXPECT_EQ(cache.last_index(), 6u);
  auto got = cache.Get(3, 7, kNoLimit);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ((*got)[1].term, 1u);  // index 4 kept
  EXPECT_EQ((*got)[2].term, 2u);  // index 5 replaced
  EXPECT_EQ((*got)[2].data, "5@2.....");
  EXPECT_EQ(cache.bytes(), 6 * (8 + kEntryOverheadBytes));
}

TEST(EntryCacheTest, AGapOrAnAppendBelowTheWindowRestartsIt) {
  EntryCache cache(1 << 20);
  cache.Append(Make(5, 8, 1));
  cache.Append(Make(10, 12, 1));  // 8 and 9 never seen
  EXPECT_EQ(cache.first_index(), 10u);
  EXPECT_EQ(cache.size(), 2u);
  cache.Append(Make(3, 5, 2));  // below the window (after a reset of the log)
  EXPECT_EQ(cache.first_index(), 3u);
  EXPECT_EQ(cache.last_index(), 4u);
  EXPECT_EQ(cache.bytes(), 2 * (8 + kEntryOverheadBytes));
}

TEST(EntryCacheTest, MirrorsTruncationCompactionAndReset) {
  EntryCache cache(1 << 20);
  cache.Append(Make(1, 11, 1));
  cache.TruncateFrom(8);
  EXPECT_EQ(cache.last_index(), 7u);
  EXPECT_FALSE(cache.Get(7, 9, kNoLimit).has_value());
  cache.DropBefore(4);
  EXPECT_EQ(cache.first_index(), 4u);
  EXPECT_EQ(cache.size(), 4u);
  EXPECT_EQ(cache.bytes(), 4 * (8 + kEntryOverheadBytes));
  cache.TruncateFrom(100);  // nothing at or past 100
  cache.DropBefore(2);      // nothing below 2
  EXPECT_EQ(cache.size(), 4u);
  cache.Clear();
  EXPECT_TRUE(cache.empty());
  EXPECT_EQ(cache.bytes(), 0u);
  EXPECT_FALSE(cache.Get(4, 5, kNoLimit).has_value());
  // After a clear, appending continues from anywhere.
  cache.Append(Make(20, 21, 3));
  EXPECT_EQ(cache.first_index(), 20u);
}

TEST(EntryCacheTest, AZeroBudgetCachesNothing) {
  EntryCache cache(0);
  cache.Append(Make(1, 3, 1));
  EXPECT_TRUE(cache.empty());
  EXPECT_FALSE(cache.Get(1, 2, kNoLimit).has_value());
  cache.Append({});  // no-op
  EXPECT_TRUE(cache.empty());
}

}  // namespace
}  // namespace mq::raft
