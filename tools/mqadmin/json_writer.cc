#include "tools/mqadmin/json_writer.h"

#include "absl/strings/str_cat.h"
#include "storage/base/status_macros.h"

namespace mq::tools::mqadmin {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendByteEscape(std::string* out, unsigned char byte) {
  out->append("\\u00");
  out->push_back(kHex[byte >> 4]);
  out->push_back(kHex[byte & 0xf]);
}

// Length of the valid UTF-8 sequence starting at text[i] (2..4), or 0 if the bytes there do not
// form one. Follows RFC 3629's well-formed table: no overlongs, no surrogates, <= U+10FFFF.
size_t ValidUtf8SequenceLength(std::string_view text, size_t i) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = at(i);
  size_t length;
  unsigned char lo = 0x80, hi = 0xbf;  // bounds of the second byte
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    length = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3;
    if (b0 == 0xe0) lo = 0xa0;  // overlong
    if (b0 == 0xed) hi = 0x9f;  // surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4;
    if (b0 == 0xf0) lo = 0x90;  // overlong
    if (b0 == 0xf4) hi = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xbf) return 0;
  }
  return length;
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view text) {
  out->push_back('"');
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x80) {
      const size_t length = ValidUtf8SequenceLength(text, i);
      if (length == 0) {
        AppendByteEscape(out, byte);
        ++i;
      } else {
        out->append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (byte) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          AppendByteEscape(out, byte);
        } else {
          out->push_back(static_cast<char>(byte));
        }
    }
    ++i;
  }
  out->push_back('"');
}

std::string JsonString(std::string_view text) {
  std::string out;
  AppendJsonString(&out, text);
  return out;
}

void JsonWriter::BeforeValue() {
  if (stack_.empty()) {
    MQ_CHECK_MSG(out_.empty(), "JsonWriter: a second top-level value");
    return;
  }
  switch (stack_.back()) {
    case Scope::kObjectKey:
      MQ_CHECK_MSG(false, "JsonWriter: a value where an object key is due");
      break;
    case Scope::kObjectValue:
      break;  // the key already wrote the comma and the colon
    case Scope::kArray:
      if (!first_.back()) out_.push_back(',');
      first_.back() = false;
      break;
  }
}

void JsonWriter::AfterValue() {
  if (!stack_.empty() && stack_.back() == Scope::kObjectValue) stack_.back() = Scope::kObjectKey;
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  stack_.push_back(Scope::kObjectKey);
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  MQ_CHECK_MSG(!stack_.empty() && stack_.back() == Scope::kObjectKey,
               "JsonWriter: EndObject outside an object or after a dangling key");
  stack_.pop_back();
  first_.pop_back();
  out_.push_back('}');
  AfterValue();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  stack_.push_back(Scope::kArray);
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  MQ_CHECK_MSG(!stack_.empty() && stack_.back() == Scope::kArray,
               "JsonWriter: EndArray outside an array");
  stack_.pop_back();
  first_.pop_back();
  out_.push_back(']');
  AfterValue();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  MQ_CHECK_MSG(!stack_.empty() && stack_.back() == Scope::kObjectKey,
               "JsonWriter: a key outside an object or where a value is due");
  if (!first_.back()) out_.push_back(',');
  first_.back() = false;
  AppendJsonString(&out_, key);
  out_.push_back(':');
  stack_.back() = Scope::kObjectValue;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(&out_, value);
  AfterValue();
  return *this;
}

JsonWriter& JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  absl::StrAppend(&out_, value);
  AfterValue();
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  absl::StrAppend(&out_, value);
  AfterValue();
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_.append(value ? "true" : "false");
  AfterValue();
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
  AfterValue();
  return *this;
}

}  // namespace mq::tools::mqadmin
