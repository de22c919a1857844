#include "tools/mqadmin/text.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "tools/mqadmin/json_writer.h"

namespace mq::tools::mqadmin {

std::string DisplayText(std::string_view text) {
  std::string escaped = JsonString(text);
  // JsonString only adds escapes for '"' and '\' when the text is otherwise clean; those two
  // print fine on a terminal, so compare against the escaping of just them.
  std::string plain_escaped = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') plain_escaped.push_back('\\');
    plain_escaped.push_back(c);
  }
  plain_escaped.push_back('"');
  if (escaped == plain_escaped) return std::string(text);
  return escaped.substr(1, escaped.size() - 2);
}

std::string FormatTimeMs(uint64_t time_ms) {
  if (time_ms == 0) return "-";
  const auto clamped = static_cast<int64_t>(std::min<uint64_t>(time_ms, INT64_MAX));
  const absl::Time time = absl::FromUnixMillis(clamped);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

}  // namespace mq::tools::mqadmin
