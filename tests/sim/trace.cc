#include "tests/sim/trace.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_format.h"

namespace mq::sim {

Trace::Trace(size_t capacity, bool echo) : capacity_(capacity == 0 ? 1 : capacity), echo_(echo) {
  records_.reserve(capacity_);
}

void Trace::Message(TraceKind kind, const raft::Message& m, std::string_view why) {
  Record r;
  r.kind = kind;
  r.node = m.from;
  r.type = m.type;
  r.to = m.to;
  r.term = m.term;
  r.log_term = m.log_term;
  r.index = m.index;
  r.commit = m.commit;
  if (!m.entries.empty()) {
    r.first_entry = m.entries.front().index;
    r.last_entry = m.entries.back().index;
  }
  r.snapshot_index = m.snapshot.metadata.index;
  r.reject = m.reject;
  r.text = std::string(why);
  Push(std::move(r));
}

void Trace::Note(raft::NodeId node, std::string text) {
  Record r;
  r.kind = TraceKind::kNote;
  r.node = node;
  r.text = std::move(text);
  Push(std::move(r));
}

void Trace::Push(Record record) {
  record.time = time_;
  record.step = step_;
  if (echo_) std::fprintf(stderr, "%s\n", Format(record).c_str());
  if (records_.size() < capacity_) {
    records_.push_back(std::move(record));
  } else {
    records_[next_] = std::move(record);
  }
  next_ = (next_ + 1) % capacity_;
}

std::string Trace::Format(const Record& r) {
  std::string head =
      absl::StrFormat("%10.3fms #%-7d", static_cast<double>(r.time) / 1000.0, r.step);
  if (r.kind == TraceKind::kNote) {
    return absl::StrFormat("%s n%d %s", head, r.node, r.text);
  }
  const char* verb = r.kind == TraceKind::kSend      ? "send"
                     : r.kind == TraceKind::kDeliver ? "recv"
                                                     : "DROP";
  std::string body = absl::StrFormat("%d->%d %s t%d", r.node, r.to,
                                     std::string(raft::MessageTypeName(r.type)), r.term);
  switch (r.type) {
    case raft::MessageType::kAppend:
      absl::StrAppendFormat(&body, " prev=%d/t%d commit=%d", r.index, r.log_term, r.commit);
      if (r.first_entry != 0)
        absl::StrAppendFormat(&body, " entries=[%d..%d]", r.first_entry, r.last_entry);
      break;
    case raft::MessageType::kAppendResponse:
      absl::StrAppendFormat(&body, " index=%d%s", r.index, r.reject ? " REJECT" : "");
      break;
    case raft::MessageType::kVote:
    case raft::MessageType::kPreVote:
      absl::StrAppendFormat(&body, " last=%d/t%d", r.index, r.log_term);
      break;
    case raft::MessageType::kVoteResponse:
    case raft::MessageType::kPreVoteResponse:
      body += r.reject ? " REJECT" : " GRANT";
      break;
    case raft::MessageType::kHeartbeat:
      absl::StrAppendFormat(&body, " commit=%d", r.commit);
      break;
    case raft::MessageType::kSnapshot:
      absl::StrAppendFormat(&body, " snapshot=%d", r.snapshot_index);
      break;
    default:
      if (r.index != 0) absl::StrAppendFormat(&body, " index=%d", r.index);
      break;
  }
  std::string line = absl::StrFormat("%s %s %s", head, verb, body);
  if (!r.text.empty()) absl::StrAppendFormat(&line, " (%s)", r.text);
  return line;
}

std::string Trace::Tail(size_t count) const {
  const size_t n = std::min(count, records_.size());
  std::string out;
  // The oldest kept record is at next_ once the ring is full, else at 0.
  const size_t start =
      records_.size() < capacity_ ? records_.size() - n : (next_ + capacity_ - n) % capacity_;
  for (size_t i = 0; i < n; ++i) {
    out += Format(records_[(start + i) % records_.size()]);
    out += '\n';
  }
  return out;
}

}  // namespace mq::sim
