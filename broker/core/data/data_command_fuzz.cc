// Fuzz target for DecodeDataCommand (registered by mq_add_fuzzer; see cmake/MqFuzzing.cmake).
//
// Any input: decoding must not crash and may only fail with InvalidArgument. A command that
// decodes must re-encode to exactly the input (the format has one encoding), and its views
// must lie inside the input. Then the whole entry goes through DataGroupState::Apply on an
// in-memory filesystem, which must return an outcome or InvalidArgument, never crash.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/data/data_command.h"
#include "broker/core/data/data_group_state.h"
#include "client/protocol/protocol_testing.h"
#include "client/protocol/record_batch.h"
#include "storage/base/status_macros.h"
#include "storage/fs/sim_filesystem.h"

namespace {

using mq::broker::DataCommandView;

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void CheckApply(std::string_view input) {
  static mq::storage::SimFilesystem* fs = new mq::storage::SimFilesystem();
  static std::unique_ptr<mq::broker::DataGroupState> state = [] {
    absl::StatusOr<std::unique_ptr<mq::broker::DataGroupState>> s =
        mq::broker::DataGroupState::Open(*fs, "/fuzz", 1);
    MQ_CHECK_OK(s.status());
    return *std::move(s);
  }();
  mq::raft::Entry entry;
  entry.term = 1;
  entry.index = state->last_applied_index() + 1;
  entry.data = mq::raft::Payload(input);
  absl::StatusOr<mq::broker::ApplyOutcome> out = state->Apply(entry);
  if (!out.ok()) {
    MQ_CHECK_MSG(out.status().code() == absl::StatusCode::kInvalidArgument,
                 out.status().ToString().c_str());
  }
}

void Check(std::string_view input) {
  absl::StatusOr<DataCommandView> view = mq::broker::DecodeDataCommand(input);
  if (!view.ok()) {
    MQ_CHECK_MSG(view.status().code() == absl::StatusCode::kInvalidArgument,
                 view.status().ToString().c_str());
    return;
  }
  MQ_CHECK(Inside(view->topic, input) && Inside(view->record_batch, input));
  MQ_CHECK(!view->topic.empty() && !view->record_batch.empty());
  MQ_CHECK(mq::broker::EncodeProduceCommand(view->topic, view->queue_id, view->store_time_ms,
                                            view->record_batch) == input);
  CheckApply(input);
}

std::vector<std::string> Seeds() {
  using mq::protocol::Compression;
  return {
      mq::broker::EncodeProduceCommand("orders", 3, 1700000000000,
                                       mq::protocol::testing::SampleBatch(Compression::kNone)),
      mq::broker::EncodeProduceCommand("t", 0, 1,
                                       mq::protocol::testing::SampleBatch(Compression::kLz4)),
      mq::broker::EncodeProduceCommand("x", 1, 2, "not a batch"),
  };
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
  Check(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
