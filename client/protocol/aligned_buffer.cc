#include "client/protocol/aligned_buffer.h"

#include <cstring>

namespace mq::protocol {

AlignedBuffer::AlignedBuffer(size_t size)
    // operator new[] for uint64_t aligns to at least alignof(uint64_t). An empty buffer still
    // gets a word, so data() is never null (a null pointer with size 0 trips some readers).
    : words_(new uint64_t[size == 0 ? 1 : (size + kAlignBytes - 1) / kAlignBytes]), size_(size) {}

AlignedBuffer AlignedBuffer::CopyOf(std::string_view bytes) {
  AlignedBuffer buffer(bytes.size());
  if (!bytes.empty()) std::memcpy(buffer.data(), bytes.data(), bytes.size());
  return buffer;
}

}  // namespace mq::protocol
