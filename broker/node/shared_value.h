#pragma once

// SharedValue<T>: an immutable value published by one thread and read by many. Readers get a
// shared_ptr to the current version and keep using it however long they like; the writer
// swaps in a new version.

#include <memory>
#include <mutex>

namespace mq::broker {

template <typename T>
class SharedValue {
 public:
  explicit SharedValue(std::shared_ptr<const T> initial) : value_(std::move(initial)) {}
  std::shared_ptr<const T> Get() const {
    std::lock_guard lock(mutex_);
    return value_;
  }
  void Set(std::shared_ptr<const T> value) {
    std::lock_guard lock(mutex_);
    value_ = std::move(value);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> value_;
};

}  // namespace mq::broker
