// stall_meter: how long this machine stops running a ready thread. A thread asks to wake every
// --period-us and records how late each wake-up is; optional --spin N threads burn CPU
// meanwhile. Stalls are runs of late wake-ups, reported with their phase in a 100 ms window,
// because a VM whose host caps its CPU (a CFS quota with the usual 100 ms period) freezes at
// the same phase of every period once the guest's CPU plus the host's work for its I/O
// exceed the cap. Prints one JSON object.
//
//   stall_meter --seconds 3 [--period-us 500] [--spin N] [--stall-ms 3]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  double seconds = 3;
  int period_us = 500;
  int spin_threads = 0;
  double stall_ms = 3;
};

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: stall_meter [--seconds S] [--period-us US] [--spin N] [--stall-ms MS]\n"
               "  Wakes every --period-us (default 500) for --seconds (default 3) and reports\n"
               "  as JSON the stalls: runs of wake-ups later than --stall-ms (default 3), their\n"
               "  count, total and longest, and their phase modulo 100 ms. --spin N burns N\n"
               "  threads meanwhile (default 0).\n");
}

bool ParseNumber(const char* text, double min, double max, double* out) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(v >= min && v <= max)) return false;
  *out = v;
  return true;
}

// Fills `o` from the command line; on a bad one, names the flag and returns false.
bool Parse(int argc, char** argv, Options* o) {
  struct Numeric {
    const char* flag;
    double min, max;
    double* out;
  };
  double seconds = o->seconds, period_us = o->period_us, spin = o->spin_threads;
  const Numeric numerics[] = {{"--seconds", 0.1, 3600, &seconds},
                              {"--period-us", 50, 100000, &period_us},
                              {"--spin", 0, 64, &spin},
                              {"--stall-ms", 0.1, 10000, &o->stall_ms}};
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      Usage(stdout);
      std::exit(0);
    }
    const Numeric* known = nullptr;
    for (const Numeric& n : numerics) {
      if (flag == n.flag) known = &n;
    }
    if (known == nullptr) {
      std::fprintf(stderr, "stall_meter: unknown flag %s\n", flag.c_str());
      return false;
    }
    if (i + 1 >= argc || !ParseNumber(argv[i + 1], known->min, known->max, known->out)) {
      std::fprintf(stderr, "stall_meter: %s needs a number from %g to %g\n", known->flag,
                   known->min, known->max);
      return false;
    }
    ++i;
  }
  o->seconds = seconds;
  o->period_us = static_cast<int>(period_us);
  o->spin_threads = static_cast<int>(spin);
  return true;
}

struct Stall {
  double start_ms;  // since the start of the run
  double length_ms;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!Parse(argc, argv, &o)) {
    Usage(stderr);
    return 2;
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> spinners;
  for (int i = 0; i < o.spin_threads; ++i) {
    spinners.emplace_back([&stop] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  }
  const auto period = std::chrono::microseconds(o.period_us);
  const Clock::time_point start = Clock::now();
  const auto wakeups = static_cast<int64_t>(o.seconds * 1e6 / o.period_us);
  std::vector<Stall> stalls;
  double late_total_ms = 0;
  for (int64_t i = 1; i <= wakeups; ++i) {
    const Clock::time_point due = start + period * i;
    std::this_thread::sleep_until(due);
    const double late_ms = std::chrono::duration<double, std::milli>(Clock::now() - due).count();
    late_total_ms += late_ms;
    if (late_ms < o.stall_ms) continue;
    const double due_ms = std::chrono::duration<double, std::milli>(due - start).count();
    // One stall makes every wake-up due inside it late: keep the first, the longest.
    if (!stalls.empty() && due_ms <= stalls.back().start_ms + stalls.back().length_ms) continue;
    stalls.push_back({due_ms, late_ms});
  }
  stop = true;
  for (auto& t : spinners) t.join();

  double stalled_ms = 0, longest_ms = 0;
  int phase_tenths[10] = {};  // stalls starting in each 10 ms tenth of a 100 ms window
  for (const Stall& s : stalls) {
    stalled_ms += s.length_ms;
    longest_ms = std::max(longest_ms, s.length_ms);
    ++phase_tenths[static_cast<int>(std::fmod(s.start_ms, 100.0) / 10.0) % 10];
  }
  std::printf(
      "{\"seconds\":%.1f,\"period_us\":%d,\"spin_threads\":%d,\"stall_ms\":%.1f,"
      "\"stalls\":%zu,\"stalled_ms\":%.1f,\"stalled_share\":%.4f,\"longest_ms\":%.2f,"
      "\"mean_late_us\":%.1f,\"phase_tenths\":[",
      o.seconds, o.period_us, o.spin_threads, o.stall_ms, stalls.size(), stalled_ms,
      stalled_ms / (o.seconds * 1000), longest_ms, 1000 * late_total_ms / wakeups);
  for (int i = 0; i < 10; ++i) std::printf("%s%d", i ? "," : "", phase_tenths[i]);
  std::printf("]}\n");
  return 0;
}
