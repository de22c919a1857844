#include "raft/progress.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace mq::raft {

std::string_view ProgressStateName(ProgressState state) {
  switch (state) {
    case ProgressState::kProbe:
      return "probe";
    case ProgressState::kReplicate:
      return "replicate";
    case ProgressState::kSnapshot:
      return "snapshot";
  }
  return "unknown";
}

void Progress::ResetState(ProgressState next_state) {
  flow_paused = false;
  pending_snapshot = 0;
  state = next_state;
  inflights.Reset();
}

void Progress::BecomeProbe() {
  if (state == ProgressState::kSnapshot) {
    // The snapshot may have landed: probe from after it rather than from match.
    const uint64_t pending = pending_snapshot;
    ResetState(ProgressState::kProbe);
    next = std::max(match + 1, pending + 1);
  } else {
    ResetState(ProgressState::kProbe);
    next = match + 1;
  }
}

void Progress::BecomeReplicate() {
  ResetState(ProgressState::kReplicate);
  next = match + 1;
}

void Progress::BecomeSnapshot(uint64_t snapshot_index) {
  ResetState(ProgressState::kSnapshot);
  pending_snapshot = snapshot_index;
}

void Progress::SentEntries(uint64_t last_index, size_t count, uint64_t bytes) {
  switch (state) {
    case ProgressState::kReplicate:
      if (count > 0) {
        next = last_index + 1;
        inflights.Add(last_index, bytes);
      }
      flow_paused = inflights.Full();
      break;
    case ProgressState::kProbe:
      flow_paused = true;
      break;
    case ProgressState::kSnapshot:
      break;
  }
}

bool Progress::MaybeUpdate(uint64_t index) {
  bool updated = false;
  if (match < index) {
    match = index;
    updated = true;
    flow_paused = false;
  }
  next = std::max(next, index + 1);
  return updated;
}

bool Progress::MaybeDecrTo(uint64_t rejected, uint64_t match_hint) {
  if (state == ProgressState::kReplicate) {
    // Pipelined appends may be rejected after a later one matched: only a rejection above
    // match means the pipeline went wrong; then resend from just after match.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // Probing sends one append at a time from next - 1; any other rejection is stale.
  if (next - 1 != rejected) return false;
  next = std::max(std::min(rejected, match_hint + 1), match + 1);
  flow_paused = false;
  return true;
}

bool Progress::IsPaused() const {
  switch (state) {
    case ProgressState::kProbe:
    case ProgressState::kReplicate:
      return flow_paused;
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

std::string Progress::ToString() const {
  return absl::StrFormat(
      "%s match=%d next=%d inflight=%d/%dB%s%s", ProgressStateName(state), match, next,
      inflights.count(), inflights.bytes(), is_learner ? " learner" : "",
      pending_snapshot != 0 ? absl::StrFormat(" snapshot=%d", pending_snapshot) : std::string());
}

}  // namespace mq::raft
