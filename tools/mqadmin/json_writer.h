#pragma once

// JsonWriter: builds compact JSON text (no spaces, no newlines) for mqadmin's --json output.
//
// Strings are written byte-exact where JSON allows: '"' and '\' are escaped, control characters
// (U+0000..U+001F and U+007F) become \b \f \n \r \t or \u00XX, valid UTF-8 passes through
// unchanged, and every byte that is not part of a valid UTF-8 sequence (stray continuation
// bytes, overlong forms, surrogates, code points past U+10FFFF, truncated sequences) is written
// as \u00XX, one escape per byte (XX = the byte in lower-case hex). So the output is always valid
// UTF-8 JSON, and raw bytes stay recoverable from the text (docs/mqadmin.md).
//
// Commas and the key/value alternation are tracked by the writer; misuse (a value where a key
// is due, unbalanced End*) is a programmer error and trips MQ_CHECK.
//
//   JsonWriter w;
//   w.BeginObject().UintField("group_id", 1).UintField("leader_broker_id", 2).EndObject();
//   w.str() == R"({"group_id":1,"leader_broker_id":2})"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mq::tools::mqadmin {

// Appends `text` as a quoted, escaped JSON string.
void AppendJsonString(std::string* out, std::string_view text);
std::string JsonString(std::string_view text);

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  // Key(key) followed by the value: one call per object member.
  JsonWriter& UintField(std::string_view key, uint64_t value) { return Key(key).Uint(value); }
  JsonWriter& StringField(std::string_view key, std::string_view value) {
    return Key(key).String(value);
  }
  JsonWriter& BoolField(std::string_view key, bool value) { return Key(key).Bool(value); }

  // The text so far; complete once every Begin* has its End*.
  const std::string& str() const { return out_; }
  bool complete() const { return stack_.empty() && !out_.empty(); }

 private:
  enum class Scope : uint8_t { kObjectKey, kObjectValue, kArray };
  // Emits the comma a new value or key needs and checks the position is legal for a value.
  void BeforeValue();
  void AfterValue();

  std::string out_;
  std::vector<Scope> stack_;
  std::vector<bool> first_;  // per open scope: nothing written in it yet
};

}  // namespace mq::tools::mqadmin
