#include "broker/core/data/data_group_state.h"

#include <map>
#include <string>
#include <vector>

#include "broker/core/data/data_command.h"
#include "broker/core/data/tag_filter.h"
#include "client/protocol/record_batch.h"
#include "gtest/gtest.h"
#include "raft/memory_storage.h"
#include "storage/base/prng.h"
#include "storage/base/status_macros.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/sim_filesystem.h"
#include "storage/fs/temp_dir.h"

namespace mq::broker {
namespace {

using protocol::Compression;
using protocol::ErrorCode;
using protocol::FetchRequest;
using protocol::FetchResponse;
using protocol::Message;

constexpr uint64_t kGroup = 2;
constexpr char kDir[] = "/data/groups/2/state";

struct BatchSpec {
  uint64_t producer_id = 0;
  uint64_t base_sequence = 0;
  std::vector<std::string> tags;  // one message per tag ("" = untagged)
  Compression compression = Compression::kNone;
  bool transactional = false;
};

std::string Body(uint64_t seq, uint32_t slot) {
  return "body-" + std::to_string(seq) + "-" + std::to_string(slot);
}

// Bodies name spec.base_sequence even for producer 0, whose batches must carry sequence 0.
std::string MakeBatch(const BatchSpec& spec) {
  protocol::RecordBatchBuilder builder(
      {.producer_id = spec.producer_id,
       .base_sequence = spec.producer_id == 0 ? 0 : spec.base_sequence,
       .compression = spec.compression,
       .transactional = spec.transactional});
  for (uint32_t slot = 0; slot < spec.tags.size(); ++slot) {
    Message m{.body = Body(spec.base_sequence, slot) + std::string(20, 'x'),
              .tag = spec.tags[slot],
              .born_time_ms = 1000 + slot};
    const absl::Status added = builder.Add(m);
    EXPECT_TRUE(added.ok()) << added;
  }
  absl::StatusOr<std::string> batch = std::move(builder).Build();
  EXPECT_TRUE(batch.ok()) << batch.status();
  return *batch;
}

raft::Entry NormalEntry(uint64_t index, std::string data) {
  raft::Entry e;
  e.term = 1;
  e.index = index;
  e.data = raft::Payload(std::move(data));
  return e;
}

std::vector<std::string> Tags(size_t n, const std::string& tag = "") {
  return std::vector<std::string>(n, tag);
}

// A data group under test: a log (MemoryStorage) and its state machine, on a SimFilesystem.
class Group {
 public:
  explicit Group(DataGroupOptions options = DataGroupOptions()) : options_(options) { Reopen(); }

  void Reopen() {
    state_.reset();
    absl::StatusOr<std::unique_ptr<DataGroupState>> s =
        DataGroupState::Open(fs_, kDir, kGroup, options_);
    MQ_CHECK_OK(s.status());
    state_ = *std::move(s);
  }

  // Appends an entry to the log (next index) and returns it, without applying.
  raft::Entry Append(std::string data, raft::EntryType type = raft::EntryType::kNormal) {
    raft::Entry e = NormalEntry(*log_.LastIndex() + 1, std::move(data));
    e.type = type;
    MQ_CHECK_OK(log_.Append({e}));
    return e;
  }

  ApplyOutcome Produce(const std::string& topic, uint32_t queue, const BatchSpec& spec,
                       uint64_t store_time_ms = 0) {
    if (store_time_ms == 0) store_time_ms = 10000 + *log_.LastIndex();
    const raft::Entry e =
        Append(EncodeProduceCommand(topic, queue, store_time_ms, MakeBatch(spec)));
    absl::StatusOr<ApplyOutcome> out = state_->Apply(e);
    MQ_CHECK_OK(out.status());
    return *out;
  }

  // Re-applies the log entries [from, last] (what the driver does after a restore).
  std::vector<ApplyOutcome> Replay(uint64_t from) {
    std::vector<ApplyOutcome> outcomes;
    for (uint64_t i = from; i <= *log_.LastIndex(); ++i) {
      absl::StatusOr<std::vector<raft::Entry>> e = log_.Entries(i, i + 1, UINT64_MAX);
      MQ_CHECK_OK(e.status());
      absl::StatusOr<ApplyOutcome> out = state_->Apply((*e)[0]);
      MQ_CHECK_OK(out.status());
      outcomes.push_back(*out);
    }
    return outcomes;
  }

  raft::Snapshot TakeSnapshot() {
    absl::StatusOr<raft::Payload> data = state_->Snapshot();
    MQ_CHECK_OK(data.status());
    raft::Snapshot snap;
    snap.metadata.index = state_->last_applied_index();
    snap.metadata.term = 1;
    snap.data = *data;
    return snap;
  }

  FetchResponse Fetch(const std::string& topic, uint32_t queue, uint64_t offset,
                      uint32_t max_messages = 1000, uint32_t max_bytes = 1 << 24,
                      const std::string& filter = "") const {
    FetchRequest req{.topic = topic,
                     .queue_id = queue,
                     .offset = offset,
                     .max_messages = max_messages,
                     .max_bytes = max_bytes,
                     .tag_filter = filter};
    absl::StatusOr<FetchResponse> r = state_->Fetch(req, log_);
    MQ_CHECK_OK(r.status());
    return *r;
  }

  // Every message body of a queue, in offset order, read through Fetch.
  std::vector<std::string> Bodies(const std::string& topic, uint32_t queue) const {
    std::vector<std::string> bodies;
    uint64_t offset = 0;
    while (true) {
      FetchResponse r = Fetch(topic, queue, offset, 7);
      EXPECT_EQ(r.header.error_code, ErrorCode::kOk) << r.header.message;
      if (r.header.error_code != ErrorCode::kOk || r.next_offset == offset) break;
      for (const protocol::FetchedBatch& b : r.batches) {
        absl::StatusOr<protocol::RecordBatchReader> reader =
            protocol::RecordBatchReader::Open(b.record_batch);
        MQ_CHECK_OK(reader.status());
        for (uint32_t slot : b.slots) {
          EXPECT_EQ(b.base_offset + slot, bodies.size());
          bodies.emplace_back(reader->message(slot).body);
        }
      }
      offset = r.next_offset;
    }
    return bodies;
  }

  storage::SimFilesystem& fs() { return fs_; }
  raft::MemoryStorage& log() { return log_; }
  DataGroupState& state() { return *state_; }

 private:
  DataGroupOptions options_;
  storage::SimFilesystem fs_;
  raft::MemoryStorage log_;
  std::unique_ptr<DataGroupState> state_;
};

TEST(DataGroupStateTest, DenseOffsetsPerQueueManyQueuesInterleaved) {
  Group g;
  Prng prng(7);
  std::map<std::pair<std::string, uint32_t>, uint64_t> expected_next;
  std::map<std::pair<std::string, uint32_t>, std::vector<std::string>> expected_bodies;
  const std::vector<std::string> topics = {"orders", "payments", "a/../b"};
  for (int i = 0; i < 150; ++i) {
    const std::string topic = topics[prng.Uniform(topics.size())];
    const uint32_t queue = static_cast<uint32_t>(prng.Uniform(4));
    const size_t n = 1 + prng.Uniform(5);
    const BatchSpec spec{
        .base_sequence = static_cast<uint64_t>(i),
        .tags = Tags(n),
        .compression = prng.Chance(3, 10) ? Compression::kLz4 : Compression::kNone};
    const ApplyOutcome out = g.Produce(topic, queue, spec);
    ASSERT_TRUE(out.is_produce);
    EXPECT_EQ(out.topic, topic);
    EXPECT_EQ(out.queue_id, queue);
    EXPECT_EQ(out.produce.code, ErrorCode::kOk);
    EXPECT_FALSE(out.produce.duplicate);
    uint64_t& next = expected_next[{topic, queue}];
    EXPECT_EQ(out.produce.base_offset, next);
    EXPECT_EQ(out.produce.count, n);
    EXPECT_EQ(out.produce.raft_index, g.state().last_applied_index());
    next += n;
    for (uint32_t s = 0; s < n; ++s) expected_bodies[{topic, queue}].push_back(Body(i, s));
  }
  EXPECT_EQ(g.state().queue_count(), expected_next.size());
  for (const auto& [key, next] : expected_next) {
    EXPECT_EQ(g.state().NextOffset(key.first, key.second), next);
    const protocol::QueueOffsetRange range = g.state().Offsets(key.first, key.second);
    EXPECT_EQ(range.min_offset, 0u);
    EXPECT_EQ(range.max_offset, next);
    EXPECT_GT(range.last_store_time_ms, 0u);
    std::vector<std::string> bodies = g.Bodies(key.first, key.second);
    ASSERT_EQ(bodies.size(), expected_bodies[key].size());
    for (size_t i = 0; i < bodies.size(); ++i) {
      EXPECT_EQ(bodies[i].substr(0, expected_bodies[key][i].size()), expected_bodies[key][i]);
    }
  }
  EXPECT_EQ(g.state().NextOffset("unknown", 0), 0u);
  EXPECT_EQ(g.state().Offsets("unknown", 0).max_offset, 0u);
}

TEST(DataGroupStateTest, NoOpAndConfChangeEntries) {
  Group g;
  absl::StatusOr<ApplyOutcome> out = g.state().Apply(g.Append(""));
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->is_produce);
  out = g.state().Apply(g.Append("conf-change-bytes", raft::EntryType::kConfChange));
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->is_produce);
  EXPECT_EQ(g.state().last_applied_index(), 2u);
  EXPECT_EQ(g.state().queue_count(), 0u);
  // Indexes must increase.
  const raft::Entry again = NormalEntry(2, "");
  EXPECT_EQ(g.state().Apply(again).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(DataGroupStateTest, IdempotentProducerRetriesAreDeduplicated) {
  Group g;
  const ApplyOutcome first =
      g.Produce("t", 0, {.producer_id = 9, .base_sequence = 0, .tags = Tags(3)});
  ASSERT_EQ(first.produce.code, ErrorCode::kOk);
  // The retry, committed as a new entry: the original offsets, nothing stored.
  const ApplyOutcome retry =
      g.Produce("t", 0, {.producer_id = 9, .base_sequence = 0, .tags = Tags(3)});
  EXPECT_EQ(retry.produce.code, ErrorCode::kOk);
  EXPECT_TRUE(retry.produce.duplicate);
  EXPECT_EQ(retry.produce.base_offset, 0u);
  EXPECT_EQ(retry.produce.count, 3u);
  EXPECT_EQ(retry.produce.raft_index, first.produce.raft_index);
  EXPECT_EQ(retry.produce.store_time_ms, first.produce.store_time_ms);
  EXPECT_EQ(g.state().NextOffset("t", 0), 3u);
  std::optional<ProduceOutcome> found = g.state().FindDuplicate(9, "t", 0, 0);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, retry.produce);
  EXPECT_FALSE(g.state().FindDuplicate(9, "t", 0, 3).has_value());
  EXPECT_FALSE(g.state().FindDuplicate(9, "t", 1, 0).has_value());

  // Five more batches push the first out of the window.
  for (uint64_t seq = 3; seq < 3 + 5 * 2; seq += 2) {
    EXPECT_EQ(
        g.Produce("t", 0, {.producer_id = 9, .base_sequence = seq, .tags = Tags(2)}).produce.code,
        ErrorCode::kOk);
  }
  const ApplyOutcome old =
      g.Produce("t", 0, {.producer_id = 9, .base_sequence = 0, .tags = Tags(3)});
  EXPECT_EQ(old.produce.code, ErrorCode::kDuplicate);
  EXPECT_TRUE(old.produce.duplicate);
  EXPECT_NE(old.produce.message.find("no longer remembered"), std::string::npos);
  EXPECT_EQ(g.state().FindDuplicate(9, "t", 0, 0)->code, ErrorCode::kDuplicate);
  EXPECT_EQ(g.state().NextOffset("t", 0), 13u);

  // A gap in the sequence is refused and stores nothing; FindDuplicate leaves it to Apply.
  const ApplyOutcome gap =
      g.Produce("t", 0, {.producer_id = 9, .base_sequence = 20, .tags = Tags(1)});
  EXPECT_EQ(gap.produce.code, ErrorCode::kOutOfSequence);
  EXPECT_NE(gap.produce.message.find("next expected sequence 13"), std::string::npos);
  EXPECT_FALSE(g.state().FindDuplicate(9, "t", 0, 20).has_value());
  EXPECT_EQ(g.state().NextOffset("t", 0), 13u);

  // Producer id 0 is never deduplicated.
  for (int i = 0; i < 2; ++i) {
    const ApplyOutcome anon =
        g.Produce("t", 0, {.producer_id = 0, .base_sequence = 0, .tags = Tags(1)});
    EXPECT_EQ(anon.produce.code, ErrorCode::kOk);
    EXPECT_FALSE(anon.produce.duplicate);
  }
  EXPECT_EQ(g.state().NextOffset("t", 0), 15u);
  EXPECT_FALSE(g.state().FindDuplicate(0, "t", 0, 0).has_value());
}

TEST(DataGroupStateTest, ProducerStateExpiresOnClusterTime) {
  DataGroupOptions options;
  options.producer_expiry_ms = 10 * DataGroupState::kDedupSweepIntervalMs;
  Group g(options);
  const uint64_t t0 = 1000 * DataGroupState::kDedupSweepIntervalMs;
  g.Produce("t", 0, {.producer_id = 5, .base_sequence = 0, .tags = Tags(1)}, t0);
  g.Produce("t", 0, {.producer_id = 6, .base_sequence = 0, .tags = Tags(1)},
            t0 + 5 * DataGroupState::kDedupSweepIntervalMs);
  EXPECT_EQ(g.state().dedup().key_count(), 2u);
  g.Produce("t", 0, {.producer_id = 6, .base_sequence = 1, .tags = Tags(1)},
            t0 + 12 * DataGroupState::kDedupSweepIntervalMs);
  EXPECT_EQ(g.state().dedup().key_count(), 1u);
  EXPECT_FALSE(g.state().FindDuplicate(5, "t", 0, 0).has_value());
}

TEST(DataGroupStateTest, TransactionalBatchRefused) {
  Group g;
  const ApplyOutcome out = g.Produce("t", 0, {.tags = Tags(2), .transactional = true});
  EXPECT_TRUE(out.is_produce);
  EXPECT_EQ(out.produce.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(g.state().NextOffset("t", 0), 0u);
}

TEST(DataGroupStateTest, GarbageEntriesAreClearErrorsAndChangeNothing) {
  Group g;
  g.Produce("t", 0, {.producer_id = 1, .tags = Tags(2)});
  const std::string good = EncodeProduceCommand("t", 0, 5, MakeBatch({.tags = Tags(2)}));
  std::vector<std::string> bad = {"x", std::string(100, '\0'), std::string(100, '\xff'),
                                  good.substr(0, 10), good.substr(0, good.size() - 1)};
  std::string flipped = good;
  flipped[flipped.size() - 3] ^= 0x40;  // inside the batch: crc mismatch
  bad.push_back(flipped);
  std::string type = good;
  type[0] = 7;
  bad.push_back(type);
  Prng prng(3);
  for (int i = 0; i < 200; ++i) {
    std::string s = good;
    for (int k = 0; k < 3; ++k) s[prng.Uniform(s.size())] = static_cast<char>(prng.Next());
    if (s != good) bad.push_back(s);
  }
  uint64_t index = 100;
  for (const std::string& data : bad) {
    const raft::Entry e = NormalEntry(++index, data);
    absl::StatusOr<ApplyOutcome> out = g.state().Apply(e);
    if (out.ok()) {
      // A random change may still decode (e.g. in the store time or queue id).
      continue;
    }
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(
        std::string(out.status().message()).find("data group 2, entry " + std::to_string(index)),
        std::string::npos)
        << out.status();
  }
  const raft::Entry e = NormalEntry(++index, flipped);
  const uint64_t before = g.state().last_applied_index();
  const uint64_t next = g.state().NextOffset("t", 0);
  EXPECT_GE(next, 2u);
  EXPECT_FALSE(g.state().Apply(e).ok());
  EXPECT_EQ(g.state().last_applied_index(), before);
  EXPECT_EQ(g.state().NextOffset("t", 0), next);
  // Still usable.
  const raft::Entry ok = NormalEntry(++index, good);
  ASSERT_TRUE(g.state().Apply(ok).ok());
  EXPECT_EQ(g.state().NextOffset("t", 0), next + 2);
}

TEST(DataGroupStateTest, FetchBoundedByMessagesAndGroupedByRaftIndex) {
  Group g;
  for (uint64_t i = 0; i < 3; ++i) g.Produce("t", 1, {.base_sequence = i, .tags = Tags(4)});
  // Offsets 0..11: entries 1, 2, 3 (4 messages each).
  FetchResponse r = g.Fetch("t", 1, 0, /*max_messages=*/6);
  EXPECT_EQ(r.header.error_code, ErrorCode::kOk);
  EXPECT_EQ(r.high_watermark, 12u);
  EXPECT_EQ(r.log_start_offset, 0u);
  EXPECT_EQ(r.next_offset, 6u);
  ASSERT_EQ(r.batches.size(), 2u);
  EXPECT_EQ(r.batches[0].raft_index, 1u);
  EXPECT_EQ(r.batches[0].base_offset, 0u);
  EXPECT_EQ(r.batches[0].group_id, kGroup);
  EXPECT_EQ(r.batches[0].slots, (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(r.batches[1].raft_index, 2u);
  EXPECT_EQ(r.batches[1].base_offset, 4u);
  EXPECT_EQ(r.batches[1].slots, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(r.batches[1].store_time_ms, 10000u + 1);
  // The batch is the stored one, verbatim.
  EXPECT_EQ(r.batches[0].record_batch, MakeBatch({.base_sequence = 0, .tags = Tags(4)}));

  // Starting mid-batch: base_offset still names slot 0.
  r = g.Fetch("t", 1, 5, 100);
  ASSERT_EQ(r.batches.size(), 2u);
  EXPECT_EQ(r.batches[0].base_offset, 4u);
  EXPECT_EQ(r.batches[0].slots, (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(r.next_offset, 12u);

  // At the end: empty and ok.
  r = g.Fetch("t", 1, 12);
  EXPECT_EQ(r.header.error_code, ErrorCode::kOk);
  EXPECT_TRUE(r.batches.empty());
  EXPECT_EQ(r.next_offset, 12u);
  // An unknown queue is an empty one.
  r = g.Fetch("t", 9, 0);
  EXPECT_EQ(r.header.error_code, ErrorCode::kOk);
  EXPECT_EQ(r.high_watermark, 0u);
}

TEST(DataGroupStateTest, FetchBoundedByBytes) {
  Group g;
  for (uint64_t i = 0; i < 3; ++i) g.Produce("t", 0, {.base_sequence = i, .tags = Tags(4)});
  const size_t batch_bytes = MakeBatch({.tags = Tags(4)}).size();
  // Room for one batch and a half: one batch.
  FetchResponse r = g.Fetch("t", 0, 0, 1000, static_cast<uint32_t>(batch_bytes * 3 / 2));
  ASSERT_EQ(r.batches.size(), 1u);
  EXPECT_EQ(r.next_offset, 4u);
  // Room for two exactly.
  r = g.Fetch("t", 0, 0, 1000, static_cast<uint32_t>(batch_bytes * 2));
  EXPECT_EQ(r.batches.size(), 2u);
  EXPECT_EQ(r.next_offset, 8u);
  // The first batch goes out even when larger than max_bytes.
  r = g.Fetch("t", 0, 2, 1000, 1);
  ASSERT_EQ(r.batches.size(), 1u);
  EXPECT_EQ(r.batches[0].slots, (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(r.next_offset, 4u);
  // 0 means the defaults.
  r = g.Fetch("t", 0, 0, 0, 0);
  EXPECT_EQ(r.next_offset, 12u);
}

// Counts the log reads a fetch makes.
class CountingLog : public raft::LogStorage {
 public:
  explicit CountingLog(const raft::LogStorage& log) : log_(log) {}
  absl::StatusOr<raft::StorageState> InitialState() const override { return log_.InitialState(); }
  absl::StatusOr<std::vector<raft::Entry>> Entries(uint64_t lo, uint64_t hi,
                                                   uint64_t bytes_max) const override {
    ++reads;
    return log_.Entries(lo, hi, bytes_max);
  }
  absl::StatusOr<uint64_t> Term(uint64_t index) const override { return log_.Term(index); }
  absl::StatusOr<uint64_t> FirstIndex() const override { return log_.FirstIndex(); }
  absl::StatusOr<uint64_t> LastIndex() const override { return log_.LastIndex(); }
  absl::StatusOr<raft::Snapshot> Snapshot() const override { return log_.Snapshot(); }
  mutable int reads = 0;

 private:
  const raft::LogStorage& log_;
};

TEST(DataGroupStateTest, FetchReadsRunsOfConsecutiveEntriesAtOnce) {
  Group g;
  for (uint64_t i = 0; i < 6; ++i) g.Produce("t", 0, {.base_sequence = i, .tags = Tags(4)});
  g.Produce("u", 0, {.tags = Tags(1)});  // entry 7 breaks the run of queue t/0
  for (uint64_t i = 6; i < 8; ++i) g.Produce("t", 0, {.base_sequence = i, .tags = Tags(4)});
  CountingLog log(g.log());
  FetchRequest request{.topic = "t", .queue_id = 0, .offset = 1, .max_messages = 1000};
  absl::StatusOr<FetchResponse> r = g.state().Fetch(request, log);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->batches.size(), 8u);
  EXPECT_EQ(r->next_offset, 32u);
  EXPECT_EQ(r->batches[0].slots, (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(r->batches[6].raft_index, 8u);
  EXPECT_EQ(r->batches[6].base_offset, 24u);
  EXPECT_EQ(log.reads, 2);  // entries [1, 7) and [8, 10)
  // Stopping by messages inside the run reads no further than the run it needs.
  log.reads = 0;
  request.max_messages = 5;
  r = g.state().Fetch(request, log);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->next_offset, 6u);
  ASSERT_EQ(r->batches.size(), 2u);
  EXPECT_EQ(log.reads, 1);
}

TEST(DataGroupStateTest, TagFilterByHashThenTag) {
  Group g;
  g.Produce("t", 0, {.base_sequence = 0, .tags = {"a", "b", "", "a"}});
  g.Produce("t", 0, {.base_sequence = 4, .tags = {"c", "c"}, .compression = Compression::kLz4});
  g.Produce("t", 0, {.base_sequence = 6, .tags = {"b", "a"}, .compression = Compression::kLz4});
  FetchResponse r = g.Fetch("t", 0, 0, 100, 1 << 20, "a");
  ASSERT_EQ(r.batches.size(), 2u);
  EXPECT_EQ(r.batches[0].slots, (std::vector<uint32_t>{0, 3}));
  EXPECT_EQ(r.batches[0].base_offset, 0u);
  EXPECT_EQ(r.batches[1].slots, (std::vector<uint32_t>{1}));
  EXPECT_EQ(r.batches[1].base_offset, 6u);
  EXPECT_EQ(r.next_offset, 8u);

  r = g.Fetch("t", 0, 0, 100, 1 << 20, "b || c");
  ASSERT_EQ(r.batches.size(), 3u);
  EXPECT_EQ(r.batches[0].slots, (std::vector<uint32_t>{1}));
  EXPECT_EQ(r.batches[1].slots, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(r.batches[2].slots, (std::vector<uint32_t>{0}));

  // Two matches allowed: next_offset stops right after the second.
  r = g.Fetch("t", 0, 0, 2, 1 << 20, "a");
  EXPECT_EQ(r.next_offset, 4u);

  // Nothing matches: empty, but next_offset moves past everything examined.
  r = g.Fetch("t", 0, 0, 100, 1 << 20, "zzz");
  EXPECT_EQ(r.header.error_code, ErrorCode::kOk);
  EXPECT_TRUE(r.batches.empty());
  EXPECT_EQ(r.next_offset, 8u);

  r = g.Fetch("t", 0, 0, 100, 1 << 20, "a | b");
  EXPECT_EQ(r.header.error_code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(r.header.definite);
  EXPECT_NE(r.header.message.find("tag filter"), std::string::npos);
}

TEST(DataGroupStateTest, FetchScanIsBounded) {
  DataGroupOptions options;
  options.fetch_scan_units_max = 3;
  Group g(options);
  g.Produce("t", 0, {.tags = Tags(10, "x")});
  FetchResponse r = g.Fetch("t", 0, 0, 100, 1 << 20, "y");
  EXPECT_TRUE(r.batches.empty());
  EXPECT_EQ(r.next_offset, 3u);
  r = g.Fetch("t", 0, 0, 100, 1 << 20, "x");
  EXPECT_EQ(r.next_offset, 3u);
  ASSERT_EQ(r.batches.size(), 1u);
  EXPECT_EQ(r.batches[0].slots.size(), 3u);
}

TEST(DataGroupStateTest, TagHashCollisionIsConfirmedOnTheTag) {
  Group g;
  g.Produce("t", 0, {.tags = {"a", "zzz", "a"}});
  const raft::Snapshot snap = g.TakeSnapshot();
  // Forge the consume queue: the unit of slot 1 ("zzz") now carries the hash of "a", as a
  // hash collision would.
  g.Reopen();
  {
    absl::StatusOr<std::unique_ptr<ConsumeQueue>> cq =
        ConsumeQueue::Open(g.fs(), std::string(kDir) + "/" + QueueDirName("t", 0));
    ASSERT_TRUE(cq.ok()) << cq.status();
    CqUnit unit = *(*cq)->ReadOne(1);
    CqUnit last = *(*cq)->ReadOne(2);
    ASSERT_TRUE((*cq)->TruncateTo(1).ok());
    unit.tag_hash = TagHash("a");
    ASSERT_TRUE((*cq)->Append(unit).ok());
    ASSERT_TRUE((*cq)->Append(last).ok());
    ASSERT_TRUE((*cq)->Sync().ok());
  }
  ASSERT_TRUE(g.state().Restore(snap).ok());
  FetchResponse r = g.Fetch("t", 0, 0, 100, 1 << 20, "a");
  ASSERT_EQ(r.batches.size(), 1u);
  EXPECT_EQ(r.batches[0].slots, (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(r.next_offset, 3u);
  // The match-all filter does not look at tags.
  EXPECT_EQ(g.Fetch("t", 0, 0).batches[0].slots.size(), 3u);
}

TEST(DataGroupStateTest, OffsetOutOfRange) {
  Group g;
  g.Produce("t", 0, {.tags = Tags(3)});
  FetchResponse r = g.Fetch("t", 0, 4);
  EXPECT_EQ(r.header.error_code, ErrorCode::kOffsetOutOfRange);
  EXPECT_TRUE(r.header.definite);
  EXPECT_EQ(r.high_watermark, 3u);
  EXPECT_EQ(r.log_start_offset, 0u);
  EXPECT_NE(r.header.message.find("outside [0, 3]"), std::string::npos) << r.header.message;
  r = g.Fetch("t", 0, 3);
  EXPECT_EQ(r.header.error_code, ErrorCode::kOk);
  r = g.Fetch("other", 0, 1);
  EXPECT_EQ(r.header.error_code, ErrorCode::kOffsetOutOfRange);
}

TEST(DataGroupStateTest, FetchOfCompactedEntryIsOutOfRange) {
  Group g;
  for (uint64_t i = 0; i < 4; ++i) g.Produce("t", 0, {.base_sequence = i, .tags = Tags(2)});
  ASSERT_TRUE(g.log()
                  .CreateSnapshot(2, raft::ConfState{.voters = {1}, .learners = {}},
                                  raft::Payload(std::string_view("s")))
                  .ok());
  ASSERT_TRUE(g.log().Compact(2).ok());
  FetchResponse r = g.Fetch("t", 0, 1);
  EXPECT_EQ(r.header.error_code, ErrorCode::kOffsetOutOfRange);
  EXPECT_NE(r.header.message.find("no longer"), std::string::npos) << r.header.message;
  r = g.Fetch("t", 0, 4);
  EXPECT_EQ(r.header.error_code, ErrorCode::kOk);
  EXPECT_EQ(r.next_offset, 8u);
}

TEST(DataGroupStateTest, FirstAvailableOffsetFollowsTheLogsFirstIndex) {
  DataGroupOptions options;
  options.consume_queue.units_per_file = 4;
  Group g(options);
  for (uint64_t i = 0; i < 4; ++i) g.Produce("t", 0, {.base_sequence = i, .tags = Tags(2)});
  g.Produce("u", 0, {.tags = Tags(2)});                      // entry 5
  g.Produce("t", 0, {.base_sequence = 4, .tags = Tags(2)});  // entry 6: offsets 8, 9
  const raft::Snapshot snapshot = g.TakeSnapshot();
  EXPECT_EQ(g.state().Offsets("t", 0).min_offset, 0u);
  const std::string t_dir = storage::JoinPath(kDir, QueueDirName("t", 0));
  auto files = [&] {
    absl::StatusOr<std::vector<std::string>> names = g.fs().ListDir(t_dir);
    MQ_CHECK_OK(names.status());
    return names->size();
  };
  const size_t files_before = files();

  // Retention dropped entries 1..3 (offsets 0..5 of t/0).
  ASSERT_TRUE(g.log()
                  .CreateSnapshot(3, raft::ConfState{.voters = {1}, .learners = {}},
                                  raft::Payload(std::string_view("s")))
                  .ok());
  ASSERT_TRUE(g.log().Compact(3).ok());
  ASSERT_TRUE(g.state().SetLogFirstIndex(4).ok());
  EXPECT_EQ(g.state().log_first_index(), 4u);
  protocol::QueueOffsetRange range = g.state().Offsets("t", 0);
  EXPECT_EQ(range.min_offset, 6u);
  EXPECT_EQ(range.max_offset, 10u);
  EXPECT_EQ(g.state().Offsets("u", 0).min_offset, 0u);  // entry 5 is still there
  // The consume-queue file of units 0..3 went; the one of 4..7 holds unit 6 and stays.
  EXPECT_EQ(files(), files_before - 1);

  FetchResponse r = g.Fetch("t", 0, 5);
  EXPECT_EQ(r.header.error_code, ErrorCode::kOffsetOutOfRange);
  EXPECT_TRUE(r.header.definite);
  EXPECT_EQ(r.log_start_offset, 6u);
  EXPECT_EQ(r.high_watermark, 10u);
  r = g.Fetch("t", 0, 6);
  ASSERT_EQ(r.header.error_code, ErrorCode::kOk) << r.header.message;
  ASSERT_FALSE(r.batches.empty());
  EXPECT_EQ(r.batches[0].base_offset, 6u);
  EXPECT_EQ(r.batches[0].raft_index, 4u);
  EXPECT_EQ(r.next_offset, 10u);

  // A first index past every entry: every queue is empty from its end on.
  ASSERT_TRUE(g.state().SetLogFirstIndex(7).ok());
  EXPECT_EQ(g.state().Offsets("t", 0).min_offset, 10u);
  EXPECT_EQ(g.state().Offsets("u", 0).min_offset, 2u);
  EXPECT_EQ(g.Fetch("t", 0, 10).header.error_code, ErrorCode::kOk);

  // A restart: the first index is known before (or after) the snapshot is restored.
  g.Reopen();
  ASSERT_TRUE(g.state().SetLogFirstIndex(7).ok());
  ASSERT_TRUE(g.state().Restore(snapshot).ok());
  EXPECT_EQ(g.state().Offsets("t", 0).min_offset, 10u);
  EXPECT_EQ(g.state().Offsets("u", 0).min_offset, 2u);
  g.Reopen();
  ASSERT_TRUE(g.state().Restore(snapshot).ok());
  ASSERT_TRUE(g.state().SetLogFirstIndex(7).ok());
  EXPECT_EQ(g.state().Offsets("t", 0).min_offset, 10u);
  EXPECT_EQ(g.state().Offsets("u", 0).min_offset, 2u);
}

TEST(DataGroupStateTest, FirstAvailableOffsetAfterRestore) {
  Group g;
  for (uint64_t i = 0; i < 4; ++i) g.Produce("t", 0, {.base_sequence = i, .tags = Tags(2)});
  const raft::Snapshot snapshot = g.TakeSnapshot();
  g.Reopen();
  ASSERT_TRUE(g.state().SetLogFirstIndex(3).ok());
  ASSERT_TRUE(g.state().Restore(snapshot).ok());
  EXPECT_EQ(g.state().Offsets("t", 0).min_offset, 4u);
  EXPECT_EQ(g.state().Offsets("t", 0).max_offset, 8u);
  EXPECT_EQ(g.Fetch("t", 0, 3).header.error_code, ErrorCode::kOffsetOutOfRange);
  EXPECT_EQ(g.Fetch("t", 0, 4).batches.size(), 2u);
}

TEST(DataGroupStateTest, SnapshotRestoreRollsBackAndReplays) {
  Group g;
  for (uint64_t i = 0; i < 10; ++i) {
    g.Produce("t", i % 2, {.producer_id = 4, .base_sequence = i / 2, .tags = Tags(1, "k")});
  }
  const raft::Snapshot snap = g.TakeSnapshot();
  EXPECT_EQ(snap.metadata.index, 10u);
  std::vector<ApplyOutcome> later;
  for (uint64_t i = 10; i < 15; ++i) {
    later.push_back(g.Produce(
        "t", i % 2, {.producer_id = 4 + i % 2, .base_sequence = i / 2, .tags = Tags(1, "k")}));
    EXPECT_EQ(later.back().produce.code, ErrorCode::kOk);
  }
  const std::vector<std::string> bodies0 = g.Bodies("t", 0);
  const std::vector<std::string> bodies1 = g.Bodies("t", 1);
  EXPECT_EQ(g.state().NextOffset("t", 0) + g.state().NextOffset("t", 1), 15u);
  EXPECT_EQ(g.state().dedup().key_count(), 3u);

  ASSERT_TRUE(g.state().Restore(snap).ok());
  EXPECT_EQ(g.state().last_applied_index(), 10u);
  EXPECT_EQ(g.state().NextOffset("t", 0) + g.state().NextOffset("t", 1), 10u);
  EXPECT_EQ(g.Fetch("t", 0, 5).next_offset, 5u);
  // The dedup state rolled back too: producer 5 is unknown again.
  EXPECT_EQ(g.state().dedup().key_count(), 2u);
  EXPECT_FALSE(g.state().FindDuplicate(5, "t", 1, 5).has_value());

  const std::vector<ApplyOutcome> replayed = g.Replay(11);
  ASSERT_EQ(replayed.size(), later.size());
  for (size_t i = 0; i < later.size(); ++i) {
    EXPECT_EQ(replayed[i].produce, later[i].produce) << i;
  }
  EXPECT_EQ(g.Bodies("t", 0), bodies0);
  EXPECT_EQ(g.Bodies("t", 1), bodies1);

  // A snapshot of the state after replay equals the one taken before the restore would have.
  const raft::Snapshot again = g.TakeSnapshot();
  ASSERT_TRUE(g.state().Restore(again).ok());
  EXPECT_EQ(g.TakeSnapshot().data, again.data);
}

TEST(DataGroupStateTest, RestoreDropsQueuesNotInTheSnapshot) {
  Group g;
  g.Produce("t", 0, {.tags = Tags(2)});
  const raft::Snapshot snap = g.TakeSnapshot();
  g.Produce("new", 3, {.tags = Tags(2)});
  EXPECT_EQ(g.state().queue_count(), 2u);
  ASSERT_TRUE(g.state().Restore(snap).ok());
  EXPECT_EQ(g.state().queue_count(), 1u);
  EXPECT_EQ(g.state().NextOffset("new", 3), 0u);
  // Replay recreates it from offset 0.
  g.Replay(2);
  EXPECT_EQ(g.state().NextOffset("new", 3), 2u);
  EXPECT_EQ(g.Bodies("new", 3).size(), 2u);

  // The empty snapshot (a group that never took one) empties the state.
  raft::Snapshot empty;
  ASSERT_TRUE(g.state().Restore(empty).ok());
  EXPECT_EQ(g.state().queue_count(), 0u);
  EXPECT_EQ(g.state().last_applied_index(), 0u);
}

TEST(DataGroupStateTest, MalformedSnapshotsAreRefusedAndChangeNothing) {
  Group g;
  g.Produce("t", 0, {.producer_id = 3, .tags = Tags(2)});
  const raft::Snapshot good = g.TakeSnapshot();
  const std::string bytes(good.data.view());
  auto restore = [&](std::string data, uint64_t index = 1) {
    raft::Snapshot s;
    s.metadata.index = index;
    s.data = raft::Payload(std::move(data));
    return g.state().Restore(s);
  };
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::Status s = restore(bytes.substr(0, n));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << n;
  }
  std::string flipped = bytes;
  flipped[20] ^= 1;
  EXPECT_NE(std::string(restore(flipped).message()).find("checksum"), std::string::npos);
  EXPECT_NE(std::string(restore(bytes, 7).message()).find("payload says index 1"),
            std::string::npos);
  // Another group's snapshot.
  {
    storage::SimFilesystem fs;
    absl::StatusOr<std::unique_ptr<DataGroupState>> other = DataGroupState::Open(fs, "/o", 3);
    ASSERT_TRUE(other.ok());
    absl::StatusOr<raft::Payload> data = (*other)->Snapshot();
    ASSERT_TRUE(data.ok());
    raft::Snapshot s;
    s.data = *data;
    EXPECT_NE(std::string(g.state().Restore(s).message()).find("taken of group 3"),
              std::string::npos);
  }
  EXPECT_EQ(g.state().NextOffset("t", 0), 2u);
  EXPECT_EQ(g.state().last_applied_index(), 1u);
  EXPECT_TRUE(g.state().FindDuplicate(3, "t", 0, 0).has_value());
  EXPECT_TRUE(restore(bytes).ok());
}

TEST(DataGroupStateTest, InstalledSnapshotWithoutConsumeQueueStartsAtNextOffset) {
  Group leader;
  for (uint64_t i = 0; i < 3; ++i) leader.Produce("t", 0, {.base_sequence = i, .tags = Tags(2)});
  const raft::Snapshot snap = leader.TakeSnapshot();
  // A follower that never saw those entries installs the snapshot: it has no units for them.
  Group follower;
  ASSERT_TRUE(follower.state().Restore(snap).ok());
  EXPECT_EQ(follower.state().NextOffset("t", 0), 6u);
  const protocol::QueueOffsetRange range = follower.state().Offsets("t", 0);
  EXPECT_EQ(range.min_offset, 6u);
  EXPECT_EQ(range.max_offset, 6u);
  FetchResponse r = follower.Fetch("t", 0, 2);
  EXPECT_EQ(r.header.error_code, ErrorCode::kOffsetOutOfRange);
  EXPECT_EQ(r.log_start_offset, 6u);
  EXPECT_EQ(follower.Fetch("t", 0, 6).header.error_code, ErrorCode::kOk);
  // New entries continue from there (the follower's log continues after the snapshot).
  ASSERT_TRUE(follower.log().ApplySnapshot(snap).ok());
  const ApplyOutcome out = follower.Produce("t", 0, {.base_sequence = 9, .tags = Tags(2)});
  EXPECT_EQ(out.produce.raft_index, 4u);
  EXPECT_EQ(out.produce.base_offset, 6u);
  r = follower.Fetch("t", 0, 6);
  ASSERT_EQ(r.batches.size(), 1u);
  EXPECT_EQ(r.batches[0].base_offset, 6u);
  EXPECT_EQ(r.next_offset, 8u);
}

TEST(DataGroupStateTest, RebuildAfterCrashWithLostConsumeQueueWrites) {
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Group g;
    Prng prng(seed);
    const bool with_snapshot = seed % 2 == 0;
    raft::Snapshot snap;
    std::map<uint64_t, uint64_t> next_sequence;  // producer 1 + i % 6 writes t(i % 3)/(i % 2)
    auto produce = [&](uint64_t i, size_t count) {
      const uint64_t pid = 1 + i % 6;
      const ApplyOutcome out = g.Produce(
          "t" + std::to_string(i % 3), static_cast<uint32_t>(i % 2),
          {.producer_id = pid, .base_sequence = next_sequence[pid], .tags = Tags(count, "x")});
      EXPECT_EQ(out.produce.code, ErrorCode::kOk);
      next_sequence[pid] += count;
    };
    for (uint64_t i = 0; i < 40; ++i) {
      produce(i, 1 + i % 4);
      if (with_snapshot && i == 19 + seed % 7) snap = g.TakeSnapshot();
      // Without a stored snapshot, the consume queues may still hold synced units (a snapshot
      // the driver never finished writing): they are stale once the log is replayed from 1.
      if (!with_snapshot && i == 25) {
        ASSERT_TRUE(g.state().Snapshot().ok());
      }
    }
    auto all_bodies = [&] {
      std::vector<std::vector<std::string>> all;
      for (int t = 0; t < 3; ++t) {
        for (uint32_t q = 0; q < 2; ++q) all.push_back(g.Bodies("t" + std::to_string(t), q));
      }
      return all;
    };
    const std::vector<std::vector<std::string>> before = all_bodies();
    // Power loss: the consume queues lose or tear every unit appended since the snapshot
    // (or all of them, without one). The log (MemoryStorage) is what Raft made durable.
    g.fs().Crash(prng);
    g.Reopen();
    if (with_snapshot) {
      ASSERT_TRUE(g.state().Restore(snap).ok());
    }
    g.Replay(with_snapshot ? snap.metadata.index + 1 : 1);
    EXPECT_EQ(all_bodies(), before);
    for (int t = 0; t < 3; ++t) {
      for (uint32_t q = 0; q < 2; ++q) {
        EXPECT_EQ(g.state().Offsets("t" + std::to_string(t), q).min_offset, 0u);
      }
    }
    // Dedup state was rebuilt too: the last batch of producer 1 is a duplicate again.
    // (Producer 1's last batch was i = 36: one message.)
    EXPECT_TRUE(g.state().FindDuplicate(1, "t0", 0, next_sequence[1] - 1).has_value());
    produce(42, 3);  // producer 1 again, on t0/0
    EXPECT_EQ(g.state().NextOffset("t0", 0), before[0].size() + 3);
  }
}

TEST(DataGroupStateTest, QueryById) {
  Group g;
  g.Produce("t", 0, {.tags = Tags(2)});
  g.Produce("u", 5, {.producer_id = 8, .base_sequence = 0, .tags = {"a", "b", "c"}});
  g.Produce("u", 5, {.producer_id = 8, .base_sequence = 0, .tags = {"a", "b", "c"}});  // duplicate
  g.Append("");  // no-op entry 4
  g.Replay(4);
  absl::StatusOr<protocol::QueryMessageByIdResponse> r =
      g.state().QueryById({.group_id = kGroup, .raft_index = 2, .slot = 2}, g.log());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->header.error_code, ErrorCode::kOk);
  EXPECT_EQ(r->topic, "u");
  EXPECT_EQ(r->queue_id, 5u);
  EXPECT_EQ(r->queue_offset, 2u);
  EXPECT_EQ(r->store_time_ms, 10000u + 1);
  EXPECT_EQ(r->record_batch,
            MakeBatch({.producer_id = 8, .base_sequence = 0, .tags = {"a", "b", "c"}}));
  r = g.state().QueryById({.group_id = kGroup, .raft_index = 1, .slot = 1}, g.log());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topic, "t");
  EXPECT_EQ(r->queue_offset, 1u);

  for (const protocol::MessageId& id : std::vector<protocol::MessageId>{
           {.group_id = kGroup + 1, .raft_index = 2, .slot = 0},  // another group
           {.group_id = kGroup, .raft_index = 2, .slot = 3},      // no such slot
           {.group_id = kGroup, .raft_index = 3, .slot = 0},      // a duplicate: stored nothing
           {.group_id = kGroup, .raft_index = 4, .slot = 0},      // a no-op entry
           {.group_id = kGroup, .raft_index = 5, .slot = 0},      // not applied
           {.group_id = kGroup, .raft_index = 0, .slot = 0}}) {
    r = g.state().QueryById(id, g.log());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->header.error_code, ErrorCode::kNotFound) << protocol::FormatMessageId(id);
    EXPECT_TRUE(r->header.definite);
  }
}

TEST(DataGroupStateTest, WorksOnTheRealFilesystem) {
  storage::TempDir dir;
  raft::MemoryStorage log;
  absl::StatusOr<std::unique_ptr<DataGroupState>> state =
      DataGroupState::Open(storage::PosixFilesystem::Get(), dir.path() + "/state", kGroup);
  ASSERT_TRUE(state.ok()) << state.status();
  const raft::Entry e =
      NormalEntry(1, EncodeProduceCommand("t", 0, 9, MakeBatch({.tags = Tags(3, "a")})));
  ASSERT_TRUE(log.Append({e}).ok());
  ASSERT_TRUE((*state)->Apply(e).ok());
  ASSERT_TRUE((*state)->Snapshot().ok());
  absl::StatusOr<FetchResponse> r =
      (*state)->Fetch({.topic = "t", .offset = 1, .tag_filter = "a"}, log);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->batches.size(), 1u);
  EXPECT_EQ(r->batches[0].slots, (std::vector<uint32_t>{1, 2}));
}

}  // namespace
}  // namespace mq::broker
