// Broadcasting: every instance reads every message; offsets are kept per --instance.
//
//   broadcast_consumer --servers 127.0.0.1:9876 --topic demo --group demo-bcast --instance host-a

#include <cstdio>

#include "client/pull_consumer.h"
#include "examples/example_flags.h"

int main(int argc, char** argv) {
  mq::examples::Flags flags(
      argc, argv,
      {{"servers", "127.0.0.1:9876"},
       {"topic", "demo"},
       {"group", "demo-bcast"},
       {"instance", "instance-1"},
       {"count", "10"},
       {"timeout-ms", "5000"}},
      "broadcast_consumer: reads every queue of --topic as --instance of broadcast --group.\n"
      "  --servers H:P[,H:P]  --topic T  --group G  --instance NAME  --count N  --timeout-ms MS\n");
  mq::client::ConsumerOptions options;
  options.client.servers = flags.Get("servers");
  options.group = flags.Get("group");
  options.mode = mq::protocol::ConsumeMode::kBroadcasting;
  options.instance = flags.Get("instance");
  options.start_position = mq::client::StartPosition::kEarliest;
  auto consumer = mq::client::PullConsumer::Create(options);  // auto_commit on
  if (!consumer.ok() || !(*consumer)->Subscribe(flags.Get("topic")).ok()) {
    std::fprintf(stderr, "broadcast_consumer: cannot create the consumer\n");
    return 1;
  }
  long received = 0;
  while (received < flags.Int("count")) {
    auto messages = (*consumer)->Poll(static_cast<uint32_t>(flags.Int("timeout-ms")));
    if (!messages.ok() || messages->empty()) break;
    for (const auto& m : *messages) {
      std::printf("[%s] %s %s\n", options.instance.c_str(), m.msg_id_text().c_str(),
                  m.body.c_str());
      ++received;
    }
  }
  (*consumer)->Close();  // commits this instance's positions
  return 0;
}
