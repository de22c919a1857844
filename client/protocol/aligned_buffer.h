#pragma once

// AlignedBuffer: a heap buffer of bytes whose start is 8-byte aligned.
//
// Frame payloads live in one of these: FlatBuffers' Verifier reads scalars in place and, with
// alignment checks on, refuses a buffer that does not start aligned for its widest scalar
// (uint64). One allocation per payload, separate from the socket's read buffer, so a decoded
// frame can be handed to another strand (or kept as long as a request needs it) without
// copying. Move-only; not thread-safe (one owner at a time).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace mq::protocol {

class AlignedBuffer {
 public:
  static constexpr size_t kAlignBytes = alignof(uint64_t);

  AlignedBuffer() = default;
  // `size` bytes, uninitialized.
  explicit AlignedBuffer(size_t size);
  static AlignedBuffer CopyOf(std::string_view bytes);

  AlignedBuffer(AlignedBuffer&&) noexcept = default;
  AlignedBuffer& operator=(AlignedBuffer&&) noexcept = default;

  char* data() { return reinterpret_cast<char*>(words_.get()); }
  const char* data() const { return reinterpret_cast<const char*>(words_.get()); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return std::string_view(data(), size_); }

 private:
  std::unique_ptr<uint64_t[]> words_;
  size_t size_ = 0;
};

}  // namespace mq::protocol
