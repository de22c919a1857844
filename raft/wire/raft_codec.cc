#include "raft/wire/raft_codec.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "flatbuffers/flatbuffers.h"
#include "raft/conf_change.h"
#include "raft/wire/raft_message_generated.h"
#include "storage/base/status_macros.h"

namespace mq::raft::wire {
namespace {

// The wire enums are the core's enums: decoding is a range check and a cast. Renumbering
// either side breaks compatibility with running brokers, so it must fail to compile.
#define MQ_SAME_VALUE(core, wire) \
  static_assert(static_cast<uint8_t>(core) == static_cast<uint8_t>(wire), #core " != " #wire)
MQ_SAME_VALUE(EntryType::kNormal, fb::EntryType::Normal);
MQ_SAME_VALUE(EntryType::kConfChange, fb::EntryType::ConfChange);
static_assert(kEntryTypeMax == static_cast<uint8_t>(fb::EntryType::MAX));
MQ_SAME_VALUE(MessageType::kVote, fb::MessageType::Vote);
MQ_SAME_VALUE(MessageType::kVoteResponse, fb::MessageType::VoteResponse);
MQ_SAME_VALUE(MessageType::kPreVote, fb::MessageType::PreVote);
MQ_SAME_VALUE(MessageType::kPreVoteResponse, fb::MessageType::PreVoteResponse);
MQ_SAME_VALUE(MessageType::kAppend, fb::MessageType::Append);
MQ_SAME_VALUE(MessageType::kAppendResponse, fb::MessageType::AppendResponse);
MQ_SAME_VALUE(MessageType::kHeartbeat, fb::MessageType::Heartbeat);
MQ_SAME_VALUE(MessageType::kHeartbeatResponse, fb::MessageType::HeartbeatResponse);
MQ_SAME_VALUE(MessageType::kSnapshot, fb::MessageType::Snapshot);
MQ_SAME_VALUE(MessageType::kTimeoutNow, fb::MessageType::TimeoutNow);
MQ_SAME_VALUE(MessageType::kReadIndex, fb::MessageType::ReadIndex);
MQ_SAME_VALUE(MessageType::kReadIndexResponse, fb::MessageType::ReadIndexResponse);
MQ_SAME_VALUE(MessageType::kTransferLeader, fb::MessageType::TransferLeader);
#undef MQ_SAME_VALUE
// Every core type above the wire enum's last value must be local (never sent). A new
// non-local core type needs a wire value first.
static_assert(static_cast<uint8_t>(fb::MessageType::MAX) + 3 == kMessageTypeMax,
              "raft::MessageType changed: give new sent types a wire value in raft_message.fbs");

// A tripwire for fields added to the core's types: each must be given a field in
// raft_message.fbs, encoded, decoded, validated and compared (codec_testing.cc), and only then
// the sizes below updated. Checked on the one ABI the project builds on.
#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(Message) == 200, "raft::Message changed: update the wire codec");
static_assert(sizeof(Entry) == 32, "raft::Entry changed: update the wire codec");
static_assert(sizeof(Snapshot) == 72, "raft::Snapshot changed: update the wire codec");
#endif

// The Verifier reads scalars in place, so the buffer must be aligned for the widest (uint64).
constexpr size_t kBufferAlignBytes = alignof(uint64_t);
// A root offset and a file identifier.
constexpr size_t kBufferBytesMin = 8;

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(message); }

absl::Status Prefixed(std::string_view prefix, const absl::Status& status) {
  return absl::InvalidArgumentError(absl::StrFormat("%s%s", prefix, status.message()));
}

bool IsDefault(const Snapshot& s) {
  return s.metadata.index == 0 && s.metadata.term == 0 && s.metadata.conf_state.voters.empty() &&
         s.metadata.conf_state.learners.empty() && s.data.empty();
}

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Generous, so the builder never grows (each growth copies everything built so far).
size_t EstimateBytes(const std::vector<GroupMessage>& messages) {
  size_t bytes = 64;
  for (const GroupMessage& gm : messages) {
    const Message& m = gm.message;
    bytes += 192 + m.context.size();
    for (const Entry& e : m.entries) bytes += 64 + e.data.size();
    if (!IsDefault(m.snapshot)) {
      bytes += 128 + m.snapshot.data.size() +
               8 * (m.snapshot.metadata.conf_state.voters.size() +
                    m.snapshot.metadata.conf_state.learners.size());
    }
  }
  return bytes;
}

flatbuffers::Offset<flatbuffers::Vector<uint8_t>> BytesVector(flatbuffers::FlatBufferBuilder& fbb,
                                                              std::string_view bytes) {
  if (bytes.empty()) return 0;  // absent reads as empty
  return fbb.CreateVector(Bytes(bytes), bytes.size());
}

flatbuffers::Offset<flatbuffers::Vector<uint64_t>> IdsVector(flatbuffers::FlatBufferBuilder& fbb,
                                                             const std::vector<NodeId>& ids) {
  if (ids.empty()) return 0;
  return fbb.CreateVector(ids);
}

flatbuffers::Offset<fb::Snapshot> EncodeSnapshot(flatbuffers::FlatBufferBuilder& fbb,
                                                 const Snapshot& snapshot) {
  const SnapshotMetadata& md = snapshot.metadata;
  const auto voters = IdsVector(fbb, md.conf_state.voters);
  const auto learners = IdsVector(fbb, md.conf_state.learners);
  const auto conf = fb::CreateConfState(fbb, voters, learners);
  const auto metadata = fb::CreateSnapshotMetadata(fbb, md.index, md.term, conf);
  const auto data = BytesVector(fbb, snapshot.data.view());
  return fb::CreateSnapshot(fbb, metadata, data);
}

flatbuffers::Offset<fb::Message> EncodeMessage(
    flatbuffers::FlatBufferBuilder& fbb, const Message& m,
    std::vector<flatbuffers::Offset<fb::Entry>>& entry_offsets) {
  MQ_CHECK_MSG(!IsLocalMessage(m.type), "local Raft messages have no wire form");
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Entry>>> entries = 0;
  if (!m.entries.empty()) {
    entry_offsets.clear();
    for (const Entry& e : m.entries) {
      const auto data = BytesVector(fbb, e.data.view());
      entry_offsets.push_back(
          fb::CreateEntry(fbb, e.term, e.index, static_cast<fb::EntryType>(e.type), data));
    }
    entries = fbb.CreateVector(entry_offsets);
  }
  const auto snapshot = IsDefault(m.snapshot) ? 0 : EncodeSnapshot(fbb, m.snapshot);
  const auto context = BytesVector(fbb, m.context);
  return fb::CreateMessage(fbb, static_cast<fb::MessageType>(m.type), m.from, m.to, m.term,
                           m.log_term, m.index, entries, m.commit, m.reject, m.reject_hint,
                           snapshot, context);
}

// Copies the verified FlatBuffers message into `out`. Only the shape is taken here; meaning is
// ValidateWireMessage's job. `decoded_bytes` totals the payload bytes taken from the batch: an
// honest encoding stores each payload once, so a total above the batch size means offsets that
// share data, a cheap way to make a small frame decode into gigabytes.
absl::Status ConvertMessage(const fb::Message& in, uint64_t batch_bytes, uint64_t& decoded_bytes,
                            Message& out) {
  auto take = [&](uint64_t bytes) -> absl::Status {
    decoded_bytes += bytes;
    if (decoded_bytes > batch_bytes) {
      return Invalid(absl::StrFormat(
          "payloads total more than the %d-byte batch (data shared between messages)",
          batch_bytes));
    }
    return absl::OkStatus();
  };
  auto take_ids = [&](const flatbuffers::Vector<uint64_t>* ids,
                      std::vector<NodeId>& into) -> absl::Status {
    if (ids == nullptr) return absl::OkStatus();
    // The Verifier checks the alignment of a vector's length, not of 8-byte elements after
    // it; the builder always aligns them, so misaligned ids are a forged buffer.
    if (reinterpret_cast<uintptr_t>(ids->Data()) % alignof(uint64_t) != 0) {
      return Invalid("snapshot configuration: node ids are not 8-byte aligned");
    }
    MQ_RETURN_IF_ERROR(take(uint64_t{sizeof(uint64_t)} * ids->size()));
    into.assign(ids->begin(), ids->end());
    return absl::OkStatus();
  };
  out.type = static_cast<MessageType>(in.type());
  out.from = in.from();
  out.to = in.to();
  out.term = in.term();
  out.log_term = in.log_term();
  out.index = in.index();
  out.commit = in.commit();
  out.reject = in.reject();
  out.reject_hint = in.reject_hint();
  if (const auto* entries = in.entries(); entries != nullptr) {
    out.entries.reserve(entries->size());
    for (const fb::Entry* e : *entries) {
      Entry& entry = out.entries.emplace_back();
      entry.term = e->term();
      entry.index = e->index();
      entry.type = static_cast<EntryType>(e->type());
      if (const auto* data = e->data(); data != nullptr) {
        MQ_RETURN_IF_ERROR(take(data->size()));
        entry.data =
            Payload(std::string_view(reinterpret_cast<const char*>(data->data()), data->size()));
      }
    }
  }
  if (const fb::Snapshot* snapshot = in.snapshot(); snapshot != nullptr) {
    if (const fb::SnapshotMetadata* md = snapshot->metadata(); md != nullptr) {
      out.snapshot.metadata.index = md->index();
      out.snapshot.metadata.term = md->term();
      if (const fb::ConfState* conf = md->conf_state(); conf != nullptr) {
        ConfState& into = out.snapshot.metadata.conf_state;
        MQ_RETURN_IF_ERROR(take_ids(conf->voters(), into.voters));
        MQ_RETURN_IF_ERROR(take_ids(conf->learners(), into.learners));
      }
    }
    if (const auto* data = snapshot->data(); data != nullptr) {
      MQ_RETURN_IF_ERROR(take(data->size()));
      out.snapshot.data =
          Payload(std::string_view(reinterpret_cast<const char*>(data->data()), data->size()));
    }
  }
  if (const auto* context = in.context(); context != nullptr) {
    MQ_RETURN_IF_ERROR(take(context->size()));
    out.context.assign(reinterpret_cast<const char*>(context->data()), context->size());
  }
  return absl::OkStatus();
}

absl::Status ValidateEntries(const Message& m, const DecodeLimits& limits) {
  const std::vector<Entry>& entries = m.entries;
  if (entries.empty()) return absl::OkStatus();
  if (m.type != MessageType::kAppend) {
    return Invalid(absl::StrFormat("carries %d entries; only kAppend does", entries.size()));
  }
  if (entries.size() > limits.entries_per_message_max) {
    return Invalid(absl::StrFormat("%d entries, more than entries_per_message_max %d",
                                   entries.size(), limits.entries_per_message_max));
  }
  if (m.index > std::numeric_limits<uint64_t>::max() - entries.size()) {
    return Invalid(absl::StrFormat("%d entries after index %d pass the largest index",
                                   entries.size(), m.index));
  }
  uint64_t previous_term = m.log_term;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (static_cast<uint8_t>(e.type) > kEntryTypeMax) {
      return Invalid(
          absl::StrFormat("entry %d has unknown entry type %d", i, static_cast<uint8_t>(e.type)));
    }
    // Contiguous after the entry the append names (index, log_term).
    if (const uint64_t want = m.index + 1 + i; e.index != want) {
      return Invalid(
          absl::StrFormat("entry %d has index %d, want %d (entries follow index %d contiguously)",
                          i, e.index, want, m.index));
    }
    if (e.term == 0) return Invalid(absl::StrFormat("entry %d has term 0", i));
    // Terms never decrease along a log, and no leader sends an entry from a later term.
    if (e.term < previous_term) {
      return Invalid(absl::StrFormat("entry %d has term %d, below the previous entry's term %d", i,
                                     e.term, previous_term));
    }
    if (e.term > m.term) {
      return Invalid(
          absl::StrFormat("entry %d has term %d, above the message's term %d", i, e.term, m.term));
    }
    previous_term = e.term;
    if (e.data.size() > limits.entry_bytes_max) {
      return Invalid(absl::StrFormat("entry %d holds %d bytes, more than entry_bytes_max %d", i,
                                     e.data.size(), limits.entry_bytes_max));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateSnapshot(const Message& m, const DecodeLimits& limits) {
  const Snapshot& s = m.snapshot;
  if (m.type != MessageType::kSnapshot) {
    if (!IsDefault(s)) return Invalid("carries a snapshot; only kSnapshot does");
    return absl::OkStatus();
  }
  if (s.metadata.index == 0) return Invalid("carries no snapshot (snapshot index 0)");
  if (s.metadata.term == 0) return Invalid("snapshot has term 0");
  if (s.metadata.term > m.term) {
    return Invalid(absl::StrFormat("snapshot has term %d, above the message's term %d",
                                   s.metadata.term, m.term));
  }
  const ConfState& conf = s.metadata.conf_state;
  if (conf.voters.size() + conf.learners.size() > limits.conf_nodes_max) {
    return Invalid(
        absl::StrFormat("snapshot configuration has %d nodes, more than conf_nodes_max %d",
                        conf.voters.size() + conf.learners.size(), limits.conf_nodes_max));
  }
  if (conf.voters.empty()) return Invalid("snapshot configuration has no voters");
  if (absl::Status status = ValidateConfState(conf); !status.ok()) {
    return Prefixed("snapshot configuration: ", status);
  }
  if (s.data.size() > limits.snapshot_bytes_max) {
    return Invalid(absl::StrFormat("snapshot holds %d bytes, more than snapshot_bytes_max %d",
                                   s.data.size(), limits.snapshot_bytes_max));
  }
  return absl::OkStatus();
}

absl::Status ValidateBody(const Message& m, const DecodeLimits& limits) {
  if (m.from == kNoNode) return Invalid("from is node 0");
  if (m.to == kNoNode) return Invalid("to is node 0");
  if (m.from == m.to) return Invalid("from and to are the same node");
  // Only the core's local messages have term 0; everything a node sends carries its term.
  if (m.term == 0) return Invalid("term is 0");
  if (m.context.size() > limits.context_bytes_max) {
    return Invalid(absl::StrFormat("context holds %d bytes, more than context_bytes_max %d",
                                   m.context.size(), limits.context_bytes_max));
  }
  MQ_RETURN_IF_ERROR(ValidateEntries(m, limits));
  return ValidateSnapshot(m, limits);
}

uint32_t ClampToUint32(uint64_t value) {
  return static_cast<uint32_t>(std::min<uint64_t>(value, std::numeric_limits<uint32_t>::max()));
}

}  // namespace

flatbuffers::DetachedBuffer EncodePeerBatchBuffer(const std::vector<GroupMessage>& messages) {
  const size_t estimate = EstimateBytes(messages);
  // The core's byte limits keep real batches far below this; a bigger one is a caller bug.
  MQ_CHECK_MSG(estimate < FLATBUFFERS_MAX_BUFFER_SIZE, "peer batch over 2 GiB");
  flatbuffers::FlatBufferBuilder fbb(estimate);
  std::vector<flatbuffers::Offset<fb::GroupMessage>> group_offsets;
  group_offsets.reserve(messages.size());
  std::vector<flatbuffers::Offset<fb::Entry>> entry_offsets;
  for (const GroupMessage& gm : messages) {
    const auto message = EncodeMessage(fbb, gm.message, entry_offsets);
    group_offsets.push_back(fb::CreateGroupMessage(fbb, gm.group_id, message));
  }
  const auto vector = fbb.CreateVector(group_offsets);
  fb::FinishPeerBatchBuffer(fbb, fb::CreatePeerBatch(fbb, vector));
  return fbb.Release();
}

std::string EncodePeerBatch(const std::vector<GroupMessage>& messages) {
  const flatbuffers::DetachedBuffer buffer = EncodePeerBatchBuffer(messages);
  return std::string(reinterpret_cast<const char*>(buffer.data()), buffer.size());
}

absl::Status ValidateWireMessage(const Message& m, const DecodeLimits& limits) {
  const auto type = static_cast<uint8_t>(m.type);
  if (type > kMessageTypeMax) {
    return Invalid(absl::StrFormat("unknown message type %d", type));
  }
  if (IsLocalMessage(m.type)) {
    return Invalid(absl::StrFormat("%s is a local message; it never travels between nodes",
                                   MessageTypeName(m.type)));
  }
  if (absl::Status status = ValidateBody(m, limits); !status.ok()) {
    return Prefixed(absl::StrFormat("%s %d->%d: ", MessageTypeName(m.type), m.from, m.to), status);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<GroupMessage>> DecodePeerBatch(std::string_view bytes,
                                                          const DecodeLimits& limits) {
  // Checked before the Verifier, which must not see a buffer of 2 GiB or more.
  const uint64_t bytes_max =
      std::min<uint64_t>(limits.batch_bytes_max, FLATBUFFERS_MAX_BUFFER_SIZE - 1);
  if (bytes.size() > bytes_max) {
    return Invalid(absl::StrFormat("peer batch: %d bytes, more than batch_bytes_max %d",
                                   bytes.size(), bytes_max));
  }
  if (bytes.size() < kBufferBytesMin) {
    return Invalid(absl::StrFormat("peer batch: %d bytes is too short", bytes.size()));
  }
  const uint8_t* buffer = Bytes(bytes);
  std::unique_ptr<uint64_t[]> aligned;
  if (reinterpret_cast<uintptr_t>(buffer) % kBufferAlignBytes != 0) {
    aligned.reset(new uint64_t[(bytes.size() + 7) / 8]);
    std::memcpy(aligned.get(), bytes.data(), bytes.size());
    buffer = reinterpret_cast<const uint8_t*>(aligned.get());
  }

  flatbuffers::Verifier::Options options;
  options.max_depth = ClampToUint32(limits.table_depth_max);
  options.max_tables = ClampToUint32(limits.tables_per_batch_max);
  options.check_alignment = true;
  flatbuffers::Verifier verifier(buffer, bytes.size(), options);
  if (!fb::VerifyPeerBatchBuffer(verifier)) {
    return Invalid(absl::StrFormat(
        "peer batch: %d bytes are not a valid PeerBatch (truncated, corrupt, wrong file "
        "identifier, or more than table_depth_max %d / tables_per_batch_max %d)",
        bytes.size(), limits.table_depth_max, limits.tables_per_batch_max));
  }

  const fb::PeerBatch* batch = fb::GetPeerBatch(buffer);
  std::vector<GroupMessage> out;
  const auto* messages = batch->messages();
  if (messages == nullptr) return out;
  if (messages->size() > limits.messages_per_batch_max) {
    return Invalid(absl::StrFormat("peer batch: %d messages, more than messages_per_batch_max %d",
                                   messages->size(), limits.messages_per_batch_max));
  }
  out.reserve(messages->size());
  uint64_t decoded_bytes = 0;
  for (flatbuffers::uoffset_t i = 0; i < messages->size(); ++i) {
    const fb::GroupMessage* in = messages->Get(i);
    GroupMessage& gm = out.emplace_back();
    gm.group_id = in->group_id();
    // Formatted only on failure: a batch of heartbeats is the common case.
    auto where = [&] {
      return absl::StrFormat("peer batch message %d (group %d): ", i, gm.group_id);
    };
    if (in->message() == nullptr) return Invalid(absl::StrCat(where(), "no message"));
    if (absl::Status status =
            ConvertMessage(*in->message(), bytes.size(), decoded_bytes, gm.message);
        !status.ok()) {
      return Prefixed(where(), status);
    }
    if (absl::Status status = ValidateWireMessage(gm.message, limits); !status.ok()) {
      return Prefixed(where(), status);
    }
  }
  return out;
}

}  // namespace mq::raft::wire
