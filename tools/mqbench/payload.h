#pragma once
// The body mqbench sends: a 16-byte stamp, then filler up to the message size.
//
//   +-------------------+---------------------------+----------------------+
//   | run id  u64 (LE)  | born time u64 (LE), us    | filler 'x' ...       |
//   +-------------------+---------------------------+----------------------+
//   0                   8                          16              message_bytes
//
// Born time is the system clock (CLOCK_REALTIME) in microseconds when the producer hands the
// message to the client: every process on one machine reads the same clock, so a consumer
// computes end-to-end latency as its receive time minus this. (Message::born_time_ms carries
// the same instant, but only to the millisecond.) The run id lets an e2e consumer ignore
// messages of earlier runs.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mq::tools::mqbench {

inline constexpr size_t kStampBytes = 16;

struct Stamp {
  uint64_t run_id = 0;
  uint64_t born_us = 0;
};

// Microseconds of the system clock.
uint64_t WallMicros();

// A body of `message_bytes` (>= kStampBytes) with the filler in place and a zero stamp.
std::string MakeBody(uint32_t message_bytes);
// Overwrites the stamp at the start of `body` (which must be at least kStampBytes long).
void WriteStamp(std::string& body, const Stamp& stamp);
// The stamp of a body; nullopt when the body is shorter than a stamp.
std::optional<Stamp> ReadStamp(std::string_view body);

}  // namespace mq::tools::mqbench
