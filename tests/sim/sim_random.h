#pragma once

// Small helpers over mq::Prng shared by the simulator's components.

#include <cstdint>
#include <utility>
#include <vector>

#include "storage/base/prng.h"

namespace mq::sim {

// Uniform in [lo, hi] (lo when hi <= lo).
inline uint64_t Between(Prng& prng, uint64_t lo, uint64_t hi) {
  if (hi <= lo) return lo;
  return lo + prng.Uniform(hi - lo + 1);
}

// Fisher-Yates, from the seed.
template <typename T>
void Shuffle(std::vector<T>& v, Prng& prng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[prng.Uniform(i)]);
}

}  // namespace mq::sim
