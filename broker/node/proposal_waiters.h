#pragma once

// ProposalWaiters: the requests waiting for their Raft proposal to be applied.
//
// A proposal is an entry at (index, term). When the entry applied at that index carries the
// same term, it is ours and the waiter gets the state machine's outcome. When it carries
// another term, a leader change replaced our entry: by log matching it can never commit, so
// the failure is definite. Leadership loss alone fails nothing: the entry may still commit
// under the next leader, and its application resolves the waiter either way; the request's
// own deadline covers the rest (an unknown outcome).
//
// Threading: owned by one group's strand, like the state machine it serves.

#include <cstdint>
#include <functional>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mq::broker {

template <typename Outcome>
class ProposalWaiters {
 public:
  using Callback = std::function<void(absl::StatusOr<Outcome>)>;

  void Add(uint64_t index, uint64_t term, uint64_t deadline_tick, Callback callback) {
    waiters_[index] = Waiter{term, deadline_tick, std::move(callback)};
  }

  // The entry at `index` of `term` was applied with `outcome`.
  void Resolve(uint64_t index, uint64_t term, const Outcome& outcome) {
    auto it = waiters_.find(index);
    if (it == waiters_.end()) return;
    Waiter waiter = std::move(it->second);
    waiters_.erase(it);
    if (waiter.term == term) {
      waiter.callback(outcome);
    } else {
      waiter.callback(absl::AbortedError(
          "leader changed before the write committed; it was not stored (definite)"));
    }
  }

  // Everything at or below `index` that is still waiting was skipped (a snapshot installed
  // over it): its fate is unknown to this replica.
  void FailUpTo(uint64_t index, const absl::Status& status) {
    while (!waiters_.empty() && waiters_.begin()->first <= index) {
      Waiter waiter = std::move(waiters_.begin()->second);
      waiters_.erase(waiters_.begin());
      waiter.callback(status);
    }
  }

  // Fails the waiters whose deadline passed.
  void Expire(uint64_t now_tick, const absl::Status& status) {
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.deadline_tick <= now_tick) {
        Callback callback = std::move(it->second.callback);
        it = waiters_.erase(it);
        callback(status);
      } else {
        ++it;
      }
    }
  }

  void FailAll(const absl::Status& status) { FailUpTo(UINT64_MAX, status); }
  size_t size() const { return waiters_.size(); }

 private:
  struct Waiter {
    uint64_t term = 0;
    uint64_t deadline_tick = 0;
    Callback callback;
  };
  std::map<uint64_t, Waiter> waiters_;
};

}  // namespace mq::broker
