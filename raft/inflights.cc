#include "raft/inflights.h"

#include "storage/base/status_macros.h"

namespace mq::raft {

void Inflights::Add(uint64_t last_index, uint64_t bytes) {
  MQ_CHECK_MSG(items_.empty() || items_.back().last_index < last_index,
               "inflights: indexes must increase");
  items_.push_back(Item{last_index, bytes});
  bytes_ += bytes;
}

void Inflights::FreeLE(uint64_t index) {
  while (!items_.empty() && items_.front().last_index <= index) {
    bytes_ -= items_.front().bytes;
    items_.pop_front();
  }
}

void Inflights::Reset() {
  items_.clear();
  bytes_ = 0;
}

}  // namespace mq::raft
