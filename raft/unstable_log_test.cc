#include "raft/unstable_log.h"

#include "gtest/gtest.h"

namespace mq::raft {
namespace {

Entry E(uint64_t term, uint64_t index) {
  Entry e;
  e.term = term;
  e.index = index;
  return e;
}

std::vector<uint64_t> Indexes(const std::vector<Entry>& entries) {
  std::vector<uint64_t> out;
  for (const Entry& e : entries) out.push_back(e.index);
  return out;
}

TEST(UnstableLogTest, Bounds) {
  UnstableLog u(5);
  EXPECT_FALSE(u.MaybeFirstIndex().has_value());
  EXPECT_FALSE(u.MaybeLastIndex().has_value());
  EXPECT_FALSE(u.MaybeTerm(5).has_value());
  u.TruncateAndAppend({E(1, 5), E(2, 6)});
  EXPECT_EQ(*u.MaybeLastIndex(), 6u);
  EXPECT_EQ(*u.MaybeTerm(6), 2u);
  EXPECT_FALSE(u.MaybeTerm(4).has_value());
  EXPECT_FALSE(u.MaybeTerm(7).has_value());
}

TEST(UnstableLogTest, HandOffAndStable) {
  UnstableLog u(1);
  u.TruncateAndAppend({E(1, 1), E(1, 2)});
  EXPECT_TRUE(u.HasNextEntries());
  EXPECT_EQ(Indexes(u.NextEntries()), (std::vector<uint64_t>{1, 2}));
  u.AcceptInProgress();
  EXPECT_FALSE(u.HasNextEntries());
  u.Append(E(1, 3));
  EXPECT_EQ(Indexes(u.NextEntries()), (std::vector<uint64_t>{3}));
  u.StableTo(EntryId{1, 2});
  EXPECT_EQ(u.offset(), 3u);
  EXPECT_EQ(Indexes(u.entries()), (std::vector<uint64_t>{3}));
  EXPECT_EQ(Indexes(u.NextEntries()), (std::vector<uint64_t>{3}));
}

TEST(UnstableLogTest, StableToIgnoresOverwrittenEntries) {
  UnstableLog u(1);
  u.TruncateAndAppend({E(1, 1), E(1, 2), E(1, 3)});
  u.AcceptInProgress();
  // A new leader overwrites from index 2 while the write of 1..3 is in flight.
  u.TruncateAndAppend({E(2, 2)});
  EXPECT_EQ(Indexes(u.NextEntries()), (std::vector<uint64_t>{2}));
  u.StableTo(EntryId{1, 3});  // index 3 no longer here
  EXPECT_EQ(u.offset(), 1u);
  u.StableTo(EntryId{1, 2});  // term changed
  EXPECT_EQ(u.offset(), 1u);
  u.StableTo(EntryId{1, 1});  // still the same entry: stable
  EXPECT_EQ(u.offset(), 2u);
}

TEST(UnstableLogTest, TruncateBelowOffsetReplacesEverything) {
  UnstableLog u(5);
  u.TruncateAndAppend({E(1, 5), E(1, 6)});
  u.AcceptInProgress();
  u.TruncateAndAppend({E(3, 3), E(3, 4)});
  EXPECT_EQ(u.offset(), 3u);
  EXPECT_EQ(Indexes(u.NextEntries()), (std::vector<uint64_t>{3, 4}));
}

TEST(UnstableLogTest, SnapshotRestore) {
  UnstableLog u(1);
  u.TruncateAndAppend({E(1, 1)});
  Snapshot snap;
  snap.metadata.index = 10;
  snap.metadata.term = 4;
  u.Restore(snap);
  EXPECT_EQ(*u.MaybeFirstIndex(), 11u);
  EXPECT_EQ(*u.MaybeLastIndex(), 10u);
  EXPECT_EQ(*u.MaybeTerm(10), 4u);
  EXPECT_FALSE(u.MaybeTerm(9).has_value());
  EXPECT_TRUE(u.HasNextSnapshot());
  u.AcceptInProgress();
  EXPECT_FALSE(u.HasNextSnapshot());
  EXPECT_TRUE(u.HasSnapshot());
  u.StableTo(EntryId{4, 10});  // the snapshot's index is not an entry: no effect
  EXPECT_TRUE(u.HasSnapshot());
  u.StableSnapshotTo(9);
  EXPECT_TRUE(u.HasSnapshot());
  u.StableSnapshotTo(10);
  EXPECT_FALSE(u.HasSnapshot());
}

TEST(UnstableLogTest, SliceCopies) {
  UnstableLog u(3);
  u.TruncateAndAppend({E(1, 3), E(1, 4), E(1, 5)});
  std::vector<Entry> out;
  u.Slice(4, 6, &out);
  EXPECT_EQ(Indexes(out), (std::vector<uint64_t>{4, 5}));
}

}  // namespace
}  // namespace mq::raft
