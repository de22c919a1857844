#include "raft/wire/codec_testing.h"

#include <string>

namespace mq::raft::wire::testing {

std::vector<GroupMessage> SampleBatch() {
  std::vector<GroupMessage> batch;
  for (uint8_t t = 0; t <= kMessageTypeMax; ++t) {
    const auto type = static_cast<MessageType>(t);
    if (IsLocalMessage(type)) continue;
    GroupMessage& gm = batch.emplace_back();
    gm.group_id = t;
    Message& m = gm.message;
    m.type = type;
    m.from = 1 + t;
    m.to = 100 + t;
    m.term = 7;
    m.log_term = 5;
    m.index = 10;
    m.commit = 9;
    m.reject = true;
    m.reject_hint = 4;
    m.context = "context-" + std::string(MessageTypeName(type));
    if (type == MessageType::kAppend) {
      m.entries.push_back({.term = 5,
                           .index = 11,
                           .type = EntryType::kNormal,
                           .data = Payload(std::string_view("first"))});
      m.entries.push_back({.term = 6,
                           .index = 12,
                           .type = EntryType::kConfChange,
                           .data = Payload(std::string_view("0123456789"))});
      m.entries.push_back({.term = 7, .index = 13, .type = EntryType::kNormal, .data = {}});
      m.entries.push_back({.term = 7,
                           .index = 14,
                           .type = EntryType::kNormal,
                           .data = Payload(std::string(1000, '\xAB'))});
    }
    if (type == MessageType::kSnapshot) {
      m.snapshot.metadata = {.index = 20, .term = 6, .conf_state = {{1, 2, 3}, {4, 9}}};
      m.snapshot.data = Payload(std::string_view("application state"));
    }
  }
  return batch;
}

bool SameEntry(const Entry& a, const Entry& b) {
  return a.term == b.term && a.index == b.index && a.type == b.type && a.data == b.data;
}

bool SameMessage(const Message& a, const Message& b) {
  if (a.entries.size() != b.entries.size()) return false;
  for (size_t i = 0; i < a.entries.size(); ++i) {
    if (!SameEntry(a.entries[i], b.entries[i])) return false;
  }
  return a.type == b.type && a.from == b.from && a.to == b.to && a.term == b.term &&
         a.log_term == b.log_term && a.index == b.index && a.commit == b.commit &&
         a.reject == b.reject && a.reject_hint == b.reject_hint &&
         a.snapshot.metadata == b.snapshot.metadata && a.snapshot.data == b.snapshot.data &&
         a.context == b.context;
}

bool SameBatch(const std::vector<GroupMessage>& a, const std::vector<GroupMessage>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].group_id != b[i].group_id || !SameMessage(a[i].message, b[i].message)) return false;
  }
  return true;
}

}  // namespace mq::raft::wire::testing
