#include "tools/mqadmin/cli.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace mq::tools::mqadmin {
namespace {

const Command* FindCommand(std::span<const Command> commands, std::string_view name) {
  for (const Command& command : commands) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

std::vector<FlagSpec> AllFlags(const Command& command) {
  std::vector<FlagSpec> flags = command.flags;
  for (FlagSpec& common : CommonFlags()) flags.push_back(std::move(common));
  return flags;
}

void PrintError(CommandIo& io, std::string_view where, std::string_view message) {
  // One line, always: a multi-line message from a broker is folded.
  std::string line(message);
  std::replace(line.begin(), line.end(), '\n', ' ');
  io.err << "mqadmin: " << where << ": " << line << "\n";
  io.err.flush();
}

}  // namespace

std::string ToolHelp(std::span<const Command> commands) {
  std::string out =
      "mqadmin: administer a RaftMQ cluster and send or consume test messages.\n"
      "\n"
      "Usage: mqadmin SUBCOMMAND [flags]\n"
      "       mqadmin SUBCOMMAND --help\n"
      "\n"
      "Subcommands:\n";
  size_t width = 0;
  for (const Command& command : commands) width = std::max(width, command.name.size());
  for (const Command& command : commands) {
    out += absl::StrFormat("  %-*s  %s\n", static_cast<int>(width), command.name, command.summary);
  }
  out += absl::StrFormat(
      "\n"
      "Every subcommand takes --servers H:P[,H:P...] (default %s),\n"
      "--deadline-ms MS, --json (compact JSON for scripts) and --help.\n"
      "Exit status: 0 success, 1 the operation failed, 2 usage error.\n"
      "Errors: one line on stderr, \"mqadmin: SUBCOMMAND: MESSAGE\". See docs/mqadmin.md.\n",
      kDefaultServers);
  return out;
}

std::string CommandHelp(const Command& command) {
  std::string out = absl::StrFormat("mqadmin %s: %s\n\n", command.name, command.summary);
  if (!command.description.empty()) {
    out += command.description;
    if (out.back() != '\n') out += '\n';
    out += '\n';
  }
  out += "Flags:\n";
  out += FormatFlagHelp(AllFlags(command));
  return out;
}

int RunCli(std::span<const Command> commands, std::span<const std::string> args, CommandIo& io) {
  if (args.empty()) {
    io.err << ToolHelp(commands);
    return kExitUsage;
  }
  const std::string& first = args[0];
  if (first == "--help" || first == "-h" || first == "help") {
    if (first == "help" && args.size() > 1) {
      const Command* command = FindCommand(commands, args[1]);
      if (command == nullptr) {
        PrintError(io, "help", absl::StrFormat("unknown subcommand '%s'", args[1]));
        return kExitUsage;
      }
      io.out << CommandHelp(*command);
      return kExitOk;
    }
    io.out << ToolHelp(commands);
    return kExitOk;
  }
  const Command* command = FindCommand(commands, first);
  if (command == nullptr) {
    PrintError(
        io, first.rfind("-", 0) == 0 ? "usage" : first,
        first.rfind("-", 0) == 0
            ? absl::StrFormat("expected a subcommand before '%s' (see mqadmin --help)", first)
            : std::string("unknown subcommand (see mqadmin --help)"));
    return kExitUsage;
  }

  const std::vector<FlagSpec> specs = AllFlags(*command);
  absl::StatusOr<ParsedFlags> flags = ParseFlags(specs, args.subspan(1));
  if (!flags.ok()) {
    PrintError(io, command->name,
               absl::StrFormat("%s (see mqadmin %s --help)", std::string(flags.status().message()),
                               command->name));
    return kExitUsage;
  }
  if (flags->Has("help")) {
    io.out << CommandHelp(*command);
    return kExitOk;
  }
  absl::Status status = command->run(*flags, io);
  io.out.flush();
  if (status.ok()) return kExitOk;
  if (IsUsageError(status)) {
    PrintError(io, command->name,
               absl::StrFormat("%s (see mqadmin %s --help)", std::string(status.message()),
                               command->name));
    return kExitUsage;
  }
  PrintError(io, command->name, std::string(status.message()));
  return kExitFailure;
}

}  // namespace mq::tools::mqadmin
