// Consumes with a PushConsumer: a listener on a thread pool; acks commit progress.
//
//   push_consumer --servers 127.0.0.1:9876 --topic demo --group demo-group [--seconds 10]

#include "client/push_consumer.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "examples/example_flags.h"

int main(int argc, char** argv) {
  mq::examples::Flags flags(
      argc, argv,
      {{"servers", "127.0.0.1:9876"},
       {"topic", "demo"},
       {"group", "demo-group"},
       {"tag-filter", "*"},
       {"threads", "4"},
       {"seconds", "10"}},
      "push_consumer: consumes --topic for --seconds with a listener on --threads threads.\n"
      "  --servers H:P[,H:P]  --topic T  --group G  --tag-filter EXPR  --threads N  --seconds S\n");
  mq::client::PushConsumerOptions options;
  options.consumer.client.servers = flags.Get("servers");
  options.consumer.group = flags.Get("group");
  options.consumer.start_position = mq::client::StartPosition::kEarliest;
  options.consume_threads = static_cast<uint32_t>(flags.Int("threads"));
  std::atomic<long> consumed{0};
  auto consumer =
      mq::client::PushConsumer::Create(options, [&consumed](const mq::client::ReceivedMessage& m) {
        std::printf("%s %s/%u@%llu %s\n", m.msg_id_text().c_str(), m.topic.c_str(), m.queue_id,
                    static_cast<unsigned long long>(m.offset), m.body.c_str());
        ++consumed;
        return mq::client::ConsumeResult::kSuccess;  // acked: its offset may be committed
      });
  if (!consumer.ok() || !(*consumer)->Subscribe(flags.Get("topic"), flags.Get("tag-filter")).ok() ||
      !(*consumer)->Start().ok()) {
    std::fprintf(stderr, "push_consumer: cannot start the consumer\n");
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(flags.Int("seconds")));
  (*consumer)->Shutdown();
  std::printf("consumed %ld\n", consumed.load());
  return 0;
}
