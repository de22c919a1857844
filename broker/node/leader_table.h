#pragma once

// LeaderTable: what this broker last heard about each group's leader and term, readable from
// any thread (sessions use it for leader hints and metadata). Written by each group's strand
// when its soft state changes.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace mq::broker {

class LeaderTable {
 public:
  explicit LeaderTable(const std::vector<uint64_t>& group_ids) {
    for (uint64_t id : group_ids) entries_.emplace(id, std::make_unique<Entry>());
  }

  void Set(uint64_t group_id, uint64_t leader_broker_id, uint64_t term) {
    auto it = entries_.find(group_id);
    if (it == entries_.end()) return;
    it->second->leader.store(leader_broker_id, std::memory_order_relaxed);
    it->second->term.store(term, std::memory_order_relaxed);
  }
  // 0 when unknown or the group has no replica here.
  uint64_t Leader(uint64_t group_id) const {
    auto it = entries_.find(group_id);
    return it == entries_.end() ? 0 : it->second->leader.load(std::memory_order_relaxed);
  }
  uint64_t Term(uint64_t group_id) const {
    auto it = entries_.find(group_id);
    return it == entries_.end() ? 0 : it->second->term.load(std::memory_order_relaxed);
  }

 private:
  struct Entry {
    std::atomic<uint64_t> leader{0};
    std::atomic<uint64_t> term{0};
  };
  // Built once; only the atomics change afterwards.
  std::map<uint64_t, std::unique_ptr<Entry>> entries_;
};

}  // namespace mq::broker
