#include "client/protocol/record_batch.h"

#include <optional>
#include <string>
#include <vector>

#include "client/protocol/protocol_testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lz4.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/base/prng.h"

namespace mq::protocol {
namespace {

using ::testing::HasSubstr;
using testing::SampleBatch;
using testing::SampleMessages;

// --- Hand-made batches, for shapes the builder never writes ----------------------------------

void Put16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}

// One message record, field by field.
struct Record {
  int32_t born_delta_ms = 0;
  uint8_t flags = 0;
  uint8_t reserved = 0;
  std::optional<uint64_t> delivery_time_ms{};  // written iff set (flags is separate)
  std::string tag{};
  std::string group{};
  std::vector<std::string> keys{};
  std::vector<std::pair<std::string, std::string>> properties{};
  std::string body = "body";
  std::optional<uint32_t> message_bytes{};  // overrides, to forge inconsistent lengths
  std::optional<uint16_t> tag_len{};
  std::optional<uint16_t> group_len{};
  std::optional<uint16_t> key_count{};
  std::optional<uint16_t> property_count{};

  std::string Encode() const {
    std::string rest;
    PutFixed32(&rest, static_cast<uint32_t>(born_delta_ms));
    rest.push_back(static_cast<char>(flags));
    rest.push_back(static_cast<char>(reserved));
    Put16(&rest, tag_len.value_or(static_cast<uint16_t>(tag.size())));
    Put16(&rest, group_len.value_or(static_cast<uint16_t>(group.size())));
    Put16(&rest, key_count.value_or(static_cast<uint16_t>(keys.size())));
    Put16(&rest, property_count.value_or(static_cast<uint16_t>(properties.size())));
    if (delivery_time_ms) PutFixed64(&rest, *delivery_time_ms);
    rest += tag + group;
    for (const std::string& k : keys) {
      Put16(&rest, static_cast<uint16_t>(k.size()));
      rest += k;
    }
    for (const auto& [n, v] : properties) {
      Put16(&rest, static_cast<uint16_t>(n.size()));
      rest += n;
      Put16(&rest, static_cast<uint16_t>(v.size()));
      rest += v;
    }
    rest += body;
    std::string out;
    PutFixed32(&out, message_bytes.value_or(static_cast<uint32_t>(rest.size())));
    return out + rest;
  }
};

struct Batch {
  std::string section{};
  uint32_t message_count = 1;
  uint8_t version = kBatchVersion;
  uint8_t flags = 0;
  uint16_t reserved = 0;
  uint64_t producer_id = 7;
  uint64_t base_sequence = 100;
  uint64_t first_born_time_ms = 1000;
  bool lz4 = false;                         // compress `section` and set the flag
  std::optional<uint32_t> section_bytes{};  // override
  std::optional<uint32_t> batch_bytes{};    // override
  std::optional<uint32_t> crc{};            // override

  std::string Encode() const {
    std::string stored = section;
    uint8_t f = flags;
    if (lz4) {
      stored.resize(LZ4_compressBound(static_cast<int>(section.size())));
      const int n =
          LZ4_compress_default(section.data(), stored.data(), static_cast<int>(section.size()),
                               static_cast<int>(stored.size()));
      stored.resize(static_cast<size_t>(n));
      f |= static_cast<uint8_t>(Compression::kLz4);
    }
    std::string out;
    PutFixed32(&out, kBatchMagic);
    PutFixed32(&out,
               batch_bytes.value_or(static_cast<uint32_t>(kBatchHeaderBytes + stored.size())));
    PutFixed32(&out, 0);  // crc, below
    out.push_back(static_cast<char>(version));
    out.push_back(static_cast<char>(f));
    Put16(&out, reserved);
    PutFixed32(&out, message_count);
    PutFixed32(&out, section_bytes.value_or(static_cast<uint32_t>(section.size())));
    PutFixed64(&out, producer_id);
    PutFixed64(&out, base_sequence);
    PutFixed64(&out, first_born_time_ms);
    out += stored;
    EncodeFixed32(out.data() + kBatchCrcOffset,
                  crc.value_or(Crc32c(out.data() + kBatchCrcCoverageStart,
                                      out.size() - kBatchCrcCoverageStart)));
    return out;
  }
};

std::string OneRecordBatch(const Record& r) { return Batch{.section = r.Encode()}.Encode(); }

std::string ErrorOf(std::string_view batch, const ProtocolLimits& limits = ProtocolLimits()) {
  absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(batch, limits);
  if (reader.ok()) return "";
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(reader.status().message());
}

std::string Built(const std::vector<Message>& messages, RecordBatchOptions options = {},
                  const ProtocolLimits& limits = ProtocolLimits()) {
  RecordBatchBuilder builder(options, limits);
  for (const Message& m : messages) EXPECT_TRUE(builder.Add(m).ok());
  absl::StatusOr<std::string> batch = std::move(builder).Build();
  EXPECT_TRUE(batch.ok()) << batch.status();
  return batch.value_or("");
}

// --- Round trips -----------------------------------------------------------------------------

TEST(RecordBatchTest, RoundTripsUncompressed) {
  const std::string batch = SampleBatch(Compression::kNone);
  absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(batch);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(reader->ToMessages(), SampleMessages());
  const RecordBatchHeader& h = reader->header();
  EXPECT_EQ(h.batch_bytes, batch.size());
  EXPECT_EQ(h.version, kBatchVersion);
  EXPECT_EQ(h.compression, Compression::kNone);
  EXPECT_FALSE(h.transactional);
  EXPECT_EQ(h.message_count, 3u);
  EXPECT_EQ(h.section_bytes, batch.size() - kBatchHeaderBytes);
  EXPECT_EQ(h.producer_id, 42u);
  EXPECT_EQ(h.base_sequence, 1000u);
  EXPECT_EQ(h.first_born_time_ms, SampleMessages()[0].born_time_ms);
  EXPECT_EQ(reader->bytes().data(), batch.data());
}

TEST(RecordBatchTest, RoundTripsWithLz4AndShrinks) {
  const std::string plain = SampleBatch(Compression::kNone);
  const std::string batch = SampleBatch(Compression::kLz4);
  EXPECT_LT(batch.size(), plain.size());
  absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(batch);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(reader->header().compression, Compression::kLz4);
  EXPECT_EQ(reader->header().section_bytes, plain.size() - kBatchHeaderBytes);
  EXPECT_EQ(reader->ToMessages(), SampleMessages());
  // The reader owns the decompressed section: moving it keeps the views valid.
  RecordBatchReader moved = *std::move(reader);
  EXPECT_EQ(moved.message(2).body, SampleMessages()[2].body);
}

TEST(RecordBatchTest, Lz4ThatDoesNotHelpIsStoredUncompressed) {
  // 64 KiB of random bytes: LZ4's literal-length bytes cost more than the zeros of the fixed
  // part save.
  Prng prng(5);
  Message m;
  m.body.resize(64 << 10);
  for (char& c : m.body) c = static_cast<char>(prng.Next());
  const std::string batch = Built({m}, {.compression = Compression::kLz4});
  EXPECT_EQ(batch.size(), kBatchHeaderBytes + kMessageFixedBytes + m.body.size());
  absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(batch);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(reader->header().compression, Compression::kNone);
  EXPECT_EQ(reader->ToMessages(), std::vector<Message>{m});
}

TEST(RecordBatchTest, UncompressedBodiesAreReadInPlace) {
  const std::string batch = SampleBatch(Compression::kNone);
  absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(batch);
  ASSERT_TRUE(reader.ok());
  const MessageView view = reader->message(0);
  EXPECT_GE(view.body.data(), batch.data());
  EXPECT_LE(view.body.data() + view.body.size(), batch.data() + batch.size());
  EXPECT_EQ(view.slot, 0u);
  EXPECT_EQ(view.tag, "paid");
  EXPECT_EQ(view.message_group, "customer-9");
  EXPECT_EQ(view.delivery_time_ms, 1700000060000u);
  ASSERT_EQ(view.keys.size(), 2u);
  EXPECT_EQ(view.keys[1], "customer-9");
  ASSERT_EQ(view.properties.size(), 2u);
  EXPECT_EQ(view.properties[0].first, "region");
  EXPECT_EQ(view.properties[0].second, "eu");
  EXPECT_EQ(reader->message(1).born_time_ms, 1699999999000u);  // before the first: delta < 0
}

TEST(RecordBatchTest, TransactionalFlagRoundTrips) {
  const std::string batch = Built(SampleMessages(), {.transactional = true});
  absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(batch);
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE(reader->header().transactional);
}

TEST(RecordBatchTest, LayoutMatchesTheDrawing) {
  Message m{.body = "hi", .tag = "t", .born_time_ms = 5000};
  const std::string batch = Built({m}, {.producer_id = 9, .base_sequence = 3});
  ASSERT_EQ(batch.size(), kBatchHeaderBytes + kMessageFixedBytes + 1 + 2);
  EXPECT_EQ(batch.substr(0, 4), "RMQB");
  EXPECT_EQ(DecodeFixed32(batch.data() + kBatchBytesOffset), batch.size());
  EXPECT_EQ(DecodeFixed32(batch.data() + kBatchCrcOffset),
            Crc32c(batch.data() + 12, batch.size() - 12));
  EXPECT_EQ(batch[kBatchVersionOffset], 1);
  EXPECT_EQ(batch[kBatchFlagsOffset], 0);
  EXPECT_EQ(DecodeFixed32(batch.data() + kBatchMessageCountOffset), 1u);
  EXPECT_EQ(DecodeFixed32(batch.data() + kBatchSectionBytesOffset), kMessageFixedBytes + 3);
  EXPECT_EQ(DecodeFixed64(batch.data() + kBatchProducerIdOffset), 9u);
  EXPECT_EQ(DecodeFixed64(batch.data() + kBatchBaseSequenceOffset), 3u);
  EXPECT_EQ(DecodeFixed64(batch.data() + kBatchFirstBornTimeOffset), 5000u);
  const Record want{.tag = "t", .body = "hi"};
  EXPECT_EQ(batch.substr(kBatchHeaderBytes), want.Encode());
}

TEST(RecordBatchTest, RandomBatchesRoundTrip) {
  const char* env = std::getenv("RAFTMQ_PROTOCOL_SEEDS");
  const uint64_t seeds = env != nullptr ? std::strtoull(env, nullptr, 10) : 50;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " (RAFTMQ_PROTOCOL_SEEDS)");
    Prng prng(seed);
    std::vector<Message> messages(prng.Range(1, 40));
    const uint64_t born = prng.Next() >> 20;
    for (Message& m : messages) {
      m.body = std::string(prng.Uniform(300), static_cast<char>('a' + prng.Uniform(3)));
      if (prng.Chance(1, 2)) m.tag = "tag" + std::to_string(prng.Uniform(5));
      for (uint64_t k = prng.Uniform(3); k > 0; --k) m.keys.push_back("k" + std::to_string(k));
      for (uint64_t p = prng.Uniform(4); p > 0; --p) {
        m.properties["p" + std::to_string(p)] = std::string(prng.Uniform(20), 'v');
      }
      m.born_time_ms = born + prng.Uniform(100000);
      if (prng.Chance(1, 4)) m.message_group = "g";
      if (prng.Chance(1, 4)) m.delivery_time_ms = born + 1 + prng.Uniform(1000);
    }
    const auto compression = prng.Chance(1, 2) ? Compression::kLz4 : Compression::kNone;
    const std::string batch =
        Built(messages, {.producer_id = 1, .base_sequence = seed, .compression = compression});
    absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(batch);
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_EQ(reader->ToMessages(), messages);
  }
}

// --- Builder ---------------------------------------------------------------------------------

absl::Status AddOne(const Message& m, const ProtocolLimits& limits = ProtocolLimits()) {
  RecordBatchBuilder builder({}, limits);
  return builder.Add(m);
}

TEST(RecordBatchBuilderTest, RefusesInvalidMessages) {
  struct Case {
    Message message;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{.tag = "*"}, "tag \"*\" is reserved"},
      {{.tag = "a b"}, "tag byte 1 is 0x20"},
      {{.tag = "a||b"}, "tag byte 1 is 0x7c"},
      {{.tag = std::string("a\nb")}, "tag byte 1 is 0x0a"},
      {{.tag = std::string(256, 't')}, "tag of 256 bytes is more than tag_bytes_max 255"},
      {{.keys = {"a", ""}}, "key 1 is empty"},
      {{.keys = {std::string(256, 'k')}}, "key 0 has 256 bytes, more than key_bytes_max 255"},
      {{.keys = std::vector<std::string>(65, "k")}, "65 keys, more than keys_per_message_max 64"},
      {{.properties = {{"", "v"}}}, "property 0 has an empty name"},
      {{.properties = {{"n", std::string(33 << 10, 'v')}}},
       "properties total 33793 bytes, more than property_bytes_max 32768"},
      {{.message_group = std::string(256, 'g')},
       "message group of 256 bytes is more than message_group_bytes_max 255"},
  };
  for (const Case& c : cases) {
    absl::Status status = AddOne(c.message);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.error;
    EXPECT_THAT(status.message(), HasSubstr(c.error));
  }
  Message many;
  for (int i = 0; i < 129; ++i) many.properties["p" + std::to_string(i)] = "";
  EXPECT_THAT(AddOne(many).message(),
              HasSubstr("129 properties, more than properties_per_message_max 128"));
  // The format's own cap applies even under looser limits.
  ProtocolLimits loose;
  loose.property_bytes_max = 1 << 20;
  EXPECT_THAT(AddOne({.properties = {{"n", std::string(70000, 'v')}}}, loose).message(),
              HasSubstr("longer than 65535 bytes"));
  // UTF-8 tags are fine.
  EXPECT_TRUE(AddOne({.tag = "\xe8\xae\xa2\xe5\x8d\x95"}).ok());
}

TEST(RecordBatchBuilderTest, ValidateMessageMatchesTheBuilder) {
  EXPECT_TRUE(ValidateMessage(SampleMessages()[0]).ok());
  EXPECT_THAT(ValidateMessage({.tag = "*"}).message(), HasSubstr("reserved"));
}

TEST(RecordBatchBuilderTest, SaysFullByMessageCount) {
  ProtocolLimits limits;
  limits.messages_per_batch_max = 2;
  RecordBatchBuilder builder({}, limits);
  ASSERT_TRUE(builder.Add({.body = "1"}).ok());
  ASSERT_TRUE(builder.Add({.body = "2"}).ok());
  absl::Status status = builder.Add({.body = "3"});
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("messages_per_batch_max 2"));
  EXPECT_EQ(builder.message_count(), 2u);
}

TEST(RecordBatchBuilderTest, SaysFullByBytesAndNeverBuildsPastTheLimit) {
  ProtocolLimits limits;
  limits.batch_bytes_max = kBatchHeaderBytes + 100;
  RecordBatchBuilder builder({.compression = Compression::kLz4}, limits);
  ASSERT_TRUE(builder.Add({.body = std::string(60, 'x')}).ok());  // 78 bytes
  EXPECT_EQ(builder.uncompressed_batch_bytes(), kBatchHeaderBytes + 78);
  absl::Status status = builder.Add({.body = std::string(10, 'x')});  // 28 more: 106 > 100
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("78 + 28 bytes of messages is more than 100"));
  ASSERT_TRUE(builder.Add({.body = std::string(4, 'x')}).ok());  // 22 more: exactly 100
  absl::StatusOr<std::string> batch = std::move(builder).Build();
  ASSERT_TRUE(batch.ok());
  EXPECT_LE(batch->size(), limits.batch_bytes_max);
  EXPECT_TRUE(RecordBatchReader::Open(*batch, limits).ok());
}

TEST(RecordBatchBuilderTest, RefusesAMessageThatCanNeverFit) {
  ProtocolLimits limits;
  limits.batch_bytes_max = kBatchHeaderBytes + 100;
  absl::Status status = AddOne({.body = std::string(83, 'x')}, limits);  // 101 bytes
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("message of 101 bytes can never fit in a batch"));
  limits.batch_bytes_max = 1 << 20;
  limits.batch_uncompressed_bytes_max = 50;
  EXPECT_THAT(AddOne({.body = std::string(40, 'x')}, limits).message(), HasSubstr("can never fit"));
}

TEST(RecordBatchBuilderTest, BuildingNothingFails) {
  absl::StatusOr<std::string> batch = RecordBatchBuilder({}).Build();
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(RecordBatchBuilderTest, BornTimesFarApartNeedANewBatch) {
  RecordBatchBuilder builder({});
  ASSERT_TRUE(builder.Add({.born_time_ms = 1ull << 40}).ok());
  ASSERT_TRUE(builder.Add({.born_time_ms = (1ull << 40) + 0x7FFFFFFF}).ok());
  ASSERT_TRUE(builder.Add({.born_time_ms = (1ull << 40) - 0x80000000}).ok());
  absl::Status status = builder.Add({.born_time_ms = (1ull << 40) + 0x80000000});
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("too far from the batch's first born time"));
  EXPECT_EQ(builder.Add({.born_time_ms = (1ull << 40) - 0x80000001}).code(),
            absl::StatusCode::kResourceExhausted);
  absl::StatusOr<std::string> batch = std::move(builder).Build();
  ASSERT_TRUE(batch.ok());
  absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(*batch);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(reader->message(2).born_time_ms, (1ull << 40) - 0x80000000);
}

TEST(RecordBatchBuilderTest, RefusesBadSequenceOptions) {
  RecordBatchBuilder no_producer({.producer_id = 0, .base_sequence = 5});
  EXPECT_THAT(no_producer.Add({}).message(), HasSubstr("base sequence 5 without a producer id"));
  RecordBatchBuilder overflow({.producer_id = 1, .base_sequence = ~uint64_t{0}});
  ASSERT_TRUE(overflow.Add({}).ok());  // the last sequence there is
  EXPECT_THAT(overflow.Add({}).message(), HasSubstr("overflow"));
}

// --- Reader: header errors -------------------------------------------------------------------

TEST(RecordBatchReaderTest, RefusesBadHeaders) {
  const Record record;
  const std::string good = Batch{.section = record.Encode()}.Encode();
  ASSERT_EQ(ErrorOf(good), "");
  ProtocolLimits small;
  small.batch_bytes_max = good.size() - 1;
  struct Case {
    std::string batch;
    std::string error;
    ProtocolLimits limits = ProtocolLimits();
  };
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  const std::vector<Case> cases = {
      {good.substr(0, 47), "47 bytes, shorter than the 48-byte header"},
      {good, "more than batch_bytes_max", small},
      {bad_magic, "bad magic"},
      {Batch{.section = record.Encode(), .batch_bytes = 999}.Encode(),
       "header says 999 bytes, but the batch is"},
      {Batch{.section = record.Encode(), .version = 2}.Encode(), "unsupported version 2"},
      {Batch{.section = record.Encode(), .flags = 0x08}.Encode(), "unknown flags 0x08"},
      {Batch{.section = record.Encode(), .flags = 0x02}.Encode(), "unknown compression 2"},
      {Batch{.section = record.Encode(), .flags = 0x03}.Encode(), "unknown compression 3"},
      {Batch{.section = record.Encode(), .reserved = 1}.Encode(), "reserved bytes are 0x0001"},
      {Batch{.section = record.Encode(), .message_count = 0}.Encode(), "holds no messages"},
      {Batch{.section = record.Encode(), .message_count = 8193}.Encode(),
       "8193 messages, more than messages_per_batch_max 8192"},
      {Batch{.section = record.Encode(), .message_count = 2}.Encode(),
       "cannot hold 2 messages of at least 18 bytes each"},
      {Batch{.section = record.Encode(), .section_bytes = (16 << 20) + 1}.Encode(),
       "more than batch_uncompressed_bytes_max"},
      {Batch{.section = record.Encode(), .section_bytes = 30}.Encode(),
       "uncompressed, but the header says the section is 30 bytes and 22 follow the header"},
      {Batch{.section = record.Encode(), .producer_id = 0}.Encode(),
       "base sequence 100 without a producer id"},
      {Batch{.section = record.Encode() + record.Encode(),
             .message_count = 2,
             .base_sequence = ~uint64_t{0}}
           .Encode(),
       "overflow"},
      {Batch{.section = record.Encode(), .crc = 12345}.Encode(), "crc32c mismatch"},
  };
  for (const Case& c : cases) EXPECT_THAT(ErrorOf(c.batch, c.limits), HasSubstr(c.error));
}

TEST(RecordBatchReaderTest, AnyFlippedBitIsCaught) {
  const std::string good = SampleBatch(Compression::kLz4);
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= static_cast<char>(1 << (i % 8));
    EXPECT_NE(ErrorOf(bad), "") << "byte " << i;
  }
}

TEST(RecordBatchReaderTest, HeaderDecoderSkipsTheCrc) {
  const std::string batch = Batch{.section = Record().Encode(), .crc = 1}.Encode();
  absl::StatusOr<RecordBatchHeader> header = DecodeRecordBatchHeader(batch);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->producer_id, 7u);
  EXPECT_EQ(header->crc32c, 1u);
  EXPECT_THAT(ErrorOf(batch), HasSubstr("crc32c mismatch"));
}

TEST(RecordBatchReaderTest, RefusesBadLz4Data) {
  const std::string section = Record().Encode() + Record().Encode();
  ASSERT_EQ(ErrorOf(Batch{.section = section, .message_count = 2, .lz4 = true}.Encode()), "");
  // Declared larger than the data decompresses to.
  EXPECT_THAT(ErrorOf(Batch{.section = section,
                            .message_count = 2,
                            .lz4 = true,
                            .section_bytes = static_cast<uint32_t>(section.size() + 1)}
                          .Encode()),
              HasSubstr("decompresses to 44 bytes, header says 45"));
  // Declared smaller: the decompressor stops rather than write past it.
  EXPECT_THAT(ErrorOf(Batch{.section = section,
                            .message_count = 2,
                            .lz4 = true,
                            .section_bytes = static_cast<uint32_t>(section.size() - 1)}
                          .Encode()),
              HasSubstr("is corrupt or decompresses to more than the declared 43 bytes"));
  // Garbage in place of LZ4 data (with a valid crc).
  Batch garbage{.section = std::string(40, '\xff'), .message_count = 1, .section_bytes = 40};
  garbage.flags = static_cast<uint8_t>(Compression::kLz4);
  EXPECT_THAT(ErrorOf(garbage.Encode()), HasSubstr("LZ4 data (40 bytes) is corrupt"));
}

TEST(RecordBatchReaderTest, ChecksTheDecompressedSizeBeforeAllocating) {
  ProtocolLimits limits;
  limits.batch_uncompressed_bytes_max = 1000;
  EXPECT_THAT(
      ErrorOf(Batch{.section = Record().Encode(), .lz4 = true, .section_bytes = 1001}.Encode(),
              limits),
      HasSubstr("message section of 1001 bytes, more than batch_uncompressed_bytes_max "
                "1000"));
}

// --- Reader: message errors ------------------------------------------------------------------

TEST(RecordBatchReaderTest, RefusesBadMessages) {
  struct Case {
    Record record;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{.message_bytes = 100}, "claims 100 bytes but only 18 remain in the section"},
      {{.body = "", .message_bytes = 13}, "is 17 bytes, shorter than the 18-byte fixed part"},
      {{.flags = 0x02}, "unknown message flags 0x02"},
      {{.reserved = 9}, "reserved byte is 0x09, want 0"},
      {{.key_count = 65}, "65 keys, more than keys_per_message_max 64"},
      {{.property_count = 129}, "129 properties, more than properties_per_message_max 128"},
      {{.born_delta_ms = -1001}, "born time delta -1001 ms goes below time 0"},
      {{.flags = kMessageFlagDeliveryTime, .body = "1234567"}, "truncated in its delivery time"},
      {{.flags = kMessageFlagDeliveryTime, .delivery_time_ms = 0},
       "delivery time flag set with delivery time 0"},
      {{.tag_len = 10}, "tag of 10 bytes runs past the message's end (4 bytes left)"},
      {{.group_len = 10}, "message group of 10 bytes runs past the message's end"},
      {{.key_count = 3}, "key 0 runs past the message's end"},
      {{.body = "", .property_count = 1}, "property 0 runs past the message's end"},
      {{.tag = "a|b"}, "tag byte 1 is 0x7c"},
      {{.keys = {""}}, "key 0 is empty"},
      {{.properties = {{"b", "1"}, {"a", "2"}}}, "property 1 (\"a\") is not after property 0"},
      {{.properties = {{"a", "1"}, {"a", "2"}}},
       "property 1 (\"a\") is not after property 0: names must be unique and ascending"},
      {{.properties = {{"", "1"}}}, "property 0 has an empty name"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ErrorOf(OneRecordBatch(c.record)), HasSubstr("message 0 (of 1): " + c.error));
  }
}

TEST(RecordBatchReaderTest, RefusesBornTimeOverflow) {
  EXPECT_THAT(ErrorOf(Batch{.section = Record{.born_delta_ms = 1}.Encode(),
                            .first_born_time_ms = ~uint64_t{0}}
                          .Encode()),
              HasSubstr("born time delta 1 ms overflows"));
}

TEST(RecordBatchReaderTest, RefusesMessagesThatDoNotFillTheSectionExactly) {
  const std::string record = Record().Encode();
  // Bytes after the last message.
  EXPECT_THAT(ErrorOf(Batch{.section = record + std::string(20, '\0')}.Encode()),
              HasSubstr("20 bytes follow the last of the 1 messages"));
  // A third message whose length field is cut short.
  const std::string longer = Record{.body = std::string(20, 'b')}.Encode();
  EXPECT_THAT(
      ErrorOf(
          Batch{.section = longer + longer + std::string(2, '\0'), .message_count = 3}.Encode()),
      HasSubstr("message 2 (of 3): truncated: 2 bytes left where its length should be"));
  // The same checks inside LZ4 data.
  EXPECT_THAT(ErrorOf(Batch{.section = record + std::string(20, '\0'), .lz4 = true}.Encode()),
              HasSubstr("20 bytes follow the last"));
}

TEST(RecordBatchReaderTest, AppliesTheReadersLimitsNotTheWritersOnes) {
  ProtocolLimits tight;
  tight.tag_bytes_max = 3;
  EXPECT_THAT(ErrorOf(SampleBatch(), tight), HasSubstr("message 0 (of 3): tag of 4 bytes"));
  tight = ProtocolLimits();
  tight.keys_per_message_max = 1;
  EXPECT_THAT(ErrorOf(SampleBatch(), tight), HasSubstr("2 keys, more than keys_per_message_max 1"));
}

TEST(RecordBatchReaderDeathTest, MessageOutOfRangeAborts) {
  const std::string batch = SampleBatch();
  absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(batch);
  ASSERT_TRUE(reader.ok());
  EXPECT_DEATH(reader->message(3), "slot out of range");
}

}  // namespace
}  // namespace mq::protocol
