#pragma once

// Tag filters: which messages of a queue a consumer wants, by tag.
//
// Expression grammar (FetchRequest.tag_filter, Subscription.tag_expression):
//   ""  or  "*"              every message, tagged or not
//   "a || b || c"            messages whose tag is exactly one of the listed tags
// Spaces around tags and "||" are ignored. A listed tag must be a valid message tag (no
// control characters, spaces or '|', not "*", at most kTagFilterTagBytesMax bytes); an empty
// alternative ("a ||", "|| b", "a |||| b"), a single '|' or a "*" among tags is InvalidArgument.
// An untagged message matches only the match-all filter.
//
// Matching is done in two steps, as the consume queue stores a tag hash per message: a cheap
// MatchesHash on the unit (false positives possible on a hash collision), then Matches on the
// message's tag itself once the batch is read.
//
// TagHash is part of the on-disk format of consume queues and MUST NEVER CHANGE:
// FNV-1a 64 over the tag bytes (offset basis 0xcbf29ce484222325, prime 0x100000001b3), with 0
// reserved for "no tag": the empty tag hashes to 0 and a non-empty tag whose FNV-1a value is 0
// is stored as 1.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mq::broker {

inline constexpr uint64_t kFnv1a64OffsetBasis = 0xcbf29ce484222325ull;
inline constexpr uint64_t kFnv1a64Prime = 0x100000001b3ull;
inline constexpr uint64_t kNoTagHash = 0;
// Longer than any tag the protocol admits (its format caps tags at 65535 bytes).
inline constexpr size_t kTagFilterTagBytesMax = 0xFFFF;
// Tags in one expression.
inline constexpr size_t kTagFilterTagsMax = 1024;

// The consume-queue hash of `tag`; see the file comment. Forever stable.
uint64_t TagHash(std::string_view tag);

// An immutable parsed expression. Cheap to copy.
class TagFilter {
 public:
  // The match-all filter.
  TagFilter() = default;

  [[nodiscard]] static absl::StatusOr<TagFilter> Parse(std::string_view expression);

  bool matches_all() const { return matches_all_; }
  // The tags listed (sorted, unique); empty for the match-all filter.
  const std::vector<std::string>& tags() const { return tags_; }

  // The first step: may this message (its consume-queue tag hash) match?
  bool MatchesHash(uint64_t tag_hash) const;
  // The final word, on the message's tag ("" = untagged).
  bool Matches(std::string_view tag) const;

 private:
  bool matches_all_ = true;
  std::vector<std::string> tags_;  // sorted, unique
  std::vector<uint64_t> hashes_;   // sorted, unique
};

}  // namespace mq::broker
