#pragma once

// CRC32C (Castagnoli), as used by iSCSI (RFC 3720) and by every record and frame RaftMQ writes.
// Crc32c() picks the SSE4.2 instruction when the CPU has it, else a portable slicing table;
// both are exposed so tests can hold them against each other.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mq {

// Extends `crc` (the CRC of earlier bytes, 0 for none) over `data`.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size);
uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t size);
// Requires Crc32cHardwareAvailable().
uint32_t Crc32cExtendHardware(uint32_t crc, const void* data, size_t size);
bool Crc32cHardwareAvailable();

inline uint32_t Crc32c(const void* data, size_t size) { return Crc32cExtend(0, data, size); }
inline uint32_t Crc32c(std::string_view data) { return Crc32c(data.data(), data.size()); }

}  // namespace mq
