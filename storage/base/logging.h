#pragma once

// Minimal structured logging: one line per event on stderr, "LEVEL message". Tests can install a
// sink to capture what was logged (e.g. that recovery reported a torn tail).

#include <functional>
#include <string>
#include <string_view>

namespace mq {

enum class LogLevel { kInfo, kWarning, kError };

using LogSink = std::function<void(LogLevel, std::string_view)>;

void Log(LogLevel level, std::string_view message);
inline void LogInfo(std::string_view message) { Log(LogLevel::kInfo, message); }
inline void LogWarning(std::string_view message) { Log(LogLevel::kWarning, message); }
inline void LogError(std::string_view message) { Log(LogLevel::kError, message); }

// Replaces the sink (nullptr restores stderr); returns the previous one. Not for hot paths.
LogSink SetLogSink(LogSink sink);

}  // namespace mq
