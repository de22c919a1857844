#pragma once

// The clock seam: production code asks a Clock, tests and simulations drive a ManualClock.
// The Raft core never sees a Clock at all (it only counts ticks).

#include <cstdint>

namespace mq {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic nanoseconds since an arbitrary origin; never goes backwards.
  virtual int64_t MonotonicNanos() const = 0;
  // Wall-clock milliseconds since the Unix epoch; may jump.
  virtual int64_t UnixMillis() const = 0;
};

class RealClock final : public Clock {
 public:
  int64_t MonotonicNanos() const override;
  int64_t UnixMillis() const override;
  // The process-wide instance.
  static const RealClock& Get();
};

// Time moves only when told to. Not thread-safe: owned by one test or simulation thread.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t monotonic_nanos = 0, int64_t unix_millis = 0)
      : monotonic_nanos_(monotonic_nanos), unix_millis_(unix_millis) {}
  int64_t MonotonicNanos() const override { return monotonic_nanos_; }
  int64_t UnixMillis() const override { return unix_millis_; }
  // Advances both clocks; `nanos` must be >= 0.
  void Advance(int64_t nanos);
  // Sets the wall clock only (wall clocks may jump backwards; monotonic ones may not).
  void SetUnixMillis(int64_t unix_millis) { unix_millis_ = unix_millis; }

 private:
  int64_t monotonic_nanos_;
  int64_t unix_millis_;
};

}  // namespace mq
