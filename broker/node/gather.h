#pragma once

// GatherFromGroups: runs `each` on several groups' strands and hands every result, in the
// order of `runners`, to `done` once the last one finished (on that last strand). If a runner
// drops the work (stopped), `done` never runs; a Responder captured by it then answers
// "request dropped" (responder.h).

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "broker/net/group_runner.h"
#include "raft/durable/driver.h"

namespace mq::broker {

template <typename T>
void GatherFromGroups(const std::vector<net::GroupRunner*>& runners,
                      std::function<T(size_t i, raft::Driver&)> each,
                      std::function<void(std::vector<T>)> done) {
  if (runners.empty()) {
    done({});
    return;
  }
  struct State {
    std::mutex mutex;
    std::vector<T> results;
    size_t remaining;
    std::function<void(std::vector<T>)> done;
  };
  auto state = std::make_shared<State>();
  state->results.resize(runners.size());
  state->remaining = runners.size();
  state->done = std::move(done);
  for (size_t i = 0; i < runners.size(); ++i) {
    runners[i]->Post([state, each, i](raft::Driver& driver) {
      T result = each(i, driver);
      std::vector<T> all;
      {
        std::lock_guard lock(state->mutex);
        state->results[i] = std::move(result);
        if (--state->remaining != 0) return;
        all = std::move(state->results);
      }
      state->done(std::move(all));
    });
  }
}

}  // namespace mq::broker
