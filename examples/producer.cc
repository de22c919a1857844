// Sends messages with the C++ client: a few synchronous sends, then a burst of asynchronous ones
// that the producer batches per queue.
//
//   producer --servers 127.0.0.1:9876 --topic demo --count 100 [--key K] [--tag T] [--lz4 1]

#include "client/producer.h"

#include <atomic>
#include <cstdio>

#include "client/status.h"
#include "examples/example_flags.h"

int main(int argc, char** argv) {
  mq::examples::Flags flags(argc, argv,
                            {{"servers", "127.0.0.1:9876"},
                             {"topic", "demo"},
                             {"count", "10"},
                             {"key", ""},
                             {"tag", ""},
                             {"lz4", "0"}},
                            "producer: sends --count messages to --topic.\n"
                            "  --servers H:P[,H:P]  brokers (default 127.0.0.1:9876)\n"
                            "  --topic T  --count N  --key K  --tag T  --lz4 0|1\n");
  mq::client::ProducerOptions options;
  options.client.servers = flags.Get("servers");
  if (flags.Int("lz4") != 0) options.compression = mq::protocol::Compression::kLz4;
  auto producer = mq::client::Producer::Create(options);
  if (!producer.ok()) {
    std::fprintf(stderr, "producer: %s\n", std::string(producer.status().message()).c_str());
    return 1;
  }
  auto make = [&](long i) {
    mq::client::Message message{.body = "message " + std::to_string(i), .tag = flags.Get("tag")};
    if (!flags.Get("key").empty()) message.keys.push_back(flags.Get("key"));
    return message;
  };
  // Synchronous: one result at a time.
  auto first = (*producer)->Send(flags.Get("topic"), make(0));
  if (!first.ok()) {
    std::fprintf(stderr, "send failed (%s, %s): %s\n",
                 mq::client::IsDefiniteFailure(first.status()) ? "not stored" : "may be stored",
                 mq::client::FailureCodeName(first.status()).c_str(),
                 std::string(first.status().message()).c_str());
    return 1;
  }
  std::printf("%s queue %u offset %llu\n", first->msg_id_text().c_str(), first->queue_id,
              static_cast<unsigned long long>(first->offset));
  // Asynchronous: callbacks on the producer's callback thread.
  std::atomic<long> failed{0};
  for (long i = 1; i < flags.Int("count"); ++i) {
    (*producer)->SendAsync(
        flags.Get("topic"), make(i), [&failed](absl::StatusOr<mq::client::SendResult> result) {
          if (!result.ok()) {
            ++failed;
            return;
          }
          std::printf("%s queue %u offset %llu\n", result->msg_id_text().c_str(), result->queue_id,
                      static_cast<unsigned long long>(result->offset));
        });
  }
  (*producer)->Close();  // flushes and waits for every result
  return failed.load() == 0 ? 0 : 1;
}
