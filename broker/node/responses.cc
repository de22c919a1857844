#include "broker/node/responses.h"

#include "absl/strings/str_cat.h"

namespace mq::broker {

protocol::ResponseHeader Failure(protocol::ErrorCode code, std::string message, bool definite) {
  protocol::ResponseHeader header;
  header.error_code = code;
  header.message = std::move(message);
  header.definite = definite;
  return header;
}

protocol::ResponseHeader NotLeader(const ClusterConfig& config, uint64_t self_id,
                                   uint64_t group_id, uint64_t leader_broker_id) {
  protocol::ResponseHeader header;
  header.error_code = protocol::ErrorCode::kNotLeader;
  header.definite = true;
  header.leader_hint.group_id = group_id;
  header.leader_hint.broker_id = leader_broker_id;
  if (const BrokerAddress* leader = config.FindBroker(leader_broker_id)) {
    header.leader_hint.address = leader->address;
    header.message = absl::StrCat("broker ", self_id, " is not the leader of group ", group_id,
                                  "; broker ", leader_broker_id, " at ", leader->address, " is");
  } else {
    header.leader_hint.broker_id = 0;
    header.message = absl::StrCat("broker ", self_id, " is not the leader of group ", group_id,
                                  " and knows no leader now (election in progress?)");
  }
  return header;
}

protocol::ResponseHeader FromStatus(const absl::Status& status) {
  using protocol::ErrorCode;
  const std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return {};
    case absl::StatusCode::kAborted:
      return Failure(ErrorCode::kNotLeader, message, true);
    case absl::StatusCode::kDeadlineExceeded:
      return Failure(ErrorCode::kTimeout, message, false);
    case absl::StatusCode::kUnavailable:
      return Failure(ErrorCode::kUnavailable, message, false);
    case absl::StatusCode::kResourceExhausted:
      return Failure(ErrorCode::kThrottled, message, true);
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return Failure(ErrorCode::kInvalidArgument, message, true);
    case absl::StatusCode::kNotFound:
      return Failure(ErrorCode::kNotFound, message, true);
    default:
      return Failure(ErrorCode::kInternal, message, false);
  }
}

}  // namespace mq::broker
