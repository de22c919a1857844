#pragma once

// A seeded pseudo-random generator whose output is fixed by this file alone: xoshiro256**
// seeded through SplitMix64. No std:: distributions are used because their output differs
// between standard libraries; a simulation seed must replay identically everywhere.

#include <cstdint>

namespace mq {

class Prng {
 public:
  explicit Prng(uint64_t seed);

  uint64_t Next();
  // Uniform in [0, bound); bound must be > 0. Unbiased (rejection sampling).
  uint64_t Uniform(uint64_t bound);
  // Uniform in [lo, hi], inclusive; requires lo <= hi.
  int64_t Range(int64_t lo, int64_t hi);
  // True with probability numerator / denominator.
  bool Chance(uint64_t numerator, uint64_t denominator);
  // A new generator whose stream is independent of this one (for per-node streams).
  Prng Fork();

 private:
  uint64_t s_[4];
};

}  // namespace mq
