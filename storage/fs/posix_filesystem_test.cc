#include "storage/fs/posix_filesystem.h"

#include "gtest/gtest.h"
#include "storage/fs/temp_dir.h"

namespace mq::storage {
namespace {

class PosixFilesystemTest : public ::testing::Test {
 protected:
  PosixFilesystem& fs_ = PosixFilesystem::Get();
  TempDir dir_;
  std::string Path(std::string_view name) { return JoinPath(dir_.path(), name); }
};

TEST_F(PosixFilesystemTest, WriteReadSyncTruncate) {
  auto file = fs_.Open(Path("a"), OpenMode::kCreateOrOpen);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->WriteAt(0, "hello").ok());
  ASSERT_TRUE((*file)->WriteAt(8, "xyz").ok());  // leaves a zero-filled gap
  ASSERT_TRUE((*file)->Sync().ok());
  EXPECT_EQ(*(*file)->Size(), 11u);
  char buf[16] = {};
  auto n = (*file)->ReadAt(0, buf, sizeof buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 11u);  // short read at end of file
  EXPECT_EQ(std::string(buf, 11), std::string("hello\0\0\0xyz", 11));
  ASSERT_TRUE((*file)->Truncate(2).ok());
  EXPECT_EQ(*(*file)->Size(), 2u);
}

TEST_F(PosixFilesystemTest, OpenModesReportClearErrors) {
  auto missing = fs_.Open(Path("missing"), OpenMode::kReadOnly);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("missing"), std::string_view::npos);
  ASSERT_TRUE(fs_.Open(Path("x"), OpenMode::kCreateExclusive).ok());
  EXPECT_EQ(fs_.Open(Path("x"), OpenMode::kCreateExclusive).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(PosixFilesystemTest, DirectoryOperations) {
  ASSERT_TRUE(fs_.CreateDirs(Path("d/e/f")).ok());
  ASSERT_TRUE(fs_.CreateDirs(Path("d/e/f")).ok());  // idempotent
  ASSERT_TRUE(fs_.Open(Path("d/b"), OpenMode::kCreateOrOpen).ok());
  ASSERT_TRUE(fs_.Open(Path("d/a"), OpenMode::kCreateOrOpen).ok());
  auto names = fs_.ListDir(Path("d"));
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b", "e"}));
  ASSERT_TRUE(fs_.Rename(Path("d/a"), Path("d/c")).ok());
  ASSERT_TRUE(fs_.SyncDir(Path("d")).ok());
  EXPECT_FALSE(*fs_.Exists(Path("d/a")));
  EXPECT_TRUE(*fs_.Exists(Path("d/c")));
  ASSERT_TRUE(fs_.Remove(Path("d/c")).ok());
  EXPECT_EQ(fs_.Remove(Path("d/c")).code(), absl::StatusCode::kNotFound);
}

TEST_F(PosixFilesystemTest, LockIsExclusiveUntilReleased) {
  auto first = fs_.Lock(Path("LOCK"));
  ASSERT_TRUE(first.ok());
  auto second = fs_.Lock(Path("LOCK"));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  first->reset();
  EXPECT_TRUE(fs_.Lock(Path("LOCK")).ok());
}

TEST(PathTest, JoinAndDirName) {
  EXPECT_EQ(JoinPath("a/b", "c"), "a/b/c");
  EXPECT_EQ(JoinPath("a/b/", "c"), "a/b/c");
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
}

}  // namespace
}  // namespace mq::storage
