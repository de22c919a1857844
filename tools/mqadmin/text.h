#pragma once

// Small text helpers shared by mqadmin's human-readable output.

#include <cstdint>
#include <string>
#include <string_view>

namespace mq::tools::mqadmin {

// Untrusted text (topic names from a broker, message bodies, properties) made safe for a
// terminal: printed as is when it is valid UTF-8 without control characters, otherwise
// JSON-escaped without the surrounding quotes (so "\n", "\u001b", "\u00ff" show as escapes).
std::string DisplayText(std::string_view text);

// Milliseconds since the Unix epoch as UTC "2024-05-01T12:00:00.123Z"; 0 prints "-".
std::string FormatTimeMs(uint64_t time_ms);

}  // namespace mq::tools::mqadmin
