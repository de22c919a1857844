#pragma once

// Command-line flags of one mqadmin subcommand: declared as FlagSpecs, parsed into ParsedFlags.
//
// Accepted forms: `--name value`, `--name=value`, bare `--name` for a switch (a switch also takes
// `--name=true|false`), repeated `--name v1 --name v2` for a repeatable flag; `-h` means
// `--help`. Anything else (an unknown flag, a missing value, a value flag given twice, a stray
// positional argument) is an InvalidArgument whose message is one line naming the culprit, which
// the dispatcher prints as a usage error (exit 2).

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mq::tools::mqadmin {

enum class FlagKind : uint8_t {
  kSwitch,    // present or not: --json
  kValue,     // at most once: --topic T
  kRepeated,  // any number of times, in order: --property k=v
};

struct FlagSpec {
  std::string name{};  // without the leading "--"
  FlagKind kind = FlagKind::kValue;
  std::string value_name{};  // shown in help: "--topic NAME"
  std::string help{};        // one line
  bool required = false;     // kValue only: parsing fails when absent
};

class ParsedFlags {
 public:
  bool Has(std::string_view name) const;
  // The value of a kValue flag, or `fallback` when absent.
  std::string Get(std::string_view name, std::string_view fallback = "") const;
  std::optional<std::string> GetOptional(std::string_view name) const;
  // Every value of a kRepeated flag, in command-line order (empty when absent).
  std::vector<std::string> GetAll(std::string_view name) const;
  bool GetSwitch(std::string_view name) const { return Has(name); }

  // Typed values; InvalidArgument "--name: expected ..., got 'x'" for a malformed value.
  [[nodiscard]] absl::StatusOr<uint64_t> GetUint64(std::string_view name, uint64_t fallback) const;
  [[nodiscard]] absl::StatusOr<uint32_t> GetUint32(std::string_view name, uint32_t fallback) const;

  // Used by ParseFlags.
  void Add(const std::string& name, std::string value) {
    values_[name].push_back(std::move(value));
  }

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

[[nodiscard]] absl::StatusOr<ParsedFlags> ParseFlags(std::span<const FlagSpec> specs,
                                                     std::span<const std::string> args);

// Parses a decimal unsigned integer: digits only (no sign, no spaces), no overflow.
[[nodiscard]] std::optional<uint64_t> ParseDecimalUint64(std::string_view text);

// "k=v" -> {"k", "v"} (split at the first '='); InvalidArgument when there is no '=' or k is
// empty. `flag` names the flag in the message.
[[nodiscard]] absl::StatusOr<std::pair<std::string, std::string>> SplitKeyValue(
    std::string_view flag, std::string_view text);

// The "Flags:" block of a subcommand's help: one line per flag, descriptions aligned.
std::string FormatFlagHelp(std::span<const FlagSpec> specs);

}  // namespace mq::tools::mqadmin
