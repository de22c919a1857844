#pragma once

// Samples for tests and fuzz targets of the protocol: one of every request and response with
// every field set to a distinct non-default value (so a codec that drops a field cannot round
// trip it), and record batches that use every message field.

#include <string>
#include <vector>

#include "client/protocol/codec.h"
#include "client/protocol/record_batch.h"

namespace mq::protocol::testing {

// Messages using every field (tag, keys, properties, group, delivery time, empty and
// non-empty bodies, born times before and after the first).
std::vector<Message> SampleMessages();
// SampleMessages() in one batch, built with `compression` (LZ4 applies: the bodies repeat).
std::string SampleBatch(Compression compression = Compression::kNone);

// One request per client api, in api key order; each passes Decode.
std::vector<Request> SampleRequests();
// One response per client api, in api key order; each passes Decode.
std::vector<Response> SampleResponses();

// For fuzz targets' LLVMFuzzerInitialize: a libFuzzer binary has no seed hook, so when
// RAFTMQ_FUZZ_WRITE_SEEDS names a directory, `seeds` are written there as files seed-<n>
// before fuzzing starts (give the same directory as the corpus).
void MaybeWriteFuzzSeeds(const std::vector<std::string>& seeds);

}  // namespace mq::protocol::testing
