// Checks every message before it touches any state: a message from the network that cannot be
// right is refused with InvalidArgument naming the field, and changes nothing. What is only
// stale (an old term, a late response) passes here and is ignored by Step.

#include "absl/strings/str_format.h"
#include "raft/conf_change.h"
#include "raft/raft.h"

namespace mq::raft {
namespace {

absl::Status Bad(const Message& m, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrFormat("raft message %s: %s", ToString(m), why));
}

// The entries of an append: consecutive after m.index, terms never decreasing, never before
// the previous entry's term nor after the sender's term, known types, decodable conf changes.
absl::Status ValidateEntries(const Message& m) {
  if (m.entries.empty()) return absl::OkStatus();
  if (m.index > UINT64_MAX - m.entries.size()) return Bad(m, "index overflows");
  uint64_t prev_term = m.log_term;
  for (size_t i = 0; i < m.entries.size(); ++i) {
    const Entry& e = m.entries[i];
    if (e.index != m.index + 1 + i) return Bad(m, "entries are not consecutive after index");
    if (e.term < prev_term) return Bad(m, "entry terms decrease");
    if (e.term > m.term) return Bad(m, "entry term is after the message term");
    if (static_cast<uint8_t>(e.type) > kEntryTypeMax) return Bad(m, "unknown entry type");
    if (e.type == EntryType::kConfChange) {
      if (absl::StatusOr<ConfChange> cc = DecodeConfChange(e.data.view()); !cc.ok()) {
        return Bad(m, cc.status().message());
      }
    }
    prev_term = e.term;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Raft::Validate(const Message& m) const {
  if (static_cast<uint8_t>(m.type) > kMessageTypeMax) return Bad(m, "unknown type");
  if (m.to != id_) return Bad(m, "addressed to another node");
  if (m.from == kNoNode) return Bad(m, "no sender");
  if (IsLocalMessage(m.type)) {
    if (m.type == MessageType::kLocalPersisted && m.from != id_) {
      return Bad(m, "local message from another node");
    }
    if (m.type != MessageType::kLocalPersisted && m.from == id_) {
      return Bad(m, "a report about a peer must name the peer");
    }
    return absl::OkStatus();
  }
  // Every network message carries a term, except a pre-vote refusal from a node that has
  // never seen one.
  if (m.term == 0 && !(m.type == MessageType::kPreVoteResponse && m.reject)) {
    return Bad(m, "term 0");
  }
  const bool self_vote = m.from == id_ && (m.type == MessageType::kVoteResponse ||
                                           m.type == MessageType::kPreVoteResponse);
  if (m.from == id_ && !self_vote) return Bad(m, "sent by this node to itself");
  if (m.type != MessageType::kAppend && !m.entries.empty()) {
    return Bad(m, "entries in a message that carries none");
  }
  if (m.type != MessageType::kSnapshot && !m.snapshot.empty()) {
    return Bad(m, "snapshot in a message that carries none");
  }
  switch (m.type) {
    case MessageType::kVote:
    case MessageType::kPreVote:
    case MessageType::kAppend:
      if (m.log_term > m.term) return Bad(m, "log_term after the message term");
      return ValidateEntries(m);
    case MessageType::kAppendResponse:
      if (m.reject && m.reject_hint > m.index) return Bad(m, "reject hint past the index");
      if (m.log_term > m.term) return Bad(m, "log_term after the message term");
      return absl::OkStatus();
    case MessageType::kSnapshot: {
      const SnapshotMetadata& meta = m.snapshot.metadata;
      if (meta.index == 0 || meta.term == 0) return Bad(m, "empty snapshot");
      if (meta.term > m.term) return Bad(m, "snapshot term after the message term");
      if (absl::Status s = ValidateConfState(meta.conf_state); !s.ok()) {
        return Bad(m, s.message());
      }
      if (meta.conf_state.voters.empty()) return Bad(m, "snapshot configuration has no voters");
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

}  // namespace mq::raft
