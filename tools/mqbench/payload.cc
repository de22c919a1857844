#include "tools/mqbench/payload.h"

#include <chrono>

#include "storage/base/coding.h"
#include "storage/base/status_macros.h"

namespace mq::tools::mqbench {

uint64_t WallMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::string MakeBody(uint32_t message_bytes) {
  MQ_CHECK(message_bytes >= kStampBytes);
  std::string body(message_bytes, 'x');
  WriteStamp(body, Stamp{});
  return body;
}

void WriteStamp(std::string& body, const Stamp& stamp) {
  MQ_CHECK(body.size() >= kStampBytes);
  EncodeFixed64(body.data(), stamp.run_id);
  EncodeFixed64(body.data() + 8, stamp.born_us);
}

std::optional<Stamp> ReadStamp(std::string_view body) {
  if (body.size() < kStampBytes) return std::nullopt;
  return Stamp{DecodeFixed64(body.data()), DecodeFixed64(body.data() + 8)};
}

}  // namespace mq::tools::mqbench
