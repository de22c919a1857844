#pragma once

// The subcommand table of the mqadmin executable: each group's Commands() pairs the help text
// and flags (from the *_format.h files) with a run function over mq_client.

#include <vector>

#include "tools/mqadmin/command.h"

namespace mq::tools::mqadmin {

std::vector<Command> ClusterCommands();  // clusterList
std::vector<Command> TopicCommands();    // updateTopic deleteTopic topicList topicStatus
std::vector<Command> GroupCommands();    // updateSubGroup deleteSubGroup consumerProgress
std::vector<Command> MessageCommands();  // sendMessage consumeMessage queryMsgById
std::vector<Command> AllCommands();      // all of the above, in that order

}  // namespace mq::tools::mqadmin
