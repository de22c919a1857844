#include "client/status.h"

#include <charconv>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace mq::client {
namespace {

constexpr std::string_view kRejectedPrefix = "rejected: ";
constexpr std::string_view kUnknownPrefix = "unknown: ";

std::string StripPrefix(std::string message) {
  for (std::string_view prefix : {kRejectedPrefix, kUnknownPrefix}) {
    if (message.compare(0, prefix.size(), prefix) == 0) return message.substr(prefix.size());
  }
  return message;
}

}  // namespace

absl::Status MakeClientError(absl::StatusCode code, bool definite, std::string_view message,
                             std::optional<protocol::ErrorCode> broker_code) {
  if (code == absl::StatusCode::kOk) code = absl::StatusCode::kUnknown;
  std::string text = StripPrefix(std::string(message));
  std::string full = absl::StrFormat("%s%s", definite ? kRejectedPrefix : kUnknownPrefix, text);
  absl::Status status(code, full);
  status.SetPayload(kDefinitePayloadUrl, absl::Cord(definite ? "1" : "0"));
  if (broker_code.has_value()) {
    status.SetPayload(kErrorCodePayloadUrl,
                      absl::Cord(std::to_string(static_cast<uint16_t>(*broker_code))));
  }
  return status;
}

bool IsDefiniteFailure(const absl::Status& status) {
  if (status.ok()) return false;
  auto payload = status.GetPayload(kDefinitePayloadUrl);
  return payload.has_value() && *payload == "1";
}

std::optional<protocol::ErrorCode> BrokerErrorCode(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorCodePayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  std::string text(*payload);
  uint16_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return static_cast<protocol::ErrorCode>(value);
}

std::string FailureCodeName(const absl::Status& status) {
  if (status.ok()) return "OK";
  if (std::optional<protocol::ErrorCode> code = BrokerErrorCode(status)) {
    return protocol::ErrorCodeName(*code);
  }
  std::string name = absl::StatusCodeToString(status.code());
  return name;
}

absl::Status AsUnknown(const absl::Status& status) {
  if (status.ok()) return status;
  return MakeClientError(status.code(), /*definite=*/false, std::string(status.message()),
                         BrokerErrorCode(status));
}

}  // namespace mq::client
