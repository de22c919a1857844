#pragma once

// Helpers for tests and the fuzz target of the Raft wire codec: a sample batch that uses every
// wire message type and every field each type carries, and field-by-field equality (the core's
// Message has no operator==, and a codec that drops a field must not compare equal).

#include <vector>

#include "raft/types.h"
#include "raft/wire/raft_codec.h"

namespace mq::raft::wire::testing {

// One message of every wire type, in type order, each with every field its type may carry set
// to a distinct non-default value (entries only on kAppend, a snapshot only on kSnapshot), in
// groups 0, 1, ... Valid by ValidateWireMessage.
std::vector<GroupMessage> SampleBatch();

bool SameEntry(const Entry& a, const Entry& b);
bool SameMessage(const Message& a, const Message& b);
bool SameBatch(const std::vector<GroupMessage>& a, const std::vector<GroupMessage>& b);

}  // namespace mq::raft::wire::testing
