#pragma once

// The mqadmin dispatcher: picks the subcommand, parses its flags, prints help, runs it, and
// turns its Status into the one-line error and the exit code of command.h.
//
//   mqadmin --help | -h | help          the tool's help (stdout, exit 0)
//   mqadmin help SUBCOMMAND             a subcommand's help
//   mqadmin SUBCOMMAND --help           the same
//   mqadmin SUBCOMMAND [flags]          runs it
//
// No subcommand, or an unknown one: the help or one error line on stderr and exit 2. Takes the
// command table as an argument, so tests drive it with fake subcommands and string streams.

#include <span>
#include <string>

#include "tools/mqadmin/command.h"

namespace mq::tools::mqadmin {

int RunCli(std::span<const Command> commands, std::span<const std::string> args, CommandIo& io);

std::string ToolHelp(std::span<const Command> commands);
std::string CommandHelp(const Command& command);

}  // namespace mq::tools::mqadmin
