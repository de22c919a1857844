#pragma once

// Seed counts for the crash property tests (test-only). CI runs the default; a long soak sets
// MQ_CRASH_SEEDS (e.g. MQ_CRASH_SEEDS=100000) and MQ_CRASH_SEED_BASE to explore more seeds.
// A failure names its seed through SCOPED_TRACE; rerun it with MQ_CRASH_SEED_BASE=<seed>
// MQ_CRASH_SEEDS=1.

#include <cstdint>
#include <cstdlib>
#include <string>

namespace mq::storage {

inline uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || value[0] == '\0') return fallback;
  return std::strtoull(value, nullptr, 10);
}

inline uint64_t CrashSeedCount(uint64_t fallback) { return EnvOr("MQ_CRASH_SEEDS", fallback); }
inline uint64_t CrashSeedBase() { return EnvOr("MQ_CRASH_SEED_BASE", 1); }

}  // namespace mq::storage
