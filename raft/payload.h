#pragma once

// Payload: the immutable bytes of a log entry or snapshot, shared by reference count.
//
// One proposal's bytes travel through the unstable log, an append message per follower, the
// entries handed to storage and the committed entries handed to the state machine. Copying a
// Payload bumps a counter instead of copying the bytes, so a 1 KiB entry costs one copy (into
// the Payload) however many places hold it. The counter is atomic because the shell may hand
// entries to a disk thread; the bytes themselves are never written after construction.

#include <cstddef>
#include <string>
#include <string_view>

namespace mq::raft {

class Payload {
 public:
  // The empty payload; allocates nothing.
  Payload() = default;
  // Copies `bytes` into one allocation (header and bytes together).
  explicit Payload(std::string_view bytes);
  // Adopts `bytes` without copying them (one small allocation for the header).
  explicit Payload(std::string&& bytes);

  Payload(const Payload& other) noexcept;
  Payload(Payload&& other) noexcept : rep_(other.rep_) { other.rep_ = nullptr; }
  Payload& operator=(const Payload& other) noexcept;
  Payload& operator=(Payload&& other) noexcept;
  ~Payload();

  std::string_view view() const;
  const char* data() const { return view().data(); }
  size_t size() const;
  bool empty() const { return size() == 0; }
  // How many Payload objects share these bytes (0 for the empty payload); for tests.
  long use_count() const;

  friend bool operator==(const Payload& a, const Payload& b) { return a.view() == b.view(); }
  friend bool operator==(const Payload& a, std::string_view b) { return a.view() == b; }

 private:
  struct Rep;
  void Release();
  Rep* rep_ = nullptr;
};

}  // namespace mq::raft
