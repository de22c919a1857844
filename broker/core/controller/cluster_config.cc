#include "broker/core/controller/cluster_config.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_format.h"
#include "storage/base/byte_io.h"
#include "storage/base/crc32c.h"
#include "storage/base/status_macros.h"

namespace mq::broker {
namespace {

constexpr std::string_view kMetaComment =
    "# RaftMQ cluster.meta: the cluster this data directory belongs to. Do not edit.";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Decimal digits only (no sign, no spaces), value <= max.
bool ParseDecimal(std::string_view s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (max - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

bool IsClusterIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

absl::Status ValidateClusterId(std::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("cluster id is empty");
  if (id.size() > kClusterIdBytesMax) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cluster id is %d bytes, more than the %d allowed", id.size(), kClusterIdBytesMax));
  }
  for (char c : id) {
    if (!IsClusterIdChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("cluster id \"%s\" has byte 0x%02x; use only A-Z a-z 0-9 . _ -", id,
                          static_cast<unsigned char>(c)));
    }
  }
  return absl::OkStatus();
}

// Brokers: non-empty, ids non-zero and unique, addresses valid and unique.
absl::Status ValidateBrokers(const std::vector<BrokerAddress>& brokers) {
  if (brokers.empty()) return absl::InvalidArgumentError("no brokers");
  if (brokers.size() > kBrokersMax) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d brokers, more than the %d allowed", brokers.size(), kBrokersMax));
  }
  std::set<uint64_t> ids;
  std::set<std::string> addresses;
  for (const BrokerAddress& b : brokers) {
    if (b.id == 0) return absl::InvalidArgumentError("broker id 0 is reserved (ids start at 1)");
    if (!ids.insert(b.id).second) {
      return absl::InvalidArgumentError(absl::StrFormat("duplicate broker id %d", b.id));
    }
    if (absl::Status s = ValidateHostPort(b.address); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("broker %d address: %s", b.id, std::string(s.message())));
    }
    if (!addresses.insert(b.address).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("broker %d: address %s is also another broker's", b.id, b.address));
    }
    if (!b.http_address.empty()) {
      if (absl::Status s = ValidateHostPort(b.http_address); !s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrFormat("broker %d http address: %s", b.id, std::string(s.message())));
      }
    }
  }
  return absl::OkStatus();
}

std::string JoinIds(const std::vector<uint64_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out;
}

// FNV-1a 64 (offset basis and prime from the FNV specification).
uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace

const BrokerAddress* ClusterConfig::FindBroker(uint64_t id) const {
  for (const BrokerAddress& b : brokers) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

const GroupPlacement* ClusterConfig::FindGroup(uint64_t group_id) const {
  for (const GroupPlacement& g : groups) {
    if (g.group_id == group_id) return &g;
  }
  return nullptr;
}

std::vector<uint64_t> ClusterConfig::DataGroupIds() const {
  std::vector<uint64_t> ids;
  for (const GroupPlacement& g : groups) {
    if (g.group_id != 0) ids.push_back(g.group_id);
  }
  return ids;
}

std::vector<uint64_t> ClusterConfig::GroupsOfBroker(uint64_t broker_id) const {
  std::vector<uint64_t> ids;
  for (const GroupPlacement& g : groups) {
    if (std::find(g.replicas.begin(), g.replicas.end(), broker_id) != g.replicas.end()) {
      ids.push_back(g.group_id);
    }
  }
  return ids;
}

uint64_t ClusterConfig::Fingerprint() const {
  std::string canonical;
  PutString(&canonical, cluster_id);
  PutFixed64(&canonical, brokers.size());
  for (const BrokerAddress& b : brokers) PutFixed64(&canonical, b.id);
  PutFixed64(&canonical, groups.size());
  for (const GroupPlacement& g : groups) {
    PutFixed64(&canonical, g.group_id);
    PutFixed64(&canonical, g.replicas.size());
    for (uint64_t r : g.replicas) PutFixed64(&canonical, r);
  }
  return Fnv1a64(canonical);
}

absl::Status ValidateHostPort(std::string_view host_port) {
  if (host_port.empty()) return absl::InvalidArgumentError("empty address (want HOST:PORT)");
  for (char c : host_port) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f || c == ',' ||
        c == '@') {
      return absl::InvalidArgumentError(absl::StrFormat("address \"%s\" has byte 0x%02x", host_port,
                                                        static_cast<unsigned char>(c)));
    }
  }
  const size_t colon = host_port.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrFormat("address \"%s\" has no port (want HOST:PORT)", host_port));
  }
  if (colon == 0) {
    return absl::InvalidArgumentError(absl::StrFormat("address \"%s\" has no host", host_port));
  }
  uint64_t port = 0;
  if (!ParseDecimal(host_port.substr(colon + 1), 65535, &port) || port == 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("address \"%s\": port \"%s\" is not a number in 1..65535", host_port,
                        host_port.substr(colon + 1)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<BrokerAddress>> ParsePeers(std::string_view peers) {
  if (Trim(peers).empty()) {
    return absl::InvalidArgumentError("peer list is empty (want ID@HOST:PORT,...)");
  }
  std::vector<BrokerAddress> brokers;
  const std::vector<std::string_view> items = Split(peers, ',');
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string_view item = Trim(items[i]);
    if (item.empty()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("peer list: item %d is empty (want ID@HOST:PORT)", i + 1));
    }
    const size_t at = item.find('@');
    if (at == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrFormat("peer \"%s\": missing '@' (want ID@HOST:PORT)", item));
    }
    BrokerAddress b;
    if (!ParseDecimal(item.substr(0, at), UINT64_MAX, &b.id)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "peer \"%s\": broker id \"%s\" is not a decimal number", item, item.substr(0, at)));
    }
    if (b.id == 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("peer \"%s\": broker id 0 is reserved (ids start at 1)", item));
    }
    b.address = std::string(item.substr(at + 1));
    if (absl::Status s = ValidateHostPort(b.address); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("peer \"%s\": %s", item, std::string(s.message())));
    }
    for (const BrokerAddress& other : brokers) {
      if (other.id == b.id) {
        return absl::InvalidArgumentError(
            absl::StrFormat("peer list: broker id %d appears twice", b.id));
      }
      if (other.address == b.address) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "peer list: address %s is given to brokers %d and %d", b.address, other.id, b.id));
      }
    }
    brokers.push_back(std::move(b));
  }
  return brokers;
}

absl::StatusOr<ClusterConfig> MakeClusterConfig(std::string cluster_id,
                                                std::vector<BrokerAddress> brokers,
                                                uint64_t data_group_count,
                                                uint64_t replication_factor) {
  MQ_RETURN_IF_ERROR(ValidateClusterId(cluster_id));
  MQ_RETURN_IF_ERROR(ValidateBrokers(brokers));
  if (data_group_count < 1 || data_group_count > kDataGroupsMax) {
    return absl::InvalidArgumentError(
        absl::StrFormat("data group count %d is outside 1..%d", data_group_count, kDataGroupsMax));
  }
  if (replication_factor == 0) {
    return absl::InvalidArgumentError("replication factor 0 (want at least 1)");
  }
  std::sort(brokers.begin(), brokers.end(),
            [](const BrokerAddress& a, const BrokerAddress& b) { return a.id < b.id; });
  const uint64_t n = brokers.size();
  const uint64_t size = std::min(n, replication_factor);

  ClusterConfig config;
  config.cluster_id = std::move(cluster_id);
  GroupPlacement controller{.group_id = 0, .replicas = {}, .preferred_leader = brokers[0].id};
  for (uint64_t i = 0; i < size; ++i) controller.replicas.push_back(brokers[i].id);
  config.groups.push_back(std::move(controller));
  for (uint64_t g = 1; g <= data_group_count; ++g) {
    const uint64_t start = (g - 1) % n;
    GroupPlacement group{.group_id = g, .replicas = {}, .preferred_leader = brokers[start].id};
    // n <= rf: every broker, in id order; else rf consecutive brokers from `start`.
    for (uint64_t i = 0; i < size; ++i) {
      group.replicas.push_back(brokers[n <= replication_factor ? i : (start + i) % n].id);
    }
    config.groups.push_back(std::move(group));
  }
  config.brokers = std::move(brokers);
  return config;
}

absl::Status ValidateClusterConfig(const ClusterConfig& config) {
  MQ_RETURN_IF_ERROR(ValidateClusterId(config.cluster_id));
  MQ_RETURN_IF_ERROR(ValidateBrokers(config.brokers));
  for (size_t i = 1; i < config.brokers.size(); ++i) {
    if (config.brokers[i - 1].id >= config.brokers[i].id) {
      return absl::InvalidArgumentError("brokers are not in ascending id order");
    }
  }
  if (config.groups.size() < 2 || config.groups.size() > kDataGroupsMax + 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d groups; want the controller and 1..%d data groups",
                        config.groups.size(), kDataGroupsMax));
  }
  for (size_t i = 0; i < config.groups.size(); ++i) {
    const GroupPlacement& g = config.groups[i];
    if (g.group_id != i) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "group %d is listed at position %d (want groups 0..G in order)", g.group_id, i));
    }
    if (g.replicas.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat("group %d has no replicas", g.group_id));
    }
    std::set<uint64_t> seen;
    for (uint64_t r : g.replicas) {
      if (config.FindBroker(r) == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrFormat("group %d: replica %d is not a broker", g.group_id, r));
      }
      if (!seen.insert(r).second) {
        return absl::InvalidArgumentError(
            absl::StrFormat("group %d: replica %d is listed twice", g.group_id, r));
      }
    }
    if (seen.count(g.preferred_leader) == 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "group %d: preferred leader %d is not a replica", g.group_id, g.preferred_leader));
    }
  }
  return absl::OkStatus();
}

std::string EncodeClusterMeta(const ClusterConfig& config) {
  std::string text;
  text += kMetaComment;
  text += '\n';
  text += absl::StrFormat("format %d\n", kClusterMetaFormatVersion);
  text += absl::StrFormat("cluster_id %s\n", config.cluster_id);
  for (const BrokerAddress& b : config.brokers) {
    text += absl::StrFormat("broker %d %s %s\n", b.id, b.address,
                            b.http_address.empty() ? "-" : b.http_address);
  }
  for (const GroupPlacement& g : config.groups) {
    text += absl::StrFormat("group %d preferred %d replicas %s\n", g.group_id, g.preferred_leader,
                            JoinIds(g.replicas));
  }
  text += absl::StrFormat("crc32c %08x\n", Crc32c(text));
  return text;
}

absl::StatusOr<ClusterConfig> DecodeClusterMeta(std::string_view text) {
  auto fail = [](size_t line, std::string_view detail) {
    return absl::DataLossError(absl::StrFormat("cluster.meta line %d: %s", line, detail));
  };
  if (text.size() > kClusterMetaBytesMax) {
    return absl::DataLossError(absl::StrFormat("cluster.meta: %d bytes, more than the %d allowed",
                                               text.size(), kClusterMetaBytesMax));
  }
  if (text.empty() || text.back() != '\n') {
    return absl::DataLossError("cluster.meta: torn (does not end with a newline)");
  }
  // The crc line is the last one; it covers every byte before it.
  const size_t last_start = text.rfind('\n', text.size() - 2);
  const size_t crc_start = last_start == std::string_view::npos ? 0 : last_start + 1;
  const std::string_view body = text.substr(0, crc_start);
  const std::string_view crc_line = text.substr(crc_start, text.size() - 1 - crc_start);
  const size_t line_count = static_cast<size_t>(std::count(body.begin(), body.end(), '\n')) + 1;
  if (crc_line.substr(0, 7) != "crc32c " || crc_line.size() != 15) {
    return fail(line_count, "the last line is not \"crc32c XXXXXXXX\" (file torn?)");
  }
  uint32_t stored = 0;
  for (char c : crc_line.substr(7)) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (digit < 0) return fail(line_count, "the crc32c is not 8 lowercase hex digits");
    stored = (stored << 4) | static_cast<uint32_t>(digit);
  }
  if (stored != Crc32c(body)) {
    return fail(line_count, absl::StrFormat("crc32c mismatch: stored %08x, computed %08x", stored,
                                            Crc32c(body)));
  }

  ClusterConfig config;
  bool have_format = false;
  bool have_cluster_id = false;
  std::vector<std::string_view> lines = Split(body, '\n');
  lines.pop_back();  // body ends with '\n'
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t line_no = i + 1;
    const std::string_view line = lines[i];
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string_view> f = Split(line, ' ');
    if (f[0] == "format") {
      uint64_t version = 0;
      if (f.size() != 2 || !ParseDecimal(f[1], UINT32_MAX, &version)) {
        return fail(line_no, "want \"format N\"");
      }
      if (version != kClusterMetaFormatVersion) {
        return fail(line_no, absl::StrFormat("format %d is not known to this build (it reads %d)",
                                             version, kClusterMetaFormatVersion));
      }
      have_format = true;
    } else if (!have_format) {
      return fail(line_no, "the first record must be \"format N\"");
    } else if (f[0] == "cluster_id") {
      if (f.size() != 2 || have_cluster_id) return fail(line_no, "want one \"cluster_id ID\"");
      config.cluster_id = std::string(f[1]);
      have_cluster_id = true;
    } else if (f[0] == "broker") {
      BrokerAddress b;
      if (f.size() != 4 || !ParseDecimal(f[1], UINT64_MAX, &b.id)) {
        return fail(line_no, "want \"broker ID HOST:PORT HTTP_HOST:PORT|-\"");
      }
      b.address = std::string(f[2]);
      if (f[3] != "-") b.http_address = std::string(f[3]);
      config.brokers.push_back(std::move(b));
    } else if (f[0] == "group") {
      GroupPlacement g;
      if (f.size() != 6 || f[2] != "preferred" || f[4] != "replicas" ||
          !ParseDecimal(f[1], UINT64_MAX, &g.group_id) ||
          !ParseDecimal(f[3], UINT64_MAX, &g.preferred_leader)) {
        return fail(line_no, "want \"group ID preferred BROKER replicas BROKER,BROKER,...\"");
      }
      for (std::string_view r : Split(f[5], ',')) {
        uint64_t id = 0;
        if (!ParseDecimal(r, UINT64_MAX, &id) || g.replicas.size() >= kBrokersMax) {
          return fail(line_no, "bad replica list");
        }
        g.replicas.push_back(id);
      }
      config.groups.push_back(std::move(g));
    } else {
      return fail(line_no, absl::StrFormat("unknown record \"%s\"", f[0]));
    }
    if (config.brokers.size() > kBrokersMax || config.groups.size() > kDataGroupsMax + 1) {
      return fail(line_no, "too many records");
    }
  }
  if (!have_format) return absl::DataLossError("cluster.meta: no \"format\" record");
  if (absl::Status s = ValidateClusterConfig(config); !s.ok()) {
    return absl::DataLossError(absl::StrFormat("cluster.meta: %s", std::string(s.message())));
  }
  return config;
}

}  // namespace mq::broker
