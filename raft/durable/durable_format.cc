#include "raft/durable/durable_format.h"

#include "absl/strings/str_format.h"
#include "raft/conf_change.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"

namespace mq::raft {

std::string EncodeHardState(const HardState& state) {
  std::string out;
  out.reserve(kHardStateBytes);
  PutFixed32(&out, kHardStateFormatVersion);
  PutFixed64(&out, state.term);
  PutFixed64(&out, state.vote);
  PutFixed64(&out, state.commit);
  return out;
}

absl::StatusOr<HardState> DecodeHardState(std::string_view bytes, std::string_view what) {
  if (bytes.size() < 4) {
    return absl::DataLossError(
        absl::StrFormat("%s: hard state of %d bytes is too short", what, bytes.size()));
  }
  const uint32_t version = DecodeFixed32(bytes.data());
  if (version != kHardStateFormatVersion) {
    return absl::DataLossError(
        absl::StrFormat("%s: hard state format version %d (this build reads %d)", what, version,
                        kHardStateFormatVersion));
  }
  if (bytes.size() != kHardStateBytes) {
    return absl::DataLossError(absl::StrFormat("%s: hard state of %d bytes, expected %d", what,
                                               bytes.size(), kHardStateBytes));
  }
  HardState state;
  state.term = DecodeFixed64(bytes.data() + 4);
  state.vote = DecodeFixed64(bytes.data() + 12);
  state.commit = DecodeFixed64(bytes.data() + 20);
  return state;
}

size_t ConfStateBytes(const ConfState& state) {
  return 8 + 8 * (state.voters.size() + state.learners.size());
}

void AppendConfState(const ConfState& state, std::string* out) {
  PutFixed32(out, static_cast<uint32_t>(state.voters.size()));
  PutFixed32(out, static_cast<uint32_t>(state.learners.size()));
  for (NodeId id : state.voters) PutFixed64(out, id);
  for (NodeId id : state.learners) PutFixed64(out, id);
}

absl::StatusOr<ConfState> DecodeConfState(std::string_view bytes, std::string_view what,
                                          size_t* used) {
  if (bytes.size() < 8) {
    return absl::DataLossError(absl::StrFormat("%s: configuration truncated", what));
  }
  const uint32_t voters = DecodeFixed32(bytes.data());
  const uint32_t learners = DecodeFixed32(bytes.data() + 4);
  if (uint64_t{voters} + learners > kConfNodesMax) {
    return absl::DataLossError(
        absl::StrFormat("%s: configuration of %d voters and %d learners exceeds %d nodes", what,
                        voters, learners, kConfNodesMax));
  }
  const size_t total = 8 + 8 * (size_t{voters} + learners);
  if (bytes.size() < total) {
    return absl::DataLossError(absl::StrFormat("%s: configuration truncated", what));
  }
  ConfState state;
  state.voters.reserve(voters);
  state.learners.reserve(learners);
  const char* p = bytes.data() + 8;
  for (uint32_t i = 0; i < voters; ++i, p += 8) state.voters.push_back(DecodeFixed64(p));
  for (uint32_t i = 0; i < learners; ++i, p += 8) state.learners.push_back(DecodeFixed64(p));
  if (absl::Status s = ValidateConfState(state); !s.ok()) {
    return absl::DataLossError(absl::StrFormat("%s: %s", what, s.message()));
  }
  *used = total;
  return state;
}

std::string EncodeFoundingFile(const ConfState& founding) {
  std::string out;
  out.reserve(kFoundingHeaderBytes - 8 + ConfStateBytes(founding) + kFoundingCrcBytes);
  PutFixed32(&out, kFoundingMagic);
  PutFixed32(&out, kFoundingFormatVersion);
  AppendConfState(founding, &out);
  PutFixed32(&out, Crc32c(out));
  return out;
}

absl::StatusOr<ConfState> DecodeFoundingFile(std::string_view bytes, std::string_view what) {
  if (bytes.size() < kFoundingHeaderBytes + kFoundingCrcBytes) {
    return absl::DataLossError(
        absl::StrFormat("%s: founding file of %d bytes is too short", what, bytes.size()));
  }
  if (DecodeFixed32(bytes.data()) != kFoundingMagic) {
    return absl::DataLossError(absl::StrFormat("%s: not a founding file (bad magic)", what));
  }
  const size_t body = bytes.size() - kFoundingCrcBytes;
  if (Crc32c(bytes.data(), body) != DecodeFixed32(bytes.data() + body)) {
    return absl::DataLossError(absl::StrFormat("%s: founding file checksum mismatch", what));
  }
  const uint32_t version = DecodeFixed32(bytes.data() + 4);
  if (version != kFoundingFormatVersion) {
    return absl::DataLossError(
        absl::StrFormat("%s: founding file format version %d (this build reads %d)", what, version,
                        kFoundingFormatVersion));
  }
  size_t used = 0;
  absl::StatusOr<ConfState> state = DecodeConfState(bytes.substr(8, body - 8), what, &used);
  if (!state.ok()) return state.status();
  if (8 + used != body) {
    return absl::DataLossError(
        absl::StrFormat("%s: %d stray bytes after the configuration", what, body - 8 - used));
  }
  return state;
}

std::string EncodeLogCutFile(const LogCut& cut) {
  std::string out;
  PutFixed32(&out, kLogCutMagic);
  PutFixed32(&out, kLogCutFormatVersion);
  PutFixed32(&out, static_cast<uint32_t>(cut.kind));
  PutFixed64(&out, cut.index);
  PutFixed32(&out, Crc32c(out.data(), out.size()));
  return out;
}

absl::StatusOr<LogCut> DecodeLogCutFile(std::string_view bytes, std::string_view what) {
  if (bytes.size() != kLogCutFileBytes) {
    return absl::DataLossError(absl::StrFormat("%s: log cut file of %d bytes (expected %d)", what,
                                               bytes.size(), kLogCutFileBytes));
  }
  if (DecodeFixed32(bytes.data()) != kLogCutMagic) {
    return absl::DataLossError(absl::StrFormat("%s: not a log cut file (bad magic)", what));
  }
  if (Crc32c(bytes.data(), kLogCutFileBytes - 4) != DecodeFixed32(bytes.data() + 20)) {
    return absl::DataLossError(absl::StrFormat("%s: log cut file checksum mismatch", what));
  }
  const uint32_t version = DecodeFixed32(bytes.data() + 4);
  if (version != kLogCutFormatVersion) {
    return absl::DataLossError(
        absl::StrFormat("%s: log cut file format version %d (this build reads %d)", what, version,
                        kLogCutFormatVersion));
  }
  const uint32_t kind = DecodeFixed32(bytes.data() + 8);
  if (kind != static_cast<uint32_t>(LogCutKind::kCompact) &&
      kind != static_cast<uint32_t>(LogCutKind::kInstall)) {
    return absl::DataLossError(absl::StrFormat("%s: unknown log cut kind %d", what, kind));
  }
  return LogCut{static_cast<LogCutKind>(kind), DecodeFixed64(bytes.data() + 12)};
}

}  // namespace mq::raft
