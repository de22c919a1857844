#include "tests/sim/sim_state_machine.h"

#include <cstring>

#include "absl/strings/str_format.h"
#include "storage/base/coding.h"

namespace mq::sim {
namespace {

constexpr char kMagic[4] = {'S', 'I', 'M', '1'};
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

uint64_t FnvByte(uint64_t h, uint8_t byte) { return (h ^ byte) * kFnvPrime; }

uint64_t FnvU64(uint64_t h, uint64_t v) {
  for (int i = 0; i < 8; ++i) h = FnvByte(h, static_cast<uint8_t>(v >> (8 * i)));
  return h;
}

}  // namespace

uint64_t FoldEntry(uint64_t digest, const raft::Entry& entry) {
  uint64_t h = FnvU64(digest ^ 0xcbf29ce484222325ULL, entry.index);
  h = FnvByte(h, static_cast<uint8_t>(entry.type));
  h = FnvU64(h, entry.data.size());
  for (char c : entry.data.view()) h = FnvByte(h, static_cast<uint8_t>(c));
  return h;
}

std::string EncodeSmState(const SmState& state) {
  std::string out(kMagic, sizeof(kMagic));
  PutFixed64(&out, state.applied);
  PutFixed64(&out, state.normal_entries);
  PutFixed64(&out, state.digest);
  return out;
}

absl::StatusOr<SmState> DecodeSmState(std::string_view bytes) {
  if (bytes.size() != kSmSnapshotBytes || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("sim state machine snapshot: %d bytes, not a SIM1 snapshot", bytes.size()));
  }
  SmState s;
  s.applied = DecodeFixed64(bytes.data() + 4);
  s.normal_entries = DecodeFixed64(bytes.data() + 12);
  s.digest = DecodeFixed64(bytes.data() + 20);
  return s;
}

absl::Status SimStateMachine::Apply(const raft::Entry& entry) {
  observer_->OnApply(id_, entry);
  state_.applied = entry.index;
  if (entry.type == raft::EntryType::kNormal) ++state_.normal_entries;
  state_.digest = FoldEntry(state_.digest, entry);
  return absl::OkStatus();
}

absl::StatusOr<raft::Payload> SimStateMachine::Snapshot() {
  return raft::Payload(EncodeSmState(state_));
}

absl::Status SimStateMachine::Restore(const raft::Snapshot& snapshot) {
  absl::StatusOr<SmState> state = DecodeSmState(snapshot.data.view());
  if (!state.ok()) return state.status();
  if (state->applied != snapshot.metadata.index) {
    return absl::InvalidArgumentError(
        absl::StrFormat("sim state machine snapshot at %d holds the state as of %d",
                        snapshot.metadata.index, state->applied));
  }
  observer_->OnRestore(id_, snapshot.metadata, *state);
  state_ = *state;
  return absl::OkStatus();
}

void SimStateMachine::OnSoftState(const raft::SoftState& state) {
  observer_->OnSoftState(id_, state);
}

}  // namespace mq::sim
