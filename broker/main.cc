// mqbroker: one RaftMQ broker process. See `mqbroker --help` and broker/README.md.

#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "broker/node/broker_node.h"
#include "broker/node/broker_options.h"

int main(int argc, char** argv) {
  // Fetch responses, log reads and peer batches are buffers of about a megabyte. With glibc's
  // defaults each one is a fresh mmap (or is trimmed back to the kernel when freed), so every
  // megabyte served costs ~256 page faults; profiled, that was the largest cost of consuming.
  // Keep such buffers in the heap, and give freed memory back only beyond 128 MiB.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  // A peer or client that disconnects mid-write must cost an error on that socket, not the
  // process.
  std::signal(SIGPIPE, SIG_IGN);
  const std::vector<std::string> args(argv, argv + argc);
  auto options = mq::broker::ParseBrokerOptions(args);
  if (!options.ok()) {
    std::fprintf(stderr, "mqbroker: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  if (options->help) {
    std::fputs(mq::broker::BrokerUsage().c_str(), stdout);
    return 0;
  }
  auto node = mq::broker::BrokerNode::Start(*options);
  if (!node.ok()) {
    std::fprintf(stderr, "mqbroker: %s\n", std::string(node.status().message()).c_str());
    return 1;
  }
  const absl::Status stopped = (*node)->RunUntilSignal();
  if (!stopped.ok()) {
    std::fprintf(stderr, "mqbroker: %s\n", std::string(stopped.message()).c_str());
    return 1;
  }
  return 0;
}
