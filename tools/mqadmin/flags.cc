#include "tools/mqadmin/flags.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace mq::tools::mqadmin {
namespace {

const FlagSpec* FindSpec(std::span<const FlagSpec> specs, std::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

absl::Status Usage(std::string_view message) {
  return absl::InvalidArgumentError(std::string(message));
}

}  // namespace

bool ParsedFlags::Has(std::string_view name) const { return values_.find(name) != values_.end(); }

std::string ParsedFlags::Get(std::string_view name, std::string_view fallback) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::string(fallback);
  return it->second.back();
}

std::optional<std::string> ParsedFlags::GetOptional(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedFlags::GetAll(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return {};
  return it->second;
}

absl::StatusOr<uint64_t> ParsedFlags::GetUint64(std::string_view name, uint64_t fallback) const {
  std::optional<std::string> text = GetOptional(name);
  if (!text) return fallback;
  std::optional<uint64_t> value = ParseDecimalUint64(*text);
  if (!value) {
    return Usage(absl::StrFormat("--%s: expected a non-negative integer, got '%s'", name, *text));
  }
  return *value;
}

absl::StatusOr<uint32_t> ParsedFlags::GetUint32(std::string_view name, uint32_t fallback) const {
  std::optional<std::string> text = GetOptional(name);
  if (!text) return fallback;
  std::optional<uint64_t> value = ParseDecimalUint64(*text);
  if (!value || *value > UINT32_MAX) {
    return Usage(absl::StrFormat("--%s: expected an integer from 0 to %u, got '%s'", name,
                                 UINT32_MAX, *text));
  }
  return static_cast<uint32_t>(*value);
}

std::optional<uint64_t> ParseDecimalUint64(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

absl::StatusOr<std::pair<std::string, std::string>> SplitKeyValue(std::string_view flag,
                                                                  std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Usage(
        absl::StrFormat("--%s: expected KEY=VALUE with a non-empty KEY, got '%s'", flag, text));
  }
  return std::pair<std::string, std::string>(std::string(text.substr(0, eq)),
                                             std::string(text.substr(eq + 1)));
}

absl::StatusOr<ParsedFlags> ParseFlags(std::span<const FlagSpec> specs,
                                       std::span<const std::string> args) {
  ParsedFlags parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h") arg = "--help";
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      return Usage(absl::StrFormat("unexpected argument '%s' (flags start with --)", arg));
    }
    std::string_view body = arg.substr(2);
    std::optional<std::string_view> inline_value;
    if (size_t eq = body.find('='); eq != std::string_view::npos) {
      inline_value = body.substr(eq + 1);
      body = body.substr(0, eq);
    }
    const std::string name(body);
    const FlagSpec* spec = FindSpec(specs, name);
    if (spec == nullptr) return Usage(absl::StrFormat("unknown flag --%s", name));

    if (spec->kind == FlagKind::kSwitch) {
      if (inline_value && *inline_value != "true") {
        if (*inline_value == "false") continue;
        return Usage(absl::StrFormat("--%s takes no value (or =true / =false), got '%s'", name,
                                     *inline_value));
      }
      if (!parsed.Has(name)) parsed.Add(name, "true");
      continue;
    }

    std::string value;
    if (inline_value) {
      value = std::string(*inline_value);
    } else {
      // `--topic --json` is a forgotten value, not a topic named "--json"; a value that starts
      // with "--" must be written --topic=--x.
      if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0) {
        return Usage(absl::StrFormat("--%s needs a value (--%s %s)", name, name,
                                     spec->value_name.empty() ? "VALUE" : spec->value_name));
      }
      value = args[++i];
    }
    if (spec->kind == FlagKind::kValue && parsed.Has(name)) {
      return Usage(absl::StrFormat("--%s given more than once", name));
    }
    parsed.Add(name, std::move(value));
  }
  if (!parsed.Has("help")) {
    for (const FlagSpec& spec : specs) {
      if (spec.required && !parsed.Has(spec.name)) {
        return Usage(absl::StrFormat("missing required flag --%s %s", spec.name,
                                     spec.value_name.empty() ? "VALUE" : spec.value_name));
      }
    }
  }
  return parsed;
}

std::string FormatFlagHelp(std::span<const FlagSpec> specs) {
  std::vector<std::string> lefts;
  size_t width = 0;
  for (const FlagSpec& spec : specs) {
    std::string left = "--" + spec.name;
    if (spec.kind != FlagKind::kSwitch) {
      left += " " + (spec.value_name.empty() ? std::string("VALUE") : spec.value_name);
    }
    width = std::max(width, left.size());
    lefts.push_back(std::move(left));
  }
  std::string out;
  for (size_t i = 0; i < specs.size(); ++i) {
    std::string help = specs[i].help;
    if (specs[i].required) help += " (required)";
    if (specs[i].kind == FlagKind::kRepeated) help += " (repeatable)";
    out += absl::StrFormat("  %-*s  %s\n", static_cast<int>(width), lefts[i], help);
  }
  return out;
}

}  // namespace mq::tools::mqadmin
