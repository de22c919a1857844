#include "raft/payload.h"

#include <atomic>
#include <cstring>
#include <new>
#include <utility>

namespace mq::raft {

// The header lives at the front of the allocation. Copied bytes follow it in the same block;
// adopted bytes stay in `owned`.
struct Payload::Rep {
  std::atomic<long> refs{1};
  std::string owned;
  const char* bytes = nullptr;
  size_t size = 0;
};

Payload::Payload(std::string_view bytes) {
  if (bytes.empty()) return;
  void* block = ::operator new(sizeof(Rep) + bytes.size());
  rep_ = new (block) Rep();
  char* tail = static_cast<char*>(block) + sizeof(Rep);
  std::memcpy(tail, bytes.data(), bytes.size());
  rep_->bytes = tail;
  rep_->size = bytes.size();
}

Payload::Payload(std::string&& bytes) {
  if (bytes.empty()) return;
  void* block = ::operator new(sizeof(Rep));
  rep_ = new (block) Rep();
  rep_->owned = std::move(bytes);
  rep_->bytes = rep_->owned.data();
  rep_->size = rep_->owned.size();
}

Payload::Payload(const Payload& other) noexcept : rep_(other.rep_) {
  if (rep_ != nullptr) rep_->refs.fetch_add(1, std::memory_order_relaxed);
}

Payload& Payload::operator=(const Payload& other) noexcept {
  if (rep_ == other.rep_) return *this;
  Release();
  rep_ = other.rep_;
  if (rep_ != nullptr) rep_->refs.fetch_add(1, std::memory_order_relaxed);
  return *this;
}

Payload& Payload::operator=(Payload&& other) noexcept {
  if (this == &other) return *this;
  Release();
  rep_ = other.rep_;
  other.rep_ = nullptr;
  return *this;
}

Payload::~Payload() { Release(); }

void Payload::Release() {
  if (rep_ == nullptr) return;
  if (rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    rep_->~Rep();
    ::operator delete(static_cast<void*>(rep_));
  }
  rep_ = nullptr;
}

std::string_view Payload::view() const {
  if (rep_ == nullptr) return {};
  return std::string_view(rep_->bytes, rep_->size);
}

size_t Payload::size() const { return rep_ == nullptr ? 0 : rep_->size; }

long Payload::use_count() const {
  return rep_ == nullptr ? 0 : rep_->refs.load(std::memory_order_relaxed);
}

}  // namespace mq::raft
