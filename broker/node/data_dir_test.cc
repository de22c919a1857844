#include "broker/node/data_dir.h"

#include "gtest/gtest.h"
#include "storage/file/atomic_file.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/temp_dir.h"

namespace mq::broker {
namespace {

const DataDirIdentity kIdentity{.cluster_id = "c", .broker_id = 2, .layout = "1@a:1,2@b:2/g3"};

TEST(DataDirTest, IdentityRoundTripsAndDetectsDamage) {
  const std::string text = EncodeIdentity(kIdentity);
  auto decoded = DecodeIdentity(text);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, kIdentity);
  std::string damaged = text;
  damaged[text.find("broker_id=2") + 10] = '3';
  EXPECT_EQ(DecodeIdentity(damaged).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeIdentity("garbage").status().code(), absl::StatusCode::kDataLoss);
}

TEST(DataDirTest, FirstStartWritesIdentityLaterStartsCheckIt) {
  storage::TempDir tmp;
  auto& fs = storage::PosixFilesystem::Get();
  const std::string dir = tmp.path() + "/b2";
  {
    auto opened = DataDir::Open(fs, dir, kIdentity);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_TRUE((*opened)->created());
    EXPECT_EQ((*opened)->RaftDir(3), dir + "/groups/3/raft");
    EXPECT_EQ((*opened)->StateDir(3), dir + "/groups/3/state");
    // A second process (here: a second open) on the same directory is refused.
    auto second = DataDir::Open(fs, dir, kIdentity);
    EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(second.status().message().find("in use by another process"),
              absl::string_view::npos);
  }
  auto again = DataDir::Open(fs, dir, kIdentity);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE((*again)->created());
}

TEST(DataDirTest, RefusesAnotherClusterOrBrokerOrLayout) {
  storage::TempDir tmp;
  auto& fs = storage::PosixFilesystem::Get();
  const std::string dir = tmp.path() + "/b2";
  ASSERT_TRUE(DataDir::Open(fs, dir, kIdentity).ok());

  DataDirIdentity other = kIdentity;
  other.broker_id = 3;
  auto status = DataDir::Open(fs, dir, other).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("belongs to broker 2 of cluster 'c'"), absl::string_view::npos);

  other = kIdentity;
  other.cluster_id = "d";
  EXPECT_EQ(DataDir::Open(fs, dir, other).status().code(),
            absl::StatusCode::kFailedPrecondition);

  other = kIdentity;
  other.layout = "1@a:1/g3";
  status = DataDir::Open(fs, dir, other).status();
  EXPECT_NE(status.message().find("cluster layout"), absl::string_view::npos);
}

TEST(DataDirTest, DamagedIdentityAndOrphanGroupsAreRefused) {
  storage::TempDir tmp;
  auto& fs = storage::PosixFilesystem::Get();
  const std::string dir = tmp.path() + "/b2";
  ASSERT_TRUE(DataDir::Open(fs, dir, kIdentity).ok());
  ASSERT_TRUE(storage::WriteFileAtomically(fs, dir + "/identity", "cluster_id=c\n").ok());
  EXPECT_EQ(DataDir::Open(fs, dir, kIdentity).status().code(), absl::StatusCode::kDataLoss);

  const std::string orphan = tmp.path() + "/orphan";
  ASSERT_TRUE(fs.CreateDirs(orphan + "/groups/1").ok());
  EXPECT_EQ(DataDir::Open(fs, orphan, kIdentity).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace mq::broker
