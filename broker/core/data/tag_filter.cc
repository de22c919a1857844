#include "broker/core/data/tag_filter.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace mq::broker {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

absl::Status CheckTag(std::string_view tag, std::string_view expression) {
  if (tag.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "tag filter \"%s\": empty alternative (write \"a || b\", or \"*\" for all)", expression));
  }
  if (tag == "*") {
    return absl::InvalidArgumentError(
        absl::StrFormat("tag filter \"%s\": \"*\" cannot be combined with tags", expression));
  }
  if (tag.size() > kTagFilterTagBytesMax) {
    return absl::InvalidArgumentError(absl::StrFormat("tag filter: a tag of %d bytes exceeds %d",
                                                      tag.size(), kTagFilterTagBytesMax));
  }
  for (char c : tag) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == ' ' || c == '|') {
      return absl::InvalidArgumentError(absl::StrFormat(
          "tag filter \"%s\": tag \"%s\" holds a character not allowed in tags (0x%02x)",
          expression, tag, u));
    }
  }
  return absl::OkStatus();
}

}  // namespace

uint64_t TagHash(std::string_view tag) {
  if (tag.empty()) return kNoTagHash;
  uint64_t hash = kFnv1a64OffsetBasis;
  for (char c : tag) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnv1a64Prime;
  }
  return hash == kNoTagHash ? 1 : hash;
}

absl::StatusOr<TagFilter> TagFilter::Parse(std::string_view expression) {
  const std::string_view trimmed = Trim(expression);
  TagFilter filter;
  if (trimmed.empty() || trimmed == "*") return filter;
  filter.matches_all_ = false;
  std::string_view rest = trimmed;
  while (true) {
    const size_t bar = rest.find('|');
    const std::string_view tag = Trim(rest.substr(0, bar));
    if (absl::Status s = CheckTag(tag, expression); !s.ok()) return s;
    if (filter.tags_.size() == kTagFilterTagsMax) {
      return absl::InvalidArgumentError(
          absl::StrFormat("tag filter: more than %d tags", kTagFilterTagsMax));
    }
    filter.tags_.emplace_back(tag);
    if (bar == std::string_view::npos) break;
    if (bar + 1 >= rest.size() || rest[bar + 1] != '|') {
      return absl::InvalidArgumentError(absl::StrFormat(
          "tag filter \"%s\": a single '|' (alternatives are separated by \"||\")", expression));
    }
    rest.remove_prefix(bar + 2);
  }
  std::sort(filter.tags_.begin(), filter.tags_.end());
  filter.tags_.erase(std::unique(filter.tags_.begin(), filter.tags_.end()), filter.tags_.end());
  for (const std::string& tag : filter.tags_) filter.hashes_.push_back(TagHash(tag));
  std::sort(filter.hashes_.begin(), filter.hashes_.end());
  filter.hashes_.erase(std::unique(filter.hashes_.begin(), filter.hashes_.end()),
                       filter.hashes_.end());
  return filter;
}

bool TagFilter::MatchesHash(uint64_t tag_hash) const {
  if (matches_all_) return true;
  return std::binary_search(hashes_.begin(), hashes_.end(), tag_hash);
}

bool TagFilter::Matches(std::string_view tag) const {
  if (matches_all_) return true;
  return std::binary_search(tags_.begin(), tags_.end(), tag);
}

}  // namespace mq::broker
