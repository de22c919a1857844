#include "raft/wire/raft_codec.h"

#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "flatbuffers/flatbuffers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "raft/wire/codec_testing.h"
#include "raft/wire/raft_message_generated.h"
#include "storage/base/prng.h"

namespace mq::raft::wire {
namespace {

using ::testing::HasSubstr;
using testing::SameBatch;
using testing::SameMessage;
using testing::SampleBatch;

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

// A valid kAppend from node 1 to node 2 in term 6: entries 11..13 (terms 5, 6, 6) after the
// entry (index 10, log_term 5).
Message ValidAppend() {
  Message m;
  m.type = MessageType::kAppend;
  m.from = 1;
  m.to = 2;
  m.term = 6;
  m.log_term = 5;
  m.index = 10;
  m.commit = 10;
  for (uint64_t i = 11; i <= 13; ++i) {
    m.entries.push_back({.term = i == 11 ? 5u : 6u,
                         .index = i,
                         .type = EntryType::kNormal,
                         .data = Payload(std::string_view("payload"))});
  }
  return m;
}

Message ValidSnapshot() {
  Message m;
  m.type = MessageType::kSnapshot;
  m.from = 1;
  m.to = 2;
  m.term = 6;
  m.snapshot.metadata = {.index = 50, .term = 6, .conf_state = {{1, 2, 3}, {5}}};
  m.snapshot.data = Payload(std::string_view("state"));
  return m;
}

absl::StatusOr<std::vector<GroupMessage>> RoundTrip(const std::vector<GroupMessage>& batch,
                                                    const DecodeLimits& limits = DecodeLimits()) {
  return DecodePeerBatch(EncodePeerBatch(batch), limits);
}

// Hand-built buffers, for shapes EncodePeerBatch never writes. `build` adds messages to the
// builder and returns their offsets.
using BuildFn = std::function<std::vector<flatbuffers::Offset<fb::GroupMessage>>(
    flatbuffers::FlatBufferBuilder&)>;
std::string BuildBatch(const BuildFn& build) {
  flatbuffers::FlatBufferBuilder fbb;
  const auto messages = build(fbb);
  fb::FinishPeerBatchBuffer(fbb, fb::CreatePeerBatch(fbb, fbb.CreateVector(messages)));
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

std::string ErrorOf(std::string_view bytes, const DecodeLimits& limits = DecodeLimits()) {
  auto decoded = DecodePeerBatch(bytes, limits);
  if (decoded.ok()) return "";
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(decoded.status().message());
}

// Encodes `m` alone (group 7) and returns the decode error message, or "" if it decoded.
std::string DecodeError(const Message& m, const DecodeLimits& limits = DecodeLimits()) {
  return ErrorOf(EncodePeerBatch({{.group_id = 7, .message = m}}), limits);
}

// ---- Round trips -------------------------------------------------------------------------

TEST(RaftCodecTest, RoundTripsEveryWireMessageTypeWithEveryField) {
  const std::vector<GroupMessage> batch = SampleBatch();
  ASSERT_EQ(batch.size(), 13u);  // kVote .. kTransferLeader
  for (const GroupMessage& gm : batch) ASSERT_TRUE(ValidateWireMessage(gm.message).ok());

  auto decoded = RoundTrip(batch);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_TRUE(SameBatch(batch, *decoded));
  // Spot-check that the comparison is not vacuous.
  const Message& append = (*decoded)[static_cast<int>(MessageType::kAppend)].message;
  EXPECT_EQ(append.type, MessageType::kAppend);
  ASSERT_EQ(append.entries.size(), 4u);
  EXPECT_EQ(append.entries[1].type, EntryType::kConfChange);
  EXPECT_EQ(append.entries[1].data, std::string_view("0123456789"));
  EXPECT_TRUE(append.entries[2].data.empty());
  EXPECT_EQ(append.context, "context-kAppend");
  const Message& snap = (*decoded)[static_cast<int>(MessageType::kSnapshot)].message;
  EXPECT_EQ(snap.snapshot.metadata.conf_state.learners, (std::vector<NodeId>{4, 9}));
  EXPECT_EQ(snap.snapshot.data, std::string_view("application state"));
}

TEST(RaftCodecTest, BufferEncodingIsTheWireBytesAndDecodes) {
  const std::vector<GroupMessage> batch = SampleBatch();
  const flatbuffers::DetachedBuffer buffer = EncodePeerBatchBuffer(batch);
  const std::string_view bytes(reinterpret_cast<const char*>(buffer.data()), buffer.size());
  EXPECT_EQ(bytes, EncodePeerBatch(batch));
  auto decoded = DecodePeerBatch(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(SameBatch(batch, *decoded));
}

TEST(RaftCodecTest, RoundTripsEachTypeAlone) {
  for (const GroupMessage& gm : SampleBatch()) {
    auto decoded = RoundTrip({gm});
    ASSERT_TRUE(decoded.ok()) << MessageTypeName(gm.message.type) << ": " << decoded.status();
    ASSERT_EQ(decoded->size(), 1u);
    EXPECT_EQ((*decoded)[0].group_id, gm.group_id);
    EXPECT_TRUE(SameMessage((*decoded)[0].message, gm.message)) << ToString(gm.message);
  }
}

TEST(RaftCodecTest, SameMessageNoticesEveryField) {
  const Message base = SampleBatch()[static_cast<int>(MessageType::kAppend)].message;
  const Message snap = SampleBatch()[static_cast<int>(MessageType::kSnapshot)].message;
  std::vector<std::function<void(Message&)>> edits = {
      [](Message& m) { m.type = MessageType::kHeartbeat; },
      [](Message& m) { m.from++; },
      [](Message& m) { m.to++; },
      [](Message& m) { m.term++; },
      [](Message& m) { m.log_term++; },
      [](Message& m) { m.index++; },
      [](Message& m) { m.commit++; },
      [](Message& m) { m.reject = !m.reject; },
      [](Message& m) { m.reject_hint++; },
      [](Message& m) { m.context += "x"; },
      [](Message& m) { m.entries.pop_back(); },
      [](Message& m) { m.entries[0].term++; },
      [](Message& m) { m.entries[0].index++; },
      [](Message& m) { m.entries[0].type = EntryType::kConfChange; },
      [](Message& m) { m.entries[0].data = Payload(std::string_view("other")); },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    Message changed = base;
    edits[i](changed);
    EXPECT_FALSE(SameMessage(base, changed)) << "edit " << i;
  }
  std::vector<std::function<void(Message&)>> snapshot_edits = {
      [](Message& m) { m.snapshot.metadata.index++; },
      [](Message& m) { m.snapshot.metadata.term++; },
      [](Message& m) { m.snapshot.metadata.conf_state.voters.pop_back(); },
      [](Message& m) { m.snapshot.metadata.conf_state.learners.pop_back(); },
      [](Message& m) { m.snapshot.data = Payload(); },
  };
  for (size_t i = 0; i < snapshot_edits.size(); ++i) {
    Message changed = snap;
    snapshot_edits[i](changed);
    EXPECT_FALSE(SameMessage(snap, changed)) << "snapshot edit " << i;
  }
}

TEST(RaftCodecTest, RoundTripsExtremeValues) {
  Message m;
  m.type = MessageType::kAppendResponse;
  m.from = kU64Max;
  m.to = kU64Max - 1;
  m.term = kU64Max;
  m.log_term = kU64Max;
  m.index = kU64Max;
  m.commit = kU64Max;
  m.reject_hint = kU64Max;
  std::vector<GroupMessage> batch = {{.group_id = kU64Max, .message = m}};
  auto decoded = RoundTrip(batch);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(SameBatch(batch, *decoded));
}

TEST(RaftCodecTest, DefaultFieldsAreOmittedAndReadBackAsDefaults) {
  Message m;  // kHeartbeat, everything else zero or empty
  m.from = 1;
  m.to = 2;
  m.term = 1;
  const std::string bytes = EncodePeerBatch({{.group_id = 0, .message = m}});
  Message with_commit = m;
  with_commit.commit = 5;
  EXPECT_LT(bytes.size(), EncodePeerBatch({{.group_id = 0, .message = with_commit}}).size());
  auto decoded = DecodePeerBatch(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_TRUE(SameMessage((*decoded)[0].message, m));
}

// Coalescing is only worth it if one more group's heartbeat adds little to a frame.
TEST(RaftCodecTest, CoalescedHeartbeatsCostFewBytesEach) {
  auto heartbeats = [](uint64_t groups) {
    std::vector<GroupMessage> batch;
    for (uint64_t g = 1; g <= groups; ++g) {
      Message m;
      m.type = MessageType::kHeartbeat;
      m.from = 1;
      m.to = 2;
      m.term = 3;
      m.commit = 1000 + g;
      batch.push_back({.group_id = g, .message = m});
    }
    return EncodePeerBatch(batch);
  };
  const size_t per_group = (heartbeats(101).size() - heartbeats(1).size()) / 100;
  EXPECT_LE(per_group, 64u);  // 60 today: GroupMessage + Message tables, shared vtables
}

TEST(RaftCodecTest, EmptyBatchRoundTrips) {
  const std::string bytes = EncodePeerBatch({});
  auto decoded = DecodePeerBatch(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(decoded->empty());
}

TEST(RaftCodecTest, BatchWithoutMessagesVectorIsEmpty) {
  flatbuffers::FlatBufferBuilder fbb;
  fb::FinishPeerBatchBuffer(fbb, fb::CreatePeerBatch(fbb));
  std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  auto decoded = DecodePeerBatch(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(decoded->empty());
}

TEST(RaftCodecTest, RoundTripsBigEntriesAndSnapshots) {
  Message append = ValidAppend();
  std::string big(8 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + (i >> 12));
  append.entries[1].data = Payload(std::string_view(big));
  Message snap = ValidSnapshot();
  snap.snapshot.data = Payload(std::string_view(big).substr(1));
  std::vector<GroupMessage> batch = {{.group_id = 1, .message = append},
                                     {.group_id = 2, .message = snap}};
  const std::string bytes = EncodePeerBatch(batch);
  EXPECT_LT(bytes.size(), 2 * big.size() + 1024);  // payloads stored once, little overhead
  auto decoded = DecodePeerBatch(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(SameBatch(batch, *decoded));
}

TEST(RaftCodecTest, RoundTripsManyMessagesAndEntries) {
  std::vector<GroupMessage> batch;
  for (uint64_t g = 0; g < 2000; ++g) {
    Message m;
    m.type = MessageType::kHeartbeat;
    m.from = 1;
    m.to = 2;
    m.term = g + 1;
    m.commit = g;
    m.context = g % 3 == 0 ? "round" : "";
    batch.push_back({.group_id = g, .message = m});
  }
  Message append = ValidAppend();
  append.entries.clear();
  for (uint64_t i = 0; i < 5000; ++i) {
    append.entries.push_back({.term = 6,
                              .index = 11 + i,
                              .type = EntryType::kNormal,
                              .data = Payload(std::to_string(i))});
  }
  batch.push_back({.group_id = 9, .message = append});
  auto decoded = RoundTrip(batch);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(SameBatch(batch, *decoded));
}

TEST(RaftCodecTest, DecodesMisalignedInput) {
  const std::string bytes = EncodePeerBatch(SampleBatch());
  std::string shifted = " " + bytes;
  auto decoded = DecodePeerBatch(std::string_view(shifted).substr(1));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(SameBatch(SampleBatch(), *decoded));
}

TEST(RaftCodecTest, EncodingALocalMessageIsAProgrammerError) {
  Message m;
  m.type = MessageType::kLocalPersisted;
  m.from = m.to = 1;
  EXPECT_DEATH(EncodePeerBatch({{.group_id = 1, .message = m}}), "no wire form");
}

// ---- Bytes that are not a PeerBatch -------------------------------------------------------

TEST(RaftCodecTest, RefusesBatchOverBatchBytesMax) {
  const std::string bytes = EncodePeerBatch(SampleBatch());
  DecodeLimits limits;
  limits.batch_bytes_max = bytes.size() - 1;
  EXPECT_THAT(ErrorOf(bytes, limits), HasSubstr("more than batch_bytes_max"));
  limits.batch_bytes_max = bytes.size();
  EXPECT_EQ(ErrorOf(bytes, limits), "");
}

TEST(RaftCodecTest, RefusesTooShortInput) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("0 bytes is too short"));
  EXPECT_THAT(ErrorOf("1234567"), HasSubstr("7 bytes is too short"));
}

// The buffer may end in alignment padding, which no offset reaches; any cut into data fails.
TEST(RaftCodecTest, RefusesEveryTruncationIntoData) {
  const std::string bytes = EncodePeerBatch(SampleBatch());
  size_t decodable_prefixes = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto decoded = DecodePeerBatch(std::string_view(bytes).substr(0, n));
    if (decoded.ok()) {
      ++decodable_prefixes;
      EXPECT_TRUE(SameBatch(SampleBatch(), *decoded)) << "prefix of " << n << " bytes";
    } else {
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
  EXPECT_LT(decodable_prefixes, 8u);  // at most the padding
}

TEST(RaftCodecTest, RefusesWrongFileIdentifier) {
  std::string bytes = EncodePeerBatch(SampleBatch());
  ASSERT_EQ(bytes.substr(4, 4), "MQRB");
  bytes[4] = 'X';
  EXPECT_THAT(ErrorOf(bytes), HasSubstr("not a valid PeerBatch"));
}

TEST(RaftCodecTest, RefusesGarbage) {
  Prng prng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string garbage(prng.Range(0, 300), '\0');
    for (char& c : garbage) c = static_cast<char>(prng.Next());
    if (i % 2 == 0 && garbage.size() >= 8) std::memcpy(&garbage[4], "MQRB", 4);
    EXPECT_NE(ErrorOf(garbage), "") << "seed 7, input " << i;
  }
}

TEST(RaftCodecTest, RefusesOffsetsPointingOutOfTheBuffer) {
  std::string bytes = EncodePeerBatch(SampleBatch());
  // The root offset (first 4 bytes) pointing past the end.
  const uint32_t past = static_cast<uint32_t>(bytes.size());
  std::memcpy(&bytes[0], &past, 4);
  EXPECT_THAT(ErrorOf(bytes), HasSubstr("not a valid PeerBatch"));
}

TEST(RaftCodecTest, RefusesNestingDeeperThanTableDepthMax) {
  const std::string bytes = EncodePeerBatch({{.group_id = 1, .message = ValidSnapshot()}});
  DecodeLimits limits;
  // PeerBatch > GroupMessage > Message > Snapshot > SnapshotMetadata > ConfState
  limits.table_depth_max = 5;
  EXPECT_THAT(ErrorOf(bytes, limits), HasSubstr("table_depth_max 5"));
  limits.table_depth_max = 6;
  EXPECT_EQ(ErrorOf(bytes, limits), "");
}

TEST(RaftCodecTest, RefusesMoreTablesThanTablesPerBatchMax) {
  const std::string bytes = EncodePeerBatch({{.group_id = 1, .message = ValidAppend()}});
  DecodeLimits limits;
  limits.tables_per_batch_max = 5;  // PeerBatch, GroupMessage, Message and 3 entries = 6
  EXPECT_THAT(ErrorOf(bytes, limits), HasSubstr("tables_per_batch_max 5"));
  limits.tables_per_batch_max = 6;
  EXPECT_EQ(ErrorOf(bytes, limits), "");
}

// ---- Verifiable buffers that mean nothing good --------------------------------------------

TEST(RaftCodecTest, RefusesMoreMessagesThanMessagesPerBatchMax) {
  std::vector<GroupMessage> batch(4, {.group_id = 1, .message = ValidAppend()});
  DecodeLimits limits;
  limits.messages_per_batch_max = 3;
  EXPECT_THAT(ErrorOf(EncodePeerBatch(batch), limits),
              HasSubstr("4 messages, more than messages_per_batch_max 3"));
  limits.messages_per_batch_max = 4;
  EXPECT_EQ(ErrorOf(EncodePeerBatch(batch), limits), "");
}

TEST(RaftCodecTest, ErrorNamesPositionGroupTypeAndNodes) {
  Message bad = ValidAppend();
  bad.from = 0;
  std::vector<GroupMessage> batch = {{.group_id = 5, .message = ValidAppend()},
                                     {.group_id = 42, .message = bad}};
  EXPECT_EQ(ErrorOf(EncodePeerBatch(batch)),
            "peer batch message 1 (group 42): kAppend 0->2: from is node 0");
}

TEST(RaftCodecTest, RefusesUnknownMessageType) {
  Message m = ValidAppend();
  m.type = static_cast<MessageType>(200);
  EXPECT_THAT(DecodeError(m), HasSubstr("unknown message type 200"));
  m.type = static_cast<MessageType>(kMessageTypeMax + 1);
  EXPECT_THAT(DecodeError(m), HasSubstr("unknown message type 16"));
}

TEST(RaftCodecTest, RefusesLocalMessageTypes) {
  for (MessageType type : {MessageType::kLocalPersisted, MessageType::kLocalSnapshotStatus,
                           MessageType::kLocalUnreachable}) {
    const std::string bytes = BuildBatch([&](flatbuffers::FlatBufferBuilder& fbb) {
      fb::MessageBuilder mb(fbb);
      mb.add_type(static_cast<fb::MessageType>(type));
      mb.add_from(1);
      mb.add_to(2);
      const auto m = mb.Finish();
      return std::vector{fb::CreateGroupMessage(fbb, 3, m)};
    });
    EXPECT_THAT(ErrorOf(bytes),
                HasSubstr(absl::StrFormat("%s is a local message", MessageTypeName(type))));
  }
}

TEST(RaftCodecTest, RefusesGroupMessageWithoutMessage) {
  const std::string bytes = BuildBatch([](flatbuffers::FlatBufferBuilder& fbb) {
    return std::vector{fb::CreateGroupMessage(fbb, 3)};
  });
  EXPECT_EQ(ErrorOf(bytes), "peer batch message 0 (group 3): no message");
}

TEST(RaftCodecTest, RefusesZeroOrEqualNodes) {
  Message m = ValidAppend();
  m.from = 0;
  EXPECT_THAT(DecodeError(m), HasSubstr("from is node 0"));
  m = ValidAppend();
  m.to = 0;
  EXPECT_THAT(DecodeError(m), HasSubstr("to is node 0"));
  m = ValidAppend();
  m.to = m.from;
  EXPECT_THAT(DecodeError(m), HasSubstr("from and to are the same node"));
}

TEST(RaftCodecTest, RefusesTermZero) {
  Message m;
  m.type = MessageType::kHeartbeat;
  m.from = 1;
  m.to = 2;
  EXPECT_THAT(DecodeError(m), HasSubstr("kHeartbeat 1->2: term is 0"));
  m.term = 1;
  EXPECT_EQ(DecodeError(m), "");
}

TEST(RaftCodecTest, RefusesContextOverContextBytesMax) {
  Message m = ValidAppend();
  m.context = std::string(100, 'c');
  DecodeLimits limits;
  limits.context_bytes_max = 99;
  EXPECT_THAT(DecodeError(m, limits),
              HasSubstr("context holds 100 bytes, more than context_bytes_max 99"));
  limits.context_bytes_max = 100;
  EXPECT_EQ(DecodeError(m, limits), "");
}

TEST(RaftCodecTest, RefusesEntriesOutsideAppend) {
  Message m = ValidAppend();
  m.type = MessageType::kHeartbeat;
  EXPECT_THAT(DecodeError(m), HasSubstr("kHeartbeat 1->2: carries 3 entries; only kAppend does"));
}

TEST(RaftCodecTest, RefusesMoreEntriesThanEntriesPerMessageMax) {
  DecodeLimits limits;
  limits.entries_per_message_max = 2;
  EXPECT_THAT(DecodeError(ValidAppend(), limits),
              HasSubstr("3 entries, more than entries_per_message_max 2"));
  limits.entries_per_message_max = 3;
  EXPECT_EQ(DecodeError(ValidAppend(), limits), "");
}

TEST(RaftCodecTest, RefusesUnknownEntryType) {
  Message m = ValidAppend();
  m.entries[2].type = static_cast<EntryType>(kEntryTypeMax + 1);
  EXPECT_THAT(DecodeError(m), HasSubstr("entry 2 has unknown entry type 2"));
}

TEST(RaftCodecTest, RefusesEntriesNotFollowingTheAppendIndex) {
  Message m = ValidAppend();
  m.index = 9;
  EXPECT_THAT(DecodeError(m), HasSubstr("entry 0 has index 11, want 10"));
}

TEST(RaftCodecTest, RefusesNonContiguousEntries) {
  Message gap = ValidAppend();
  gap.entries[2].index = 14;
  EXPECT_THAT(DecodeError(gap), HasSubstr("entry 2 has index 14, want 13"));
  Message repeat = ValidAppend();
  repeat.entries[2].index = 12;
  EXPECT_THAT(DecodeError(repeat), HasSubstr("entry 2 has index 12, want 13"));
}

TEST(RaftCodecTest, RefusesEntriesPastTheLargestIndex) {
  Message m = ValidAppend();
  m.index = kU64Max - 2;  // room for two entries, not three
  for (size_t i = 0; i < m.entries.size(); ++i) m.entries[i].index = m.index + 1 + i;
  EXPECT_THAT(DecodeError(m), HasSubstr("pass the largest index"));
}

TEST(RaftCodecTest, RefusesEntryTermZero) {
  Message m = ValidAppend();
  m.log_term = 0;
  m.entries[0].term = 0;
  EXPECT_THAT(DecodeError(m), HasSubstr("entry 0 has term 0"));
}

TEST(RaftCodecTest, RefusesDecreasingEntryTerms) {
  Message m = ValidAppend();
  m.entries[2].term = 5;  // after 6
  EXPECT_THAT(DecodeError(m), HasSubstr("entry 2 has term 5, below the previous entry's term 6"));
}

TEST(RaftCodecTest, RefusesEntryTermBelowLogTerm) {
  Message m = ValidAppend();
  m.log_term = 6;  // entry 0 has term 5
  EXPECT_THAT(DecodeError(m), HasSubstr("entry 0 has term 5, below the previous entry's term 6"));
}

TEST(RaftCodecTest, RefusesEntryTermAboveMessageTerm) {
  Message m = ValidAppend();
  m.entries[2].term = 7;
  EXPECT_THAT(DecodeError(m), HasSubstr("entry 2 has term 7, above the message's term 6"));
}

TEST(RaftCodecTest, RefusesEntryOverEntryBytesMax) {
  Message m = ValidAppend();
  m.entries[1].data = Payload(std::string(1000, 'x'));
  DecodeLimits limits;
  limits.entry_bytes_max = 999;
  EXPECT_THAT(DecodeError(m, limits),
              HasSubstr("entry 1 holds 1000 bytes, more than entry_bytes_max 999"));
  limits.entry_bytes_max = 1000;
  EXPECT_EQ(DecodeError(m, limits), "");
}

TEST(RaftCodecTest, RefusesSnapshotOutsideSnapshotMessage) {
  Message m = ValidSnapshot();
  m.type = MessageType::kHeartbeat;
  EXPECT_THAT(DecodeError(m), HasSubstr("kHeartbeat 1->2: carries a snapshot; only kSnapshot"));
  // Data alone counts as a snapshot too.
  Message data_only = ValidAppend();
  data_only.snapshot.data = Payload(std::string_view("x"));
  EXPECT_THAT(DecodeError(data_only), HasSubstr("carries a snapshot"));
}

TEST(RaftCodecTest, RefusesSnapshotMessageWithoutSnapshot) {
  Message m = ValidSnapshot();
  m.snapshot = Snapshot();
  EXPECT_THAT(DecodeError(m), HasSubstr("kSnapshot 1->2: carries no snapshot (snapshot index 0)"));
  // Present but with index 0.
  Message zero_index = ValidSnapshot();
  zero_index.snapshot.metadata.index = 0;
  EXPECT_THAT(DecodeError(zero_index), HasSubstr("carries no snapshot"));
}

TEST(RaftCodecTest, RefusesBadSnapshotTerm) {
  Message m = ValidSnapshot();
  m.snapshot.metadata.term = 0;
  EXPECT_THAT(DecodeError(m), HasSubstr("snapshot has term 0"));
  m.snapshot.metadata.term = 7;
  EXPECT_THAT(DecodeError(m), HasSubstr("snapshot has term 7, above the message's term 6"));
}

TEST(RaftCodecTest, RefusesBadSnapshotConfiguration) {
  struct Case {
    ConfState conf;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{{}, {4}}, "snapshot configuration has no voters"},
      {{{2, 1}, {}}, "snapshot configuration: voters not sorted and unique"},
      {{{1, 1, 2}, {}}, "snapshot configuration: voters not sorted and unique"},
      {{{0, 1}, {}}, "snapshot configuration: voters holds node 0"},
      {{{1, 2}, {5, 4}}, "snapshot configuration: learners not sorted and unique"},
      {{{1, 2}, {0}}, "snapshot configuration: learners holds node 0"},
      {{{1, 2}, {2}}, "snapshot configuration: node 2 is both voter and learner"},
  };
  for (const Case& c : cases) {
    Message m = ValidSnapshot();
    m.snapshot.metadata.conf_state = c.conf;
    EXPECT_THAT(DecodeError(m), HasSubstr(c.error)) << ToString(c.conf);
  }
}

TEST(RaftCodecTest, RefusesConfigurationOverConfNodesMax) {
  DecodeLimits limits;
  limits.conf_nodes_max = 3;  // ValidSnapshot has 3 voters and 1 learner
  EXPECT_THAT(DecodeError(ValidSnapshot(), limits),
              HasSubstr("snapshot configuration has 4 nodes, more than conf_nodes_max 3"));
  limits.conf_nodes_max = 4;
  EXPECT_EQ(DecodeError(ValidSnapshot(), limits), "");
}

TEST(RaftCodecTest, RefusesSnapshotOverSnapshotBytesMax) {
  DecodeLimits limits;
  limits.snapshot_bytes_max = 4;  // "state"
  EXPECT_THAT(DecodeError(ValidSnapshot(), limits),
              HasSubstr("snapshot holds 5 bytes, more than snapshot_bytes_max 4"));
  limits.snapshot_bytes_max = 5;
  EXPECT_EQ(DecodeError(ValidSnapshot(), limits), "");
}

// Offsets may share subtrees; a batch whose messages all point at one big message would decode
// into far more bytes than it holds.
TEST(RaftCodecTest, RefusesDataSharedBetweenMessages) {
  const std::string state(1000, 's');
  auto build = [&](int copies) {
    return BuildBatch([&](flatbuffers::FlatBufferBuilder& fbb) {
      const auto voters = fbb.CreateVector(std::vector<uint64_t>{1, 2});
      const auto conf = fb::CreateConfState(fbb, voters);
      const auto md = fb::CreateSnapshotMetadata(fbb, 50, 6, conf);
      const auto data =
          fbb.CreateVector(reinterpret_cast<const uint8_t*>(state.data()), state.size());
      const auto snapshot = fb::CreateSnapshot(fbb, md, data);
      const auto message = fb::CreateMessage(fbb, fb::MessageType::Snapshot, 1, 2, 6, 0, 0, 0, 0,
                                             false, 0, snapshot);
      std::vector<flatbuffers::Offset<fb::GroupMessage>> out;
      for (int i = 0; i < copies; ++i) out.push_back(fb::CreateGroupMessage(fbb, i, message));
      return out;
    });
  };
  EXPECT_EQ(ErrorOf(build(1)), "");
  EXPECT_THAT(ErrorOf(build(2)),
              HasSubstr("peer batch message 1 (group 1): payloads total more than the"));
}

// Found by the fuzzer: the Verifier checks only the 4-byte alignment of a vector's length, so a
// forged [uint64] vector may start 4 bytes off; reading it in place would be undefined.
TEST(RaftCodecTest, RefusesMisalignedNodeIds) {
  int misaligned_cases = 0;
  for (int pad = 0; pad < 2; ++pad) {
    const std::string bytes = BuildBatch([&](flatbuffers::FlatBufferBuilder& fbb) {
      // Bytes that the forged vector's tail reads; created first, so they lie after it.
      const auto filler = fbb.CreateVector(std::vector<uint8_t>(64, 0));
      for (int i = 0; i < pad; ++i) fbb.PushElement<uint32_t>(0);
      // Four uint32s: {1, 0, 2, 0} are voters {1, 2} when read as uint64s at 8-byte alignment;
      // as a [uint64] its length (4) reaches 16 bytes into the filler.
      const auto forged = fbb.CreateVector(std::vector<uint32_t>{1, 0, 2, 0});
      const auto conf =
          fb::CreateConfState(fbb, flatbuffers::Offset<flatbuffers::Vector<uint64_t>>(forged.o));
      const auto md = fb::CreateSnapshotMetadata(fbb, 50, 6, conf);
      const auto snapshot = fb::CreateSnapshot(fbb, md, filler);
      const auto message = fb::CreateMessage(fbb, fb::MessageType::Snapshot, 1, 2, 6, 0, 0, 0, 0,
                                             false, 0, snapshot);
      return std::vector{fb::CreateGroupMessage(fbb, 7, message)};
    });
    // Find out where the voters landed (the Verifier passes either way).
    std::string copy = bytes;  // std::string storage is 8-byte aligned
    const auto* voters = fb::GetPeerBatch(copy.data())
                             ->messages()
                             ->Get(0)
                             ->message()
                             ->snapshot()
                             ->metadata()
                             ->conf_state()
                             ->voters();
    if (reinterpret_cast<uintptr_t>(voters->Data()) % 8 == 0) continue;
    ++misaligned_cases;
    EXPECT_THAT(ErrorOf(bytes), HasSubstr("node ids are not 8-byte aligned"));
  }
  EXPECT_EQ(misaligned_cases, 1);
}

TEST(RaftCodecTest, ValidateWireMessageMatchesDecoder) {
  EXPECT_TRUE(ValidateWireMessage(ValidAppend()).ok());
  EXPECT_TRUE(ValidateWireMessage(ValidSnapshot()).ok());
  Message m = ValidAppend();
  m.entries[2].index = 20;
  const absl::Status status = ValidateWireMessage(m);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(status.message()),
            "kAppend 1->2: entry 2 has index 20, want 13 (entries follow index 10 contiguously)");
}

}  // namespace
}  // namespace mq::raft::wire
