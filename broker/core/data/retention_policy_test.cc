#include "broker/core/data/retention_policy.h"

#include <map>
#include <string>
#include <vector>

#include "broker/core/data/data_command.h"
#include "gtest/gtest.h"
#include "raft/memory_storage.h"

namespace mq::broker {
namespace {

constexpr uint64_t kHourMs = 3600 * 1000;
constexpr uint64_t kNowMs = 1000 * kHourMs;

// Four sealed segments of 100 entries and 1000 bytes each, [1,100] .. [301,400], then the
// active one [401,450] of 500 bytes. Segment k's newest message was stored (10 - k) hours
// ago, the active one's just now.
class RetentionPolicyTest : public ::testing::Test {
 protected:
  RetentionPolicyTest() {
    for (uint64_t k = 0; k < 4; ++k) {
      segments_.push_back({.first_index = 1 + 100 * k, .last_index = 100 * (k + 1), .bytes = 1000});
      newest_ms_[1 + 100 * k] = kNowMs - (10 - k) * kHourMs;
    }
    segments_.push_back({.first_index = 401, .last_index = 450, .bytes = 500, .active = true});
    newest_ms_[401] = kNowMs;
    // A snapshot at every segment start (state as of the entry before it).
    snapshots_ = {100, 200, 300, 400};
  }

  RetentionDecision Choose(RetentionLimits limits, uint64_t applied = 450) {
    return ChooseCompaction(segments_, snapshots_, applied, limits, kNowMs,
                            [this](const RetentionSegment& s) -> std::optional<uint64_t> {
                              asked_.push_back(s.first_index);
                              auto it = newest_ms_.find(s.first_index);
                              if (it == newest_ms_.end()) return std::nullopt;
                              return it->second;
                            });
  }

  std::vector<RetentionSegment> segments_;
  std::vector<uint64_t> snapshots_;
  std::map<uint64_t, uint64_t> newest_ms_;  // by segment first index
  std::vector<uint64_t> asked_;
};

TEST_F(RetentionPolicyTest, NothingExpiredNothingDropped) {
  const RetentionDecision d = Choose({.retention_ms = 11 * kHourMs});
  EXPECT_EQ(d.compact_to, 0u);
  EXPECT_EQ(d.segments, 0u);
  // Stops at the first segment that is not expired.
  EXPECT_EQ(asked_, std::vector<uint64_t>({1}));
}

TEST_F(RetentionPolicyTest, NoLimitsNothingDropped) {
  const RetentionDecision d = Choose({});
  EXPECT_EQ(d.compact_to, 0u);
  EXPECT_TRUE(asked_.empty());
}

TEST_F(RetentionPolicyTest, ByTimeDropsTheExpiredPrefix) {
  // Segments stored 10, 9 and 8 hours ago are older than 7.5 hours; the one of 7 hours is not.
  const RetentionDecision d = Choose({.retention_ms = 7 * kHourMs + kHourMs / 2});
  EXPECT_EQ(d.compact_to, 300u);
  EXPECT_EQ(d.segments, 3u);
  EXPECT_EQ(d.expired, 3u);
  EXPECT_EQ(d.bytes, 3000u);
  EXPECT_EQ(asked_, std::vector<uint64_t>({1, 101, 201, 301}));
}

TEST_F(RetentionPolicyTest, ExactlyAtTheLimitIsNotExpired) {
  // Segment 0's newest message is exactly 10 hours old: not OLDER than now - 10 h.
  EXPECT_EQ(Choose({.retention_ms = 10 * kHourMs}).compact_to, 0u);
  EXPECT_EQ(Choose({.retention_ms = 10 * kHourMs - 1}).compact_to, 100u);
}

TEST_F(RetentionPolicyTest, UnknownStoreTimeCountsAsNotExpired) {
  newest_ms_.erase(101);
  const RetentionDecision d = Choose({.retention_ms = kHourMs});
  EXPECT_EQ(d.compact_to, 100u);
  EXPECT_EQ(d.segments, 1u);
}

TEST_F(RetentionPolicyTest, BySizeDropsJustEnoughOldSegments) {
  // 4500 bytes in all; 2600 allowed: dropping segments 0 and 1 leaves 2500.
  const RetentionDecision d = Choose({.retention_bytes = 2600});
  EXPECT_EQ(d.compact_to, 200u);
  EXPECT_EQ(d.segments, 2u);
  EXPECT_EQ(d.expired, 0u);
  EXPECT_EQ(d.bytes, 2000u);
  // No time limit: nothing is asked.
  EXPECT_TRUE(asked_.empty());
  // Exactly at the limit is enough.
  EXPECT_EQ(Choose({.retention_bytes = 2500}).compact_to, 200u);
  EXPECT_EQ(Choose({.retention_bytes = 4500}).compact_to, 0u);
}

TEST_F(RetentionPolicyTest, TimeAndSizeTogether) {
  // Size alone wants segment 0 (4500 -> 3500 <= 4000); time (older than 8.5 h) wants 0 and 1.
  RetentionDecision d =
      Choose({.retention_ms = 8 * kHourMs + kHourMs / 2, .retention_bytes = 4000});
  EXPECT_EQ(d.compact_to, 200u);
  EXPECT_EQ(d.segments, 2u);
  EXPECT_EQ(d.expired, 1u);  // segment 0 went for size, segment 1 for time
  EXPECT_EQ(asked_, std::vector<uint64_t>({101, 201}));
  // Size wants three segments although none has expired.
  d = Choose({.retention_ms = 20 * kHourMs, .retention_bytes = 1600});
  EXPECT_EQ(d.compact_to, 300u);
  EXPECT_EQ(d.expired, 0u);
}

TEST_F(RetentionPolicyTest, ActiveSegmentNeverDropped) {
  // Everything expired and a tiny size limit: still only the sealed segments go.
  newest_ms_[401] = 0;
  snapshots_.push_back(450);
  const RetentionDecision d = Choose({.retention_ms = 1, .retention_bytes = 1});
  EXPECT_EQ(d.compact_to, 400u);
  EXPECT_EQ(d.segments, 4u);
}

TEST_F(RetentionPolicyTest, OnlyToAKeptSnapshotAtASegmentEnd) {
  // No snapshot at 300 or 400: B falls back to 200, the highest boundary with one.
  snapshots_ = {50, 200, 250, 350};
  RetentionDecision d = Choose({.retention_bytes = 1});
  EXPECT_EQ(d.compact_to, 200u);
  EXPECT_EQ(d.segments, 2u);
  EXPECT_EQ(d.bytes, 2000u);
  // No snapshot at any boundary: nothing.
  snapshots_ = {50, 150};
  d = Choose({.retention_bytes = 1});
  EXPECT_EQ(d.compact_to, 0u);
  EXPECT_EQ(d.segments, 0u);
}

TEST_F(RetentionPolicyTest, CappedAtTheAppliedIndex) {
  // Applied 399: segment [301,400] is not applied in full, so B stops at 300.
  EXPECT_EQ(Choose({.retention_bytes = 1}, 399).compact_to, 300u);
  EXPECT_EQ(Choose({.retention_bytes = 1}, 400).compact_to, 400u);
  EXPECT_EQ(Choose({.retention_bytes = 1}, 99).compact_to, 0u);
}

TEST_F(RetentionPolicyTest, NoSegmentsNothingToDo) {
  segments_.clear();
  EXPECT_EQ(Choose({.retention_ms = 1, .retention_bytes = 1}).compact_to, 0u);
}

TEST_F(RetentionPolicyTest, ClockBeforeTheRetentionTimeExpiresNothing) {
  const RetentionDecision d =
      ChooseCompaction(segments_, snapshots_, 450, {.retention_ms = kNowMs + 1}, kNowMs,
                       [](const RetentionSegment&) { return std::optional<uint64_t>(0); });
  EXPECT_EQ(d.compact_to, 0u);
}

// A log of `kinds`: 'p' a produce stamped 1000 + index, 'n' a new leader's no-op, 'c' a
// configuration change, 'g' garbage.
raft::MemoryStorage LogOf(const std::string& kinds) {
  raft::MemoryStorage log;
  for (size_t i = 0; i < kinds.size(); ++i) {
    raft::Entry e;
    e.term = 1;
    e.index = i + 1;
    switch (kinds[i]) {
      case 'p':
        e.data = raft::Payload(EncodeProduceCommand("t", 0, 1000 + e.index, "batch"));
        break;
      case 'c':
        e.type = raft::EntryType::kConfChange;
        e.data = raft::Payload(std::string_view("conf"));
        break;
      case 'g':
        e.data = raft::Payload(std::string_view("garbage"));
        break;
      default:
        break;
    }
    EXPECT_TRUE(log.Append({e}).ok());
  }
  return log;
}

TEST(NewestStoreTimeInLogTest, LastProduceOfTheSegment) {
  const raft::MemoryStorage log = LogOf("ppnpcn");
  // The last produce of [1, 6] is entry 4; of [1, 2] entry 2.
  EXPECT_EQ(NewestStoreTimeInLog(log, {.first_index = 1, .last_index = 6}), 1004u);
  EXPECT_EQ(NewestStoreTimeInLog(log, {.first_index = 1, .last_index = 2}), 1002u);
  // Only no-ops and a configuration change: no message in the segment.
  EXPECT_EQ(NewestStoreTimeInLog(log, {.first_index = 5, .last_index = 6}), 0u);
  // Empty segment.
  EXPECT_EQ(NewestStoreTimeInLog(log, {.first_index = 7, .last_index = 6}), 0u);
}

TEST(NewestStoreTimeInLogTest, UnknownWhenUnreadableOrTooFarBack) {
  EXPECT_EQ(NewestStoreTimeInLog(LogOf("pg"), {.first_index = 1, .last_index = 2}), std::nullopt);
  // Past the log's end.
  EXPECT_EQ(NewestStoreTimeInLog(LogOf("pp"), {.first_index = 1, .last_index = 5}), std::nullopt);
  // A produce further back than kStoreTimeScanEntriesMax entries.
  const std::string kinds = "p" + std::string(kStoreTimeScanEntriesMax, 'n');
  EXPECT_EQ(NewestStoreTimeInLog(LogOf(kinds), {.first_index = 1, .last_index = kinds.size()}),
            std::nullopt);
  EXPECT_EQ(NewestStoreTimeInLog(LogOf(kinds.substr(0, kinds.size() - 1)),
                                 {.first_index = 1, .last_index = kinds.size() - 1}),
            1001u);
}

TEST(EffectiveRetentionTest, LargestOfTopicsAndBrokerWithZeroAsNoLimit) {
  const RetentionLimits broker{.retention_ms = 1000, .retention_bytes = 5000};
  RetentionLimits e = EffectiveRetention(broker, {});
  EXPECT_EQ(e.retention_ms, 1000u);
  EXPECT_EQ(e.retention_bytes, 5000u);
  // A topic asking for less cannot shrink the broker's default; one asking for more wins.
  e = EffectiveRetention(broker, {{.retention_ms = 10, .retention_bytes = 10},
                                  {.retention_ms = 3000, .retention_bytes = 0}});
  EXPECT_EQ(e.retention_ms, 3000u);
  EXPECT_EQ(e.retention_bytes, 5000u);  // 0 = the broker's default
  // A broker without a size limit: no topic can impose one on the shared segments.
  e = EffectiveRetention({.retention_ms = 1000, .retention_bytes = 0},
                         {{.retention_ms = 0, .retention_bytes = 10}});
  EXPECT_EQ(e.retention_ms, 1000u);
  EXPECT_EQ(e.retention_bytes, 0u);
}

}  // namespace
}  // namespace mq::broker
