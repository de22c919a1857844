#include "client/pull_consumer.h"

#include <utility>

#include "client/consumer_core.h"
#include "storage/base/status_macros.h"

namespace mq::client {

absl::StatusOr<std::unique_ptr<PullConsumer>> PullConsumer::Create(const ConsumerOptions& options) {
  MQ_ASSIGN_OR_RETURN(std::shared_ptr<ConsumerCore> core, ConsumerCore::Create(options));
  return std::unique_ptr<PullConsumer>(new PullConsumer(std::move(core)));
}

PullConsumer::PullConsumer(std::shared_ptr<ConsumerCore> core) : core_(std::move(core)) {}
PullConsumer::~PullConsumer() { core_->Close(); }

absl::Status PullConsumer::Subscribe(std::string_view topic, std::string_view tag_expression) {
  return core_->Subscribe(topic, tag_expression);
}
absl::StatusOr<std::vector<ReceivedMessage>> PullConsumer::Poll(uint32_t timeout_ms) {
  return core_->Poll(timeout_ms);
}
absl::Status PullConsumer::Commit() { return core_->Commit(); }
absl::Status PullConsumer::Commit(std::string_view topic, uint32_t queue_id, uint64_t next_offset) {
  return core_->Commit(topic, queue_id, next_offset);
}
std::vector<protocol::QueueRef> PullConsumer::Assignment() const { return core_->Assignment(); }
void PullConsumer::Wakeup() { core_->Wakeup(); }
void PullConsumer::Close() { core_->Close(); }

}  // namespace mq::client
