#pragma once

// TermIndex: the term of every entry of a log, kept as its term-change points only.
//
// A Raft log's terms never decrease along the log, and a term usually spans thousands of
// entries, so the log [first, last] is described by a few runs: (first index of the run, term),
// each run lasting until the next one starts. Lookups are a binary search; appends, suffix
// truncation and prefix drops touch the ends only. Memory is one pair per term change.
//
// Single-threaded (owned by RaftLogStore).

#include <cstdint>
#include <optional>
#include <vector>

namespace mq::raft {

class TermIndex {
 public:
  // Covers nothing; the next Append must be `next_index`.
  explicit TermIndex(uint64_t next_index = 1) { Reset(next_index); }

  // Records that entry `index` (which must be last() + 1) has `term`.
  void Append(uint64_t index, uint64_t term);
  // Forgets the entries >= index (index in [first(), last() + 1]).
  void TruncateFrom(uint64_t index);
  // Forgets the entries < index (index in [first(), last() + 1]).
  void DropBefore(uint64_t index);
  // Covers nothing; the next Append must be `next_index`.
  void Reset(uint64_t next_index);

  // The term of entry `index`, or nullopt outside [first(), last()].
  std::optional<uint64_t> Lookup(uint64_t index) const;

  uint64_t first() const { return first_; }
  uint64_t last() const { return last_; }
  bool empty() const { return last_ < first_; }
  // The number of runs (term-change points) held.
  size_t run_count() const { return runs_.size(); }

 private:
  struct Run {
    uint64_t first_index;
    uint64_t term;
  };

  std::vector<Run> runs_;  // sorted by first_index; runs_.front().first_index == first_
  uint64_t first_ = 1;
  uint64_t last_ = 0;
};

}  // namespace mq::raft
