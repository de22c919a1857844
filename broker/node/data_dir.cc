#include "broker/node/data_dir.h"

#include <charconv>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "storage/base/crc32c.h"
#include "storage/base/status_macros.h"
#include "storage/file/atomic_file.h"

namespace mq::broker {
namespace {

constexpr char kLockFile[] = "LOCK";
constexpr char kIdentityFile[] = "identity";
constexpr size_t kIdentityBytesMax = 64 << 10;

std::string Body(const DataDirIdentity& identity) {
  return absl::StrCat("cluster_id=", identity.cluster_id, "\nbroker_id=", identity.broker_id,
                      "\nlayout=", identity.layout, "\n");
}

}  // namespace

std::string EncodeIdentity(const DataDirIdentity& identity) {
  const std::string body = Body(identity);
  return absl::StrCat(body, absl::StrFormat("crc32c=%08x\n", Crc32c(body)));
}

absl::StatusOr<DataDirIdentity> DecodeIdentity(std::string_view text) {
  const size_t crc_at = text.rfind("crc32c=");
  if (crc_at == std::string_view::npos) {
    return absl::DataLossError("identity file: no crc32c line");
  }
  const std::string_view body = text.substr(0, crc_at);
  const std::string expected = absl::StrFormat("crc32c=%08x\n", Crc32c(body));
  if (text.substr(crc_at) != expected) {
    return absl::DataLossError("identity file: checksum mismatch (damaged file)");
  }
  std::map<std::string, std::string> values;
  for (absl::string_view line : absl::StrSplit(absl::string_view(body.data(), body.size()), '\n',
                                               absl::SkipEmpty())) {
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) return absl::DataLossError("identity file: bad line");
    values[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  DataDirIdentity identity;
  identity.cluster_id = values["cluster_id"];
  identity.layout = values["layout"];
  const std::string& id = values["broker_id"];
  const auto [ptr, ec] = std::from_chars(id.data(), id.data() + id.size(), identity.broker_id);
  if (ec != std::errc() || ptr != id.data() + id.size() || identity.broker_id == 0) {
    return absl::DataLossError(absl::StrCat("identity file: bad broker_id '", id, "'"));
  }
  return identity;
}

absl::StatusOr<std::unique_ptr<DataDir>> DataDir::Open(storage::Filesystem& fs,
                                                       const std::string& dir,
                                                       const DataDirIdentity& expected) {
  MQ_RETURN_IF_ERROR(fs.CreateDirs(dir));
  auto lock = fs.Lock(storage::JoinPath(dir, kLockFile));
  if (!lock.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data dir ", dir, " is in use by another process (", lock.status().message(), ")"));
  }
  const std::string identity_path = storage::JoinPath(dir, kIdentityFile);
  MQ_ASSIGN_OR_RETURN(const bool exists, fs.Exists(identity_path));
  if (!exists) {
    MQ_ASSIGN_OR_RETURN(const auto entries, fs.ListDir(dir));
    for (const std::string& name : entries) {
      if (name == "groups") {
        return absl::FailedPreconditionError(absl::StrCat(
            "data dir ", dir, " holds group data but no identity file: refusing to guess"));
      }
    }
    MQ_RETURN_IF_ERROR(storage::WriteFileAtomically(fs, identity_path, EncodeIdentity(expected)));
    return std::unique_ptr<DataDir>(new DataDir(dir, std::move(*lock), true));
  }
  MQ_ASSIGN_OR_RETURN(const std::string text,
                      storage::ReadWholeFile(fs, identity_path, kIdentityBytesMax));
  auto found = DecodeIdentity(text);
  if (!found.ok()) {
    return absl::DataLossError(absl::StrCat(identity_path, ": ", found.status().message()));
  }
  if (found->cluster_id != expected.cluster_id || found->broker_id != expected.broker_id) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "data dir %s belongs to broker %d of cluster '%s', but this is broker %d of cluster '%s'",
        dir, found->broker_id, found->cluster_id, expected.broker_id, expected.cluster_id));
  }
  if (found->layout != expected.layout) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "data dir %s was created for the cluster layout '%s', but the flags give '%s' (--peers "
        "and --data-groups must stay as the cluster was created)",
        dir, found->layout, expected.layout));
  }
  return std::unique_ptr<DataDir>(new DataDir(dir, std::move(*lock), false));
}

std::string DataDir::RaftDir(uint64_t group_id) const {
  return storage::JoinPath(dir_, absl::StrCat("groups/", group_id, "/raft"));
}

std::string DataDir::StateDir(uint64_t group_id) const {
  return storage::JoinPath(dir_, absl::StrCat("groups/", group_id, "/state"));
}

}  // namespace mq::broker
