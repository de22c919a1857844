// Consumes with a PullConsumer: poll, process, commit.
//
//   pull_consumer --servers 127.0.0.1:9876 --topic demo --group demo-group [--tag-filter "a||b"]
//                 [--from earliest|latest] [--count N] [--timeout-ms 5000]

#include "client/pull_consumer.h"

#include <cstdio>

#include "examples/example_flags.h"

int main(int argc, char** argv) {
  mq::examples::Flags flags(
      argc, argv,
      {{"servers", "127.0.0.1:9876"},
       {"topic", "demo"},
       {"group", "demo-group"},
       {"tag-filter", "*"},
       {"from", "earliest"},
       {"count", "10"},
       {"timeout-ms", "5000"}},
      "pull_consumer: polls --topic as a member of --group and commits what it printed.\n"
      "  --servers H:P[,H:P]  --topic T  --group G  --tag-filter EXPR  --from earliest|latest\n"
      "  --count N (stop after N)  --timeout-ms MS (stop after MS without a message)\n");
  mq::client::ConsumerOptions options;
  options.client.servers = flags.Get("servers");
  options.group = flags.Get("group");
  options.auto_commit = false;
  options.start_position = flags.Get("from") == "latest" ? mq::client::StartPosition::kLatest
                                                         : mq::client::StartPosition::kEarliest;
  auto consumer = mq::client::PullConsumer::Create(options);
  if (!consumer.ok() || !(*consumer)->Subscribe(flags.Get("topic"), flags.Get("tag-filter")).ok()) {
    std::fprintf(stderr, "pull_consumer: cannot create the consumer\n");
    return 1;
  }
  long received = 0;
  while (received < flags.Int("count")) {
    auto messages = (*consumer)->Poll(static_cast<uint32_t>(flags.Int("timeout-ms")));
    if (!messages.ok()) {
      std::fprintf(stderr, "poll: %s\n", std::string(messages.status().message()).c_str());
      return 1;
    }
    if (messages->empty()) break;  // nothing new within the timeout
    for (const auto& m : *messages) {
      std::printf("%s %s/%u@%llu tag=%s body=%s\n", m.msg_id_text().c_str(), m.topic.c_str(),
                  m.queue_id, static_cast<unsigned long long>(m.offset), m.tag.c_str(),
                  m.body.c_str());
      ++received;
    }
    if (absl::Status s = (*consumer)->Commit(); !s.ok()) {
      std::fprintf(stderr, "commit: %s\n", std::string(s.message()).c_str());
    }
  }
  (*consumer)->Close();
  return 0;
}
