// Fuzz target for RecordBatchReader (registered by mq_add_fuzzer; see cmake/MqFuzzing.cmake).
//
// Any input: opening must not crash and may only fail with InvalidArgument. The input is
// opened as is, and once more "repaired" (its length field and crc rewritten), so mutations
// reach the message parser instead of stopping at the checksum. A batch that opens must agree
// with its header decoder, and its messages, rebuilt into a new batch (with and without LZ4),
// must read back the same.
//
// Seeds: as in frame_decoder_fuzz.cc (RAFTMQ_FUZZ_WRITE_SEEDS).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "client/protocol/protocol_testing.h"
#include "client/protocol/record_batch.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/base/status_macros.h"

namespace {

using mq::protocol::Compression;
using mq::protocol::Message;
using mq::protocol::ProtocolLimits;
using mq::protocol::RecordBatchBuilder;
using mq::protocol::RecordBatchReader;

// Small limits, so the fuzzer also reaches every limit check.
ProtocolLimits FuzzLimits() {
  ProtocolLimits limits;
  limits.batch_bytes_max = 64 << 10;
  limits.batch_uncompressed_bytes_max = 256 << 10;
  limits.messages_per_batch_max = 64;
  limits.tag_bytes_max = 16;
  limits.keys_per_message_max = 4;
  limits.key_bytes_max = 16;
  limits.message_group_bytes_max = 16;
  limits.properties_per_message_max = 8;
  limits.property_bytes_max = 256;
  return limits;
}

void Check(std::string_view batch) {
  static const ProtocolLimits limits = FuzzLimits();
  absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(batch, limits);
  if (!reader.ok()) {
    MQ_CHECK_MSG(reader.status().code() == absl::StatusCode::kInvalidArgument,
                 reader.status().ToString().c_str());
    return;
  }
  absl::StatusOr<mq::protocol::RecordBatchHeader> header =
      mq::protocol::DecodeRecordBatchHeader(batch, limits);
  MQ_CHECK_OK(header.status());
  MQ_CHECK(header->crc32c == reader->header().crc32c);
  MQ_CHECK(header->message_count == reader->message_count());
  const std::vector<Message> messages = reader->ToMessages();
  for (Compression compression : {Compression::kNone, Compression::kLz4}) {
    const mq::protocol::RecordBatchHeader& h = reader->header();
    RecordBatchBuilder builder({.producer_id = h.producer_id,
                                .base_sequence = h.base_sequence,
                                .compression = compression,
                                .transactional = h.transactional},
                               limits);
    for (const Message& m : messages) {
      const absl::Status status = builder.Add(m);
      // The builder is more careful than the reader: it caps the uncompressed section at
      // batch_bytes_max (it cannot know how well LZ4 will do) and keeps born times within
      // 2^31 ms of the first message's, where a batch's header may place them anywhere. Those
      // are the only refusals a verified batch's messages may meet.
      if (!status.ok()) {
        MQ_CHECK_MSG(status.code() == absl::StatusCode::kResourceExhausted ||
                         absl::StrContains(status.message(), "can never fit in a batch"),
                     status.ToString().c_str());
        return;
      }
    }
    absl::StatusOr<std::string> rebuilt = std::move(builder).Build();
    MQ_CHECK_OK(rebuilt.status());
    absl::StatusOr<RecordBatchReader> again = RecordBatchReader::Open(*rebuilt, limits);
    MQ_CHECK_OK(again.status());
    MQ_CHECK(again->ToMessages() == messages);
  }
}

std::vector<std::string> Seeds() {
  std::vector<std::string> seeds = {mq::protocol::testing::SampleBatch(Compression::kNone),
                                    mq::protocol::testing::SampleBatch(Compression::kLz4)};
  for (const Message& m : mq::protocol::testing::SampleMessages()) {
    RecordBatchBuilder builder({.producer_id = 1, .base_sequence = 2}, FuzzLimits());
    if (builder.Add(m).ok()) seeds.push_back(*std::move(builder).Build());
  }
  RecordBatchBuilder many({.compression = Compression::kLz4}, FuzzLimits());
  for (int i = 0; i < 20; ++i) {
    MQ_CHECK_OK(many.Add({.body = std::string(i * 10, 'b'), .tag = "t", .born_time_ms = 100u + i}));
  }
  seeds.push_back(*std::move(many).Build());
  return seeds;
}

}  // namespace

extern "C" void LLVMFuzzerSeedInputs(std::vector<std::string>* seeds) {
  for (std::string& seed : Seeds()) seeds->push_back(std::move(seed));
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  mq::protocol::testing::MaybeWriteFuzzSeeds(Seeds());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Check(input);
  if (size >= mq::protocol::kBatchHeaderBytes) {
    std::string repaired(input);
    mq::EncodeFixed32(repaired.data() + mq::protocol::kBatchBytesOffset,
                      static_cast<uint32_t>(repaired.size()));
    mq::EncodeFixed32(repaired.data() + mq::protocol::kBatchCrcOffset,
                      mq::Crc32c(repaired.data() + mq::protocol::kBatchCrcCoverageStart,
                                 repaired.size() - mq::protocol::kBatchCrcCoverageStart));
    Check(repaired);
  }
  return 0;
}
