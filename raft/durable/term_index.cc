#include "raft/durable/term_index.h"

#include <algorithm>

#include "storage/base/status_macros.h"

namespace mq::raft {

void TermIndex::Append(uint64_t index, uint64_t term) {
  MQ_CHECK_MSG(index == last_ + 1, "term index: append out of order");
  if (runs_.empty() || runs_.back().term != term) runs_.push_back(Run{index, term});
  last_ = index;
}

void TermIndex::TruncateFrom(uint64_t index) {
  MQ_CHECK_MSG(index >= first_ && index <= last_ + 1, "term index: truncation outside the log");
  while (!runs_.empty() && runs_.back().first_index >= index) runs_.pop_back();
  last_ = index - 1;
}

void TermIndex::DropBefore(uint64_t index) {
  MQ_CHECK_MSG(index >= first_ && index <= last_ + 1, "term index: drop outside the log");
  if (index > last_) {
    Reset(index);
    return;
  }
  // Keep the run that holds `index`: the last one starting at or before it.
  auto keep = std::upper_bound(runs_.begin(), runs_.end(), index,
                               [](uint64_t i, const Run& run) { return i < run.first_index; });
  runs_.erase(runs_.begin(), keep - 1);
  runs_.front().first_index = index;
  first_ = index;
}

void TermIndex::Reset(uint64_t next_index) {
  runs_.clear();
  first_ = next_index;
  last_ = next_index - 1;
}

std::optional<uint64_t> TermIndex::Lookup(uint64_t index) const {
  if (index < first_ || index > last_) return std::nullopt;
  auto it = std::upper_bound(runs_.begin(), runs_.end(), index,
                             [](uint64_t i, const Run& run) { return i < run.first_index; });
  return (it - 1)->term;
}

}  // namespace mq::raft
