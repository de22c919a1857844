#pragma once

// The broker's data directory:
//
//   DIR/LOCK            flock'd while a broker runs: a second process on DIR is refused
//   DIR/identity        which cluster and broker this directory belongs to (written atomically
//                       on first start, checked on every start after)
//   DIR/groups/<g>/raft   the Raft replica of group g (raft/durable RaftLogStore)
//   DIR/groups/<g>/state  derived files of data group g (consume queues)
//
// The identity file is plain text, `name=value` lines ending with a crc32c line over them:
//   cluster_id=raftmq
//   broker_id=2
//   layout=<the peer list and data group count the cluster was created with>
//   crc32c=<hex>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/fs/filesystem.h"

namespace mq::broker {

struct DataDirIdentity {
  std::string cluster_id;
  uint64_t broker_id = 0;
  // The cluster's shape as created: brokers and data groups. A broker restarted with a
  // different shape would place queues differently from its peers, so that is refused.
  std::string layout;
  bool operator==(const DataDirIdentity&) const = default;
};

std::string EncodeIdentity(const DataDirIdentity& identity);
[[nodiscard]] absl::StatusOr<DataDirIdentity> DecodeIdentity(std::string_view text);

class DataDir {
 public:
  // Creates `dir` if missing, locks it (FailedPrecondition naming the directory if another
  // process holds it), then writes `expected` as its identity on first start or checks it
  // (FailedPrecondition explaining the mismatch; DataLoss for a damaged identity file).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DataDir>> Open(
      storage::Filesystem& fs, const std::string& dir, const DataDirIdentity& expected);

  const std::string& path() const { return dir_; }
  // Whether Open found no identity (a brand new broker).
  bool created() const { return created_; }
  std::string RaftDir(uint64_t group_id) const;
  std::string StateDir(uint64_t group_id) const;

 private:
  DataDir(std::string dir, std::unique_ptr<storage::FileLock> lock, bool created)
      : dir_(std::move(dir)), lock_(std::move(lock)), created_(created) {}

  std::string dir_;
  std::unique_ptr<storage::FileLock> lock_;
  bool created_;
};

}  // namespace mq::broker
