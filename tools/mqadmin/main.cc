// mqadmin: administer a RaftMQ cluster (docs/mqadmin.md).

#include <iostream>
#include <string>
#include <vector>

#include "tools/mqadmin/cli.h"
#include "tools/mqadmin/commands.h"

int main(int argc, char** argv) {
  using namespace mq::tools::mqadmin;
  const std::vector<std::string> args(argv + 1, argv + argc);
  const std::vector<Command> commands = AllCommands();
  CommandIo io{std::cin, std::cout, std::cerr};
  return RunCli(commands, args, io);
}
