// mqlogdump: prints the records of a SegmentedLog directory and verifies it. Read-only: it never
// changes a file (a torn tail is reported, not cut off).
//
// Exit codes: 0 ok; 1 corruption found; 2 usage or I/O error.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "storage/fs/posix_filesystem.h"
#include "storage/log/log_inspector.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitCorrupt = 1;
constexpr int kExitUsage = 2;

constexpr char kUsage[] =
    "Usage: mqlogdump [--verify] [--quiet] [--from INDEX] [--count N] DIR\n"
    "\n"
    "Prints one line per record of the segmented log in DIR:\n"
    "  index=I tag=T kind=K flags=F size=BYTES file=SEGMENT offset=BYTE crc=ok|BAD\n"
    "Problems go to stderr, naming the file and byte offset.\n"
    "\n"
    "  --verify      check every record of every segment (sealed ones included), whatever\n"
    "                --from and --count say, and print a summary line\n"
    "  --quiet       do not print record lines (with --verify: only problems and the summary)\n"
    "  --from INDEX  start at this index\n"
    "  --count N     print at most N records\n"
    "  --help        show this help\n"
    "\n"
    "Exit status: 0 ok (a torn tail, which open would cut off, is not an error); 1 corruption\n"
    "found; 2 usage or I/O error.\n";

int UsageError(const std::string& message) {
  std::fprintf(stderr, "mqlogdump: %s\nTry 'mqlogdump --help'.\n", message.c_str());
  return kExitUsage;
}

bool ParseNumber(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

const char* SeverityName(mq::storage::InspectProblem::Severity severity) {
  switch (severity) {
    case mq::storage::InspectProblem::Severity::kCorruption:
      return "corruption";
    case mq::storage::InspectProblem::Severity::kTornTail:
      return "torn tail";
    case mq::storage::InspectProblem::Severity::kNote:
      return "note";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  mq::storage::InspectOptions options;
  bool verify = false;
  bool quiet = false;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else if (arg == "--verify") {
      verify = true;
    } else if (arg == "--quiet") {
      quiet = true;
    } else if (arg == "--from" || arg == "--count") {
      if (i + 1 >= argc) return UsageError(std::string(arg) + " needs a number");
      uint64_t value;
      if (!ParseNumber(argv[++i], &value)) {
        return UsageError(std::string(arg) + ": not a number: '" + argv[i] + "'");
      }
      (arg == "--from" ? options.from_index : options.count_max) = value;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return UsageError("unknown option '" + std::string(arg) + "'");
    } else if (!dir.empty()) {
      return UsageError("only one DIR may be given");
    } else {
      dir = std::string(arg);
    }
  }
  if (dir.empty()) return UsageError("missing DIR");
  options.check_all = verify;

  auto report = mq::storage::InspectLog(
      mq::storage::PosixFilesystem::Get(), dir, options,
      [quiet](const mq::storage::InspectedRecord& r) {
        if (quiet) return;
        std::printf("index=%llu tag=%llu kind=%u flags=%u size=%llu file=%s offset=%llu crc=%s\n",
                    static_cast<unsigned long long>(r.index),
                    static_cast<unsigned long long>(r.tag), r.kind, r.flags,
                    static_cast<unsigned long long>(r.payload_bytes), r.file.c_str(),
                    static_cast<unsigned long long>(r.offset), r.crc_ok ? "ok" : "BAD");
      });
  std::fflush(stdout);
  if (!report.ok()) {
    std::fprintf(stderr, "mqlogdump: error: %s\n", std::string(report.status().message()).c_str());
    return kExitUsage;
  }
  for (const auto& problem : report->problems) {
    std::fprintf(stderr, "mqlogdump: %s: %s/%s offset %llu: %s\n", SeverityName(problem.severity),
                 dir.c_str(), problem.file.c_str(), static_cast<unsigned long long>(problem.offset),
                 problem.message.c_str());
  }
  if (report->segments == 0) std::fprintf(stderr, "mqlogdump: %s holds no segments\n", dir.c_str());
  const bool corrupt = report->corrupt();
  if (verify) {
    std::printf("verified %llu segments, %llu records: %s\n",
                static_cast<unsigned long long>(report->segments),
                static_cast<unsigned long long>(report->records_checked),
                corrupt ? "CORRUPT" : "OK");
  }
  return corrupt ? kExitCorrupt : kExitOk;
}
