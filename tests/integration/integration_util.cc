#include "tests/integration/integration_util.h"

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"

namespace mq::testing {

absl::Status WaitForLeaders(client::Admin& admin, uint32_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  absl::Status last = absl::DeadlineExceededError("no metadata yet");
  while (std::chrono::steady_clock::now() < deadline) {
    auto metadata = admin.Metadata();
    if (metadata.ok()) {
      bool all = !metadata->groups.empty();
      for (const auto& group : metadata->groups) all = all && group.leader_broker_id != 0;
      if (all) return absl::OkStatus();
      last = absl::UnavailableError("some group has no leader yet");
    } else {
      last = metadata.status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::DeadlineExceededError(absl::StrCat("cluster not ready: ", last.ToString()));
}

absl::Status CreateTopic(client::Admin& admin, const std::string& name, uint32_t queues) {
  protocol::CreateTopicRequest request;
  request.name = name;
  request.queue_count = queues;
  return admin.CreateTopic(request).status();
}

uint64_t LeaderOf(client::Admin& admin, uint64_t group_id) {
  auto metadata = admin.Metadata();
  if (!metadata.ok()) return 0;
  for (const auto& group : metadata->groups) {
    if (group.group_id == group_id) return group.leader_broker_id;
  }
  return 0;
}

std::vector<client::ReceivedMessage> ConsumeAll(client::PullConsumer& consumer, size_t expected,
                                                uint32_t idle_ms) {
  std::vector<client::ReceivedMessage> all;
  auto last_new = std::chrono::steady_clock::now();
  while (all.size() < expected &&
         std::chrono::steady_clock::now() - last_new < std::chrono::milliseconds(idle_ms)) {
    auto batch = consumer.Poll(500);
    if (!batch.ok() || batch->empty()) continue;
    last_new = std::chrono::steady_clock::now();
    for (auto& m : *batch) all.push_back(std::move(m));
  }
  return all;
}

}  // namespace mq::testing
