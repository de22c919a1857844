#include "storage/base/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace mq {
namespace {

constexpr uint32_t kPolynomialReversed = 0x82F63B78u;

// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero bytes.
struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t;
  constexpr Tables() : t() {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t crc = b;
      for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomialReversed : 0);
      t[0][b] = crc;
    }
    for (uint32_t b = 0; b < 256; ++b) {
      for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
    }
  }
};
constexpr Tables kTables;

inline uint64_t LoadLittleEndian64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;  // x86-64 and aarch64 (as built) are little-endian.
}

}  // namespace

uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  while (size >= 8) {
    uint64_t v = LoadLittleEndian64(p) ^ c;
    c = kTables.t[7][v & 0xFF] ^ kTables.t[6][(v >> 8) & 0xFF] ^ kTables.t[5][(v >> 16) & 0xFF] ^
        kTables.t[4][(v >> 24) & 0xFF] ^ kTables.t[3][(v >> 32) & 0xFF] ^
        kTables.t[2][(v >> 40) & 0xFF] ^ kTables.t[1][(v >> 48) & 0xFF] ^
        kTables.t[0][(v >> 56) & 0xFF];
    p += 8;
    size -= 8;
  }
  while (size-- > 0) c = (c >> 8) ^ kTables.t[0][(c ^ *p++) & 0xFF];
  return ~c;
}

#if defined(__x86_64__)
namespace {

// The crc32 instruction has a latency of 3 cycles but issues every cycle, so one dependent
// chain runs at a third of its speed. Long inputs are cut into three equal blocks whose CRCs
// run as three independent chains, then joined. In the raw register domain (no inversions),
// with g(c, D) the register after feeding D to register c:
//   g(c, X Y) = Shift_n(g(c, X)) ^ g(0, Y)   for |Y| = n,   where Shift_n(c) = g(c, n zero bytes)
// and Shift_n is linear in c, so it is applied as four byte-indexed tables.
struct ShiftTable {
  std::array<std::array<uint32_t, 256>, 4> t;
};

ShiftTable MakeShiftTable(size_t block_bytes) {
  std::array<uint32_t, 32> basis;  // Shift_n(1 << i)
  for (int i = 0; i < 32; ++i) {
    uint32_t c = uint32_t{1} << i;
    for (size_t n = 0; n < block_bytes; ++n) c = (c >> 8) ^ kTables.t[0][c & 0xFF];
    basis[i] = c;
  }
  ShiftTable table;
  for (int k = 0; k < 4; ++k) {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t c = 0;
      for (int j = 0; j < 8; ++j) {
        if ((b >> j) & 1) c ^= basis[8 * k + j];
      }
      table.t[k][b] = c;
    }
  }
  return table;
}

inline uint32_t Shift(const ShiftTable& table, uint32_t c) {
  return table.t[0][c & 0xFF] ^ table.t[1][(c >> 8) & 0xFF] ^ table.t[2][(c >> 16) & 0xFF] ^
         table.t[3][c >> 24];
}

// Consumes rounds of 3 * kBlockBytes from p/size, three chains per round.
template <size_t kBlockBytes>
__attribute__((target("sse4.2"))) uint64_t ThreeChains(uint64_t c, const uint8_t*& p,
                                                       size_t& size) {
  static_assert(kBlockBytes % 8 == 0);
  static const ShiftTable table = MakeShiftTable(kBlockBytes);
  while (size >= 3 * kBlockBytes) {
    uint64_t c1 = 0;
    uint64_t c2 = 0;
    for (size_t i = 0; i < kBlockBytes; i += 8) {
      c = _mm_crc32_u64(c, LoadLittleEndian64(p + i));
      c1 = _mm_crc32_u64(c1, LoadLittleEndian64(p + kBlockBytes + i));
      c2 = _mm_crc32_u64(c2, LoadLittleEndian64(p + 2 * kBlockBytes + i));
    }
    const uint32_t joined = Shift(table, static_cast<uint32_t>(c)) ^ static_cast<uint32_t>(c1);
    c = Shift(table, joined) ^ static_cast<uint32_t>(c2);
    p += 3 * kBlockBytes;
    size -= 3 * kBlockBytes;
  }
  return c;
}

}  // namespace

__attribute__((target("sse4.2"))) uint32_t Crc32cExtendHardware(uint32_t crc, const void* data,
                                                                size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t c = ~crc;
  // Large blocks for large inputs (the table lookups are paid once per round), small ones so
  // that a 1 KiB record gains too.
  c = ThreeChains<2048>(c, p, size);
  c = ThreeChains<128>(c, p, size);
  while (size >= 8) {
    c = _mm_crc32_u64(c, LoadLittleEndian64(p));
    p += 8;
    size -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (size-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

bool Crc32cHardwareAvailable() {
  static const bool available = __builtin_cpu_supports("sse4.2");
  return available;
}
#else
uint32_t Crc32cExtendHardware(uint32_t crc, const void* data, size_t size) {
  return Crc32cExtendPortable(crc, data, size);
}
bool Crc32cHardwareAvailable() { return false; }
#endif

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size) {
  static const bool hardware = Crc32cHardwareAvailable();
  return hardware ? Crc32cExtendHardware(crc, data, size) : Crc32cExtendPortable(crc, data, size);
}

}  // namespace mq
