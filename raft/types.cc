#include "raft/types.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace mq::raft {

size_t CountWithinBytes(const Entry* entries, size_t count, uint64_t bytes_max) {
  if (count == 0) return 0;
  uint64_t bytes = EntryBytes(entries[0]);
  size_t n = 1;
  while (n < count) {
    bytes += EntryBytes(entries[n]);
    if (bytes > bytes_max) break;
    ++n;
  }
  return n;
}

uint64_t PayloadBytes(const std::vector<Entry>& entries) {
  uint64_t bytes = 0;
  for (const Entry& e : entries) bytes += e.data.size();
  return bytes;
}

bool IsLocalMessage(MessageType type) {
  return type == MessageType::kLocalPersisted || type == MessageType::kLocalSnapshotStatus ||
         type == MessageType::kLocalUnreachable;
}

bool IsSentAfterPersist(MessageType type) {
  return type == MessageType::kAppendResponse || type == MessageType::kVoteResponse ||
         type == MessageType::kPreVoteResponse;
}

std::string_view MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kVote:
      return "kVote";
    case MessageType::kVoteResponse:
      return "kVoteResponse";
    case MessageType::kPreVote:
      return "kPreVote";
    case MessageType::kPreVoteResponse:
      return "kPreVoteResponse";
    case MessageType::kAppend:
      return "kAppend";
    case MessageType::kAppendResponse:
      return "kAppendResponse";
    case MessageType::kHeartbeat:
      return "kHeartbeat";
    case MessageType::kHeartbeatResponse:
      return "kHeartbeatResponse";
    case MessageType::kSnapshot:
      return "kSnapshot";
    case MessageType::kTimeoutNow:
      return "kTimeoutNow";
    case MessageType::kReadIndex:
      return "kReadIndex";
    case MessageType::kReadIndexResponse:
      return "kReadIndexResponse";
    case MessageType::kTransferLeader:
      return "kTransferLeader";
    case MessageType::kLocalPersisted:
      return "kLocalPersisted";
    case MessageType::kLocalSnapshotStatus:
      return "kLocalSnapshotStatus";
    case MessageType::kLocalUnreachable:
      return "kLocalUnreachable";
  }
  return "kUnknownMessageType";
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "unknown-role";
}

std::string_view EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kNormal:
      return "normal";
    case EntryType::kConfChange:
      return "conf";
  }
  return "unknown";
}

std::string ToString(const Entry& entry) {
  return absl::StrFormat("%d/%d %s %dB", entry.term, entry.index, EntryTypeName(entry.type),
                         entry.data.size());
}

std::string ToString(const std::vector<Entry>& entries) {
  std::string out = "[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += ", ";
    out += ToString(entries[i]);
  }
  out += "]";
  return out;
}

std::string ToString(const HardState& state) {
  return absl::StrFormat("term=%d vote=%d commit=%d", state.term, state.vote, state.commit);
}

std::string ToString(const ConfState& state) {
  return absl::StrCat("voters=(", absl::StrJoin(state.voters, " "), ") learners=(",
                      absl::StrJoin(state.learners, " "), ")");
}

std::string ToString(const Message& m) {
  std::string out =
      absl::StrFormat("%d->%d %s term=%d", m.from, m.to, MessageTypeName(m.type), m.term);
  if (m.log_term != 0) absl::StrAppend(&out, " log_term=", m.log_term);
  if (m.index != 0) absl::StrAppend(&out, " index=", m.index);
  if (m.commit != 0) absl::StrAppend(&out, " commit=", m.commit);
  if (m.reject) absl::StrAppend(&out, " reject hint=", m.reject_hint);
  if (!m.entries.empty()) absl::StrAppend(&out, " entries=", ToString(m.entries));
  if (!m.snapshot.empty()) {
    absl::StrAppend(&out, " snapshot=", m.snapshot.metadata.term, "/", m.snapshot.metadata.index,
                    " ", ToString(m.snapshot.metadata.conf_state), " ", m.snapshot.data.size(),
                    "B");
  }
  if (!m.context.empty()) absl::StrAppend(&out, " context=", m.context.size(), "B");
  return out;
}

}  // namespace mq::raft
