#pragma once

// LogCapture (tests): collects every log line while alive, then restores the previous sink.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/base/logging.h"

namespace mq {

class LogCapture {
 public:
  LogCapture() {
    previous_ = SetLogSink(
        [this](LogLevel level, std::string_view message) { lines_.emplace_back(message); });
  }
  ~LogCapture() { SetLogSink(std::move(previous_)); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  const std::vector<std::string>& lines() const { return lines_; }
  // True if some line contains `needle`.
  bool Contains(std::string_view needle) const {
    for (const auto& line : lines_) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }

 private:
  LogSink previous_;
  std::vector<std::string> lines_;
};

}  // namespace mq
