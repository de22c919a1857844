#include "storage/base/clock.h"

#include <chrono>

#include "storage/base/status_macros.h"

namespace mq {

int64_t RealClock::MonotonicNanos() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t RealClock::UnixMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const RealClock& RealClock::Get() {
  static const RealClock clock;
  return clock;
}

void ManualClock::Advance(int64_t nanos) {
  MQ_CHECK(nanos >= 0);
  monotonic_nanos_ += nanos;
  unix_millis_ += nanos / 1'000'000;
}

}  // namespace mq
