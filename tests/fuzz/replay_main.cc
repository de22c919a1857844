// Replay driver for fuzz targets in ordinary builds (see cmake/MqFuzzing.cmake).
//
// Feeds LLVMFuzzerTestOneInput: every file of the corpus directories given as arguments, the
// inputs the target itself offers through LLVMFuzzerSeedInputs (optional), and then
// RAFTMQ_FUZZ_ITERATIONS (default 20000) deterministic mutations of those seeds (bit flips,
// byte sets, truncations, insertions, splices), seeded by RAFTMQ_FUZZ_SEED (default 1). A
// crash or sanitizer report fails the test; the seed and iteration are printed first.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "storage/base/prng.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional: a target may provide valid encodings to start mutating from.
extern "C" __attribute__((weak)) void LLVMFuzzerSeedInputs(std::vector<std::string>* seeds);

namespace {

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && v[0] != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

std::string Mutate(const std::vector<std::string>& seeds, mq::Prng& prng) {
  std::string s = seeds[prng.Uniform(seeds.size())];
  const int edits = static_cast<int>(prng.Range(1, 4));
  for (int i = 0; i < edits; ++i) {
    switch (prng.Uniform(6)) {
      case 0:  // flip one bit
        if (!s.empty()) s[prng.Uniform(s.size())] ^= static_cast<char>(1u << prng.Uniform(8));
        break;
      case 1:  // set a byte to an interesting value
        if (!s.empty()) {
          static constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE};
          s[prng.Uniform(s.size())] = static_cast<char>(kInteresting[prng.Uniform(6)]);
        }
        break;
      case 2:  // truncate
        s.resize(s.empty() ? 0 : prng.Uniform(s.size()));
        break;
      case 3:  // insert random bytes
        s.insert(s.empty() ? 0 : prng.Uniform(s.size() + 1),
                 std::string(prng.Range(1, 8), static_cast<char>(prng.Next())));
        break;
      case 4: {  // splice the tail of another seed
        const std::string& other = seeds[prng.Uniform(seeds.size())];
        if (!other.empty() && !s.empty()) {
          s = s.substr(0, prng.Uniform(s.size())) + other.substr(prng.Uniform(other.size()));
        }
        break;
      }
      default:  // overwrite a 4-byte word (lengths, offsets)
        if (s.size() >= 4) {
          const size_t at = prng.Uniform(s.size() - 3);
          const uint32_t v = static_cast<uint32_t>(prng.Next());
          for (int b = 0; b < 4; ++b) s[at + b] = static_cast<char>(v >> (8 * b));
        }
        break;
    }
  }
  return s;
}

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> seeds = {std::string()};
  if (LLVMFuzzerSeedInputs != nullptr) LLVMFuzzerSeedInputs(&seeds);
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(argv[i], ec)) {
      std::ifstream in(entry.path(), std::ios::binary);
      seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  for (const std::string& seed : seeds) Run(seed);

  const uint64_t seed = EnvOr("RAFTMQ_FUZZ_SEED", 1);
  const uint64_t iterations = EnvOr("RAFTMQ_FUZZ_ITERATIONS", 20000);
  std::fprintf(stderr, "fuzz replay: %zu seeds, %llu mutations, RAFTMQ_FUZZ_SEED=%llu\n",
               seeds.size(), static_cast<unsigned long long>(iterations),
               static_cast<unsigned long long>(seed));
  mq::Prng prng(seed);
  for (uint64_t i = 0; i < iterations; ++i) Run(Mutate(seeds, prng));
  std::fprintf(stderr, "fuzz replay: ok\n");
  return 0;
}
