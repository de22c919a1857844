// mqbench: load generator and latency meter for a RaftMQ cluster (see BenchUsage()).
// Exit codes: 0 ok, 1 the run failed or saw errors, 2 usage error.
#include <cstdio>
#include <string>
#include <vector>

#include "tools/mqbench/bench_config.h"
#include "tools/mqbench/report.h"
#include "tools/mqbench/runner.h"

int main(int argc, char** argv) {
  using namespace mq::tools::mqbench;
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<BenchConfig> config = ParseBenchConfig(args);
  if (!config.ok()) {
    if (absl::IsNotFound(config.status())) {
      std::fputs(BenchUsage().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "mqbench: %s\n%s", std::string(config.status().message()).c_str(),
                 BenchUsage().c_str());
    return 2;
  }
  absl::StatusOr<BenchResult> result = RunBench(*config);
  if (!result.ok()) {
    std::fprintf(stderr, "mqbench: %s\n", result.status().ToString().c_str());
    return 1;
  }
  std::fputs((config->json ? FormatJson(*result) + "\n" : FormatText(*result)).c_str(), stdout);
  return result->errors == 0 && result->messages > 0 ? 0 : 1;
}
