#pragma once

// The Raft messages brokers exchange, as FlatBuffers (schema: raft/wire/raft_message.fbs).
//
// A peer frame carries one PeerBatch: the messages of many Raft groups from one broker to
// another, each tagged with its group id, so the heartbeats of all the groups two brokers share
// travel in one frame. The broker's peer transport encodes what the groups' Ready cycles emit
// and decodes what arrives before stepping each message into its group.
//
// Decoding never trusts the bytes: it checks the size against DecodeLimits, runs the
// FlatBuffers Verifier (bounded depth and table count), then checks the meaning of every
// message (known, non-local type; sender and receiver; contiguous entries; well-formed
// configuration; sizes and counts within the limits). Any failure is InvalidArgument naming
// what was wrong and where; no input crashes the decoder. A decoded message is structurally
// sound, not trusted: the core still judges terms and indexes against its own state.
//
// Stateless functions: safe to call from any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "flatbuffers/detached_buffer.h"
#include "raft/types.h"

namespace mq::raft::wire {

// One message of one Raft group, as it travels between brokers.
struct GroupMessage {
  uint64_t group_id = 0;
  Message message;
};

// What a decoder accepts. The defaults suit the broker's peer transport; tighten them for
// fuzzing or for untrusted links. They must admit everything an honest sender produces: a
// refused append or snapshot is resent and refused again, and that follower never catches up.
struct DecodeLimits {
  // The whole encoded batch (the frame payload).
  uint64_t batch_bytes_max = 64 << 20;
  uint64_t messages_per_batch_max = 16384;
  // Above Config::append_entries_bytes_max / kEntryOverheadBytes (1 MiB / 24 = 43691).
  uint64_t entries_per_message_max = 65536;
  // One entry's data: a producer's record batch, or an encoded ConfChange.
  uint64_t entry_bytes_max = 32 << 20;
  // The application state inside a kSnapshot message.
  uint64_t snapshot_bytes_max = 64 << 20;
  // ReadIndex and heartbeat contexts.
  uint64_t context_bytes_max = 64 << 10;
  // Voters plus learners in a snapshot's configuration.
  uint64_t conf_nodes_max = 256;
  // Tables the Verifier may visit (bounds the work a hostile buffer whose offsets share
  // subtrees can cause) and how deep they may nest (the schema needs 6).
  uint64_t tables_per_batch_max = 1 << 21;
  uint64_t table_depth_max = 16;
};

// Encodes `messages` as one PeerBatch, in the builder's own buffer (what goes on the wire, with
// no further copy). Entry and snapshot payloads are copied straight from their Payload into the
// buffer. The encoder does not validate: it writes what it is given, and the receiver's decoder
// judges it. Local messages (raft::IsLocalMessage) have no wire form: passing one is a
// programmer error and aborts.
flatbuffers::DetachedBuffer EncodePeerBatchBuffer(const std::vector<GroupMessage>& messages);
// The same bytes as a string (one more copy), for tests and tools.
std::string EncodePeerBatch(const std::vector<GroupMessage>& messages);

// Decodes a PeerBatch, in order. Each entry's and snapshot's data is copied once, into its
// Payload. `bytes` should start 8-byte aligned (a std::string's buffer is); otherwise it is
// first copied to aligned memory. InvalidArgument on any bad input, never a crash.
[[nodiscard]] absl::StatusOr<std::vector<GroupMessage>> DecodePeerBatch(
    std::string_view bytes, const DecodeLimits& limits = DecodeLimits());

// The checks DecodePeerBatch applies to each message after the Verifier, for a message built
// in memory: InvalidArgument naming the first problem. A sender may use it to assert that what
// it sends will be accepted.
[[nodiscard]] absl::Status ValidateWireMessage(const Message& message,
                                               const DecodeLimits& limits = DecodeLimits());

}  // namespace mq::raft::wire
