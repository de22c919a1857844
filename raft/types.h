#pragma once

// The values the Raft core takes in and hands out: log entries, messages, persistent and
// volatile state, configurations, snapshots. Plain structs; the core validates what it
// receives (see Raft::Step), these types do not. Node ids are non-zero; 0 means "nobody".
// The group id is not here: many groups share a process and the shell wraps each message with
// its group id on the wire.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "raft/payload.h"

namespace mq::raft {

using NodeId = uint64_t;
inline constexpr NodeId kNoNode = 0;

enum class EntryType : uint8_t {
  // Application data; an empty normal entry is the no-op a new leader appends.
  kNormal = 0,
  // `data` holds an encoded ConfChange (conf_change.h). Takes effect when appended.
  kConfChange = 1,
};
inline constexpr uint8_t kEntryTypeMax = 1;

struct Entry {
  uint64_t term = 0;
  uint64_t index = 0;
  EntryType type = EntryType::kNormal;
  Payload data;
};

// The bytes an entry is charged for in size limits (append_entries_bytes_max, inflight and
// apply budgets): its payload plus a fixed allowance for term, index and type, so empty entries
// are not free.
inline constexpr uint64_t kEntryOverheadBytes = 24;
inline uint64_t EntryBytes(const Entry& e) { return e.data.size() + kEntryOverheadBytes; }
// How many of the `count` entries at `entries` fit in `bytes_max` (by EntryBytes), but at
// least one when count > 0, so an entry larger than a limit still makes progress.
size_t CountWithinBytes(const Entry* entries, size_t count, uint64_t bytes_max);
// The sum of the entries' payload sizes (what uncommitted_bytes_max limits).
uint64_t PayloadBytes(const std::vector<Entry>& entries);

// The identity of a log position: an (index, term) pair names one entry cluster-wide.
struct EntryId {
  uint64_t term = 0;
  uint64_t index = 0;
  friend bool operator==(const EntryId&, const EntryId&) = default;
};

struct ConfState {
  // Sorted, disjoint, no zeros. Voters count toward quorums; learners only receive the log.
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;
  friend bool operator==(const ConfState&, const ConfState&) = default;
};

struct SnapshotMetadata {
  uint64_t index = 0;    // the last entry the snapshot covers (0: no snapshot)
  uint64_t term = 0;     // that entry's term
  ConfState conf_state;  // the configuration as of `index`
  friend bool operator==(const SnapshotMetadata&, const SnapshotMetadata&) = default;
};

struct Snapshot {
  SnapshotMetadata metadata;
  Payload data;  // the application's state as of metadata.index; opaque to the core
  bool empty() const { return metadata.index == 0; }
};

// What must be on disk before the node may send the messages that depend on it (see Ready).
struct HardState {
  uint64_t term = 0;
  NodeId vote = kNoNode;
  uint64_t commit = 0;
  friend bool operator==(const HardState&, const HardState&) = default;
  bool empty() const { return term == 0 && vote == kNoNode && commit == 0; }
};

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };

// Volatile state worth telling the application about (leader changes, own role); never stored.
struct SoftState {
  NodeId leader = kNoNode;
  Role role = Role::kFollower;
  friend bool operator==(const SoftState&, const SoftState&) = default;
};

// A linearizable read: once the application has applied up to `index`, it may serve the read
// that it asked for with `context`.
struct ReadState {
  uint64_t index = 0;
  std::string context;
  friend bool operator==(const ReadState&, const ReadState&) = default;
};

enum class MessageType : uint8_t {
  // Election. `index`/`log_term` name the candidate's last entry. A pre-vote carries the term
  // the candidate would campaign in (its term + 1) without anyone changing term.
  kVote = 0,
  kVoteResponse = 1,  // reject = denied
  kPreVote = 2,
  kPreVoteResponse = 3,
  // Replication. kAppend: `index`/`log_term` name the entry before `entries`; `commit` is the
  // leader's commit index. kAppendResponse: accepted -> `index` is the last index known to
  // match; rejected -> `index` is the rejected append's `index`, and (`reject_hint`,
  // `log_term`) is the follower's guess of the last matching entry.
  kAppend = 4,
  kAppendResponse = 5,
  // Leader liveness, commit propagation and ReadIndex confirmation (`context` is echoed). The
  // response carries the follower's commit index in `commit`.
  kHeartbeat = 6,
  kHeartbeatResponse = 7,
  // InstallSnapshot: `snapshot` replaces the follower's log up to its index. The follower
  // answers with a kAppendResponse.
  kSnapshot = 8,
  // Leadership transfer: the receiver campaigns at once, skipping pre-vote and leases.
  kTimeoutNow = 9,
  // A follower forwards its ReadIndex request (`context`) to the leader; the response
  // carries the read index in `index` and echoes `context`.
  kReadIndex = 10,
  kReadIndexResponse = 11,
  // Sent by a follower that wants to become leader (`from` is the transferee) to its leader.
  kTransferLeader = 12,
  // Local, never on the wire (from == to == the node itself). The shell steps it back after
  // persisting a Ready: entries up to `index`, whose entry at `index` has term `log_term`, and
  // the snapshot in `snapshot.metadata` (if its index is non-zero), are durable.
  kLocalPersisted = 13,
  // Local: injected by RawNode::ReportSnapshot; `from` is the peer the snapshot went to,
  // reject = it failed.
  kLocalSnapshotStatus = 14,
  // Local: injected by RawNode::ReportUnreachable; `from` is the unreachable peer.
  kLocalUnreachable = 15,
};
inline constexpr uint8_t kMessageTypeMax = 15;

bool IsLocalMessage(MessageType type);
// Responses a node sends only after its preceding writes are durable (they promise state).
bool IsSentAfterPersist(MessageType type);

struct Message {
  MessageType type = MessageType::kHeartbeat;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  uint64_t term = 0;  // the sender's term (a pre-vote's: the proposed term); 0 for local ones
  uint64_t log_term = 0;
  uint64_t index = 0;
  std::vector<Entry> entries;
  uint64_t commit = 0;
  bool reject = false;
  uint64_t reject_hint = 0;
  Snapshot snapshot;    // kSnapshot (and kLocalPersisted: metadata only)
  std::string context;  // ReadIndex request context, heartbeat read round, transfer marker
};

std::string_view MessageTypeName(MessageType type);
std::string_view RoleName(Role role);
std::string_view EntryTypeName(EntryType type);
inline std::ostream& operator<<(std::ostream& os, Role role) { return os << RoleName(role); }
inline std::ostream& operator<<(std::ostream& os, MessageType type) {
  return os << MessageTypeName(type);
}

// One-line descriptions for traces and test failures, e.g.
// "1->2 kAppend term=3 log_term=2 index=7 commit=6 entries=[3/8 normal 5B, 3/9 normal 5B]".
std::string ToString(const Entry& entry);
std::string ToString(const std::vector<Entry>& entries);
std::string ToString(const Message& message);
std::string ToString(const HardState& state);
std::string ToString(const ConfState& state);

}  // namespace mq::raft
