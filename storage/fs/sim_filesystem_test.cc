#include "storage/fs/sim_filesystem.h"

#include <algorithm>
#include <bitset>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/base/status_macros.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/temp_dir.h"

namespace mq::storage {
namespace {

// Seeds per crash property; MQ_SIM_FS_SEEDS raises it for a longer local run. Never fewer than
// the default: the tests also check that every outcome of the model shows up.
int SeedCount() {
  const char* env = std::getenv("MQ_SIM_FS_SEEDS");
  return std::max(300, env != nullptr ? std::atoi(env) : 0);
}

template <typename T>
T Must(absl::StatusOr<T> value) {
  MQ_CHECK_MSG(value.ok(), value.status().ToString().c_str());
  return std::move(value).value();
}

void MustOk(const absl::Status& status) { MQ_CHECK_MSG(status.ok(), status.ToString().c_str()); }

bool Contains(const absl::Status& status, std::string_view text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

// n bytes cycling through 26 letters from `first`: old and new data never share a byte.
std::string Pattern(size_t n, char first) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>(first + i % 26);
  return out;
}

// The content of `path`, or nullopt if it does not exist.
std::optional<std::string> ReadFile(Filesystem& fs, const std::string& path) {
  auto file = fs.Open(path, OpenMode::kReadOnly);
  if (absl::IsNotFound(file.status())) return std::nullopt;
  std::unique_ptr<File> f = Must(std::move(file));
  std::string out(Must(f->Size()), '\0');
  EXPECT_EQ(Must(f->ReadAt(0, out.data(), out.size())), out.size());
  return out;
}

// The content of `path`, which must exist.
std::string MustRead(Filesystem& fs, const std::string& path) {
  std::optional<std::string> content = ReadFile(fs, path);
  MQ_CHECK_MSG(content.has_value(), path.c_str());
  return *content;
}

void WriteFile(SimFilesystem& fs, const std::string& path, std::string_view data, bool sync) {
  std::unique_ptr<File> f = Must(fs.Open(path, OpenMode::kCreateOrOpen));
  MustOk(f->Truncate(0));
  MustOk(f->WriteAt(0, data));
  if (sync) MustOk(f->Sync());
}

// Every path under `dir` with its content, in order: two equal dumps mean equal trees.
std::string Dump(SimFilesystem& fs, const std::string& dir = "/") {
  std::string out;
  for (const std::string& name : Must(fs.ListDir(dir))) {
    const std::string path = JoinPath(dir, name);
    if (fs.ListDir(path).ok()) {
      out += path + "/\n" + Dump(fs, path);
    } else {
      out += path + "=" + ReadFile(fs, path).value_or("?") + "\n";
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// POSIX-like behaviour without crashes.

TEST(SimFilesystemTest, WriteReadTruncateSize) {
  SimFilesystem fs;
  auto f = Must(fs.Open("a", OpenMode::kCreateOrOpen));
  EXPECT_EQ(f->path(), "a");
  ASSERT_TRUE(f->WriteAt(0, "hello").ok());
  ASSERT_TRUE(f->WriteAt(8, "xyz").ok());  // leaves a zero-filled gap
  EXPECT_EQ(Must(f->Size()), 11u);
  char buf[16] = {};
  EXPECT_EQ(Must(f->ReadAt(0, buf, sizeof buf)), 11u);  // short read at end of file
  EXPECT_EQ(std::string(buf, 11), std::string("hello\0\0\0xyz", 11));
  EXPECT_EQ(Must(f->ReadAt(9, buf, 1)), 1u);
  EXPECT_EQ(buf[0], 'y');
  EXPECT_EQ(Must(f->ReadAt(11, buf, 4)), 0u);   // at end of file
  EXPECT_EQ(Must(f->ReadAt(100, buf, 4)), 0u);  // past it
  ASSERT_TRUE(f->WriteAt(1, "EL").ok());        // overwrite in place
  ASSERT_TRUE(f->Truncate(4).ok());
  EXPECT_EQ(MustRead(fs, "a"), "hELl");
  ASSERT_TRUE(f->Truncate(6).ok());  // growing reads as zeros
  EXPECT_EQ(MustRead(fs, "a"), std::string("hELl\0\0", 6));
  ASSERT_TRUE(f->WriteAt(2, "").ok());  // an empty write changes nothing
  ASSERT_TRUE(f->WriteAt(50, "").ok());
  EXPECT_EQ(Must(f->Size()), 6u);
  f->Prefetch(0, 6);
  // A wild offset is refused instead of allocating it.
  EXPECT_EQ(f->WriteAt(uint64_t{1} << 40, "x").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(f->WriteAt(UINT64_MAX, "x").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(f->Truncate(uint64_t{1} << 40).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Must(f->Size()), 6u);
}

TEST(SimFilesystemTest, OpenModesReportErrorsNamingThePath) {
  SimFilesystem fs;
  auto missing = fs.Open("/dir/missing", OpenMode::kReadOnly);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);  // parent missing too
  EXPECT_TRUE(Contains(missing.status(), "/dir/missing")) << missing.status();
  ASSERT_TRUE(fs.CreateDirs("dir").ok());
  for (OpenMode mode : {OpenMode::kReadOnly, OpenMode::kReadWrite}) {
    auto status = fs.Open("dir/missing", mode).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
    EXPECT_TRUE(Contains(status, "dir/missing")) << status;
  }
  EXPECT_FALSE(*fs.Exists("dir/missing"));  // failed opens create nothing

  WriteFile(fs, "dir/x", "abc", /*sync=*/false);
  auto exclusive = fs.Open("dir/x", OpenMode::kCreateExclusive);
  EXPECT_EQ(exclusive.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(Contains(exclusive.status(), "dir/x")) << exclusive.status();
  EXPECT_EQ(Must(Must(fs.Open("dir/x", OpenMode::kCreateOrOpen))->Size()), 3u);  // kept
  EXPECT_EQ(Must(Must(fs.Open("dir/x", OpenMode::kReadWrite))->Size()), 3u);
  ASSERT_TRUE(fs.Open("dir/y", OpenMode::kCreateExclusive).ok());
  EXPECT_EQ(MustRead(fs, "dir/y"), "");

  // Creating needs the parent directory, like POSIX.
  auto orphan = fs.Open("nodir/f", OpenMode::kCreateOrOpen);
  EXPECT_EQ(orphan.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Contains(orphan.status(), "nodir/f")) << orphan.status();
  EXPECT_EQ(fs.Open("dir/x/f", OpenMode::kCreateOrOpen).status().code(),
            absl::StatusCode::kFailedPrecondition);  // a file is not a directory
  EXPECT_EQ(fs.Open("dir", OpenMode::kReadOnly).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs.Open("/", OpenMode::kCreateOrOpen).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs.Open("", OpenMode::kCreateOrOpen).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SimFilesystemTest, ReadOnlyHandleRefusesWrites) {
  SimFilesystem fs;
  WriteFile(fs, "f", "data", /*sync=*/false);
  auto f = Must(fs.Open("f", OpenMode::kReadOnly));
  const absl::Status write = f->WriteAt(0, "x");
  EXPECT_EQ(write.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(write, "read-only")) << write;
  EXPECT_EQ(f->Truncate(0).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(f->Sync().ok());  // fdatasync works on a read-only descriptor
  EXPECT_EQ(MustRead(fs, "f"), "data");
  EXPECT_EQ(fs.stats().bytes_written, 4u);
}

TEST(SimFilesystemTest, PathsAreNormalised) {
  SimFilesystem fs;
  ASSERT_TRUE(fs.CreateDirs("/a//b/").ok());
  WriteFile(fs, "a/b/f", "1", /*sync=*/false);
  EXPECT_EQ(MustRead(fs, "/a/b/f"), "1");
  EXPECT_EQ(MustRead(fs, "//a/./b//f"), "1");
  EXPECT_EQ(MustRead(fs, "a/x/../b/f"), "1");
  EXPECT_TRUE(*fs.Exists("a/b/"));
  EXPECT_TRUE(*fs.Exists("/"));
  EXPECT_TRUE(*fs.Exists("."));
  EXPECT_EQ(Must(fs.ListDir("/")), std::vector<std::string>{"a"});
  EXPECT_EQ(Must(fs.ListDir(".")), std::vector<std::string>{"a"});
  EXPECT_EQ(Must(fs.ListDir("a//b")), std::vector<std::string>{"f"});
  EXPECT_EQ(fs.Exists("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fs.CreateDirs("").code(), absl::StatusCode::kInvalidArgument);
}

TEST(SimFilesystemTest, DirectoryOperations) {
  SimFilesystem fs;
  ASSERT_TRUE(fs.CreateDirs("d/e/f").ok());
  ASSERT_TRUE(fs.CreateDirs("d/e/f").ok());  // idempotent
  ASSERT_TRUE(fs.CreateDirs("d").ok());
  WriteFile(fs, "d/b", "", /*sync=*/false);
  WriteFile(fs, "d/a", "", /*sync=*/false);
  EXPECT_EQ(Must(fs.ListDir("d")), (std::vector<std::string>{"a", "b", "e"}));
  EXPECT_EQ(Must(fs.ListDir("d/e/f")), std::vector<std::string>{});
  EXPECT_TRUE(*fs.Exists("d/e"));
  EXPECT_TRUE(*fs.Exists("d/a"));
  EXPECT_FALSE(*fs.Exists("d/z"));
  EXPECT_FALSE(*fs.Exists("d/a/z"));  // through a file

  auto list_missing = fs.ListDir("nope");
  EXPECT_EQ(list_missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Contains(list_missing.status(), "nope"));
  EXPECT_EQ(fs.ListDir("d/a").status().code(), absl::StatusCode::kFailedPrecondition);
  const absl::Status through_file = fs.CreateDirs("d/a/x");
  EXPECT_EQ(through_file.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(through_file, "/d/a")) << through_file;
  EXPECT_EQ(fs.CreateDirs("d/a").code(), absl::StatusCode::kFailedPrecondition);

  ASSERT_TRUE(fs.Remove("d/a").ok());
  const absl::Status remove_missing = fs.Remove("d/a");
  EXPECT_EQ(remove_missing.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Contains(remove_missing, "d/a"));
  EXPECT_EQ(fs.Remove("missing/a").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(fs.Remove("d/e").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs.Remove("/").code(), absl::StatusCode::kFailedPrecondition);

  EXPECT_TRUE(fs.SyncDir("d/e").ok());
  EXPECT_EQ(fs.SyncDir("d/zz").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(fs.SyncDir("d/b").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SimFilesystemTest, RenameReplacesAtomicallyAndHandlesKeepTheirInode) {
  SimFilesystem fs;
  WriteFile(fs, "target", "old-target", /*sync=*/false);
  WriteFile(fs, "source", "new-source", /*sync=*/false);
  auto target = Must(fs.Open("target", OpenMode::kReadWrite));
  auto source = Must(fs.Open("source", OpenMode::kReadWrite));
  ASSERT_TRUE(fs.Rename("source", "target").ok());
  EXPECT_FALSE(*fs.Exists("source"));
  EXPECT_EQ(MustRead(fs, "target"), "new-source");
  EXPECT_EQ(Must(fs.ListDir("/")), std::vector<std::string>{"target"});

  // The replaced inode lives on behind its handle, detached from every name.
  ASSERT_TRUE(target->WriteAt(0, "O").ok());
  char buf[10];
  ASSERT_EQ(Must(target->ReadAt(0, buf, 10)), 10u);
  EXPECT_EQ(std::string(buf, 10), "Old-target");
  // The moved inode is still the one behind the source handle.
  ASSERT_TRUE(source->WriteAt(0, "N").ok());
  EXPECT_EQ(MustRead(fs, "target"), "New-source");

  ASSERT_TRUE(fs.Rename("target", "target").ok());  // onto itself: nothing happens
  EXPECT_EQ(MustRead(fs, "target"), "New-source");
}

TEST(SimFilesystemTest, RenameErrorsAndDirectories) {
  SimFilesystem fs;
  ASSERT_TRUE(fs.CreateDirs("d/sub").ok());
  WriteFile(fs, "d/sub/f", "x", /*sync=*/false);
  WriteFile(fs, "g", "y", /*sync=*/false);

  const absl::Status missing = fs.Rename("d/nothing", "d/other");
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Contains(missing, "d/nothing")) << missing;
  EXPECT_EQ(fs.Rename("g", "nodir/g").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(fs.Rename("g", "d").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs.Rename("d", "g").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs.Rename("d", "d/sub/d").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fs.Rename("/", "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MustRead(fs, "g"), "y");  // failed renames change nothing

  ASSERT_TRUE(fs.Rename("d/sub", "moved").ok());  // a directory takes its children along
  EXPECT_EQ(MustRead(fs, "moved/f"), "x");
  EXPECT_FALSE(*fs.Exists("d/sub"));
  ASSERT_TRUE(fs.Rename("g", "moved/g").ok());  // across directories
  EXPECT_EQ(Must(fs.ListDir("moved")), (std::vector<std::string>{"f", "g"}));
  EXPECT_EQ(Must(fs.ListDir("/")), (std::vector<std::string>{"d", "moved"}));
}

TEST(SimFilesystemTest, RemovedFileStaysUsableThroughOpenHandles) {
  SimFilesystem fs;
  WriteFile(fs, "f", "abc", /*sync=*/false);
  auto f = Must(fs.Open("f", OpenMode::kReadWrite));
  ASSERT_TRUE(fs.Remove("f").ok());
  EXPECT_FALSE(*fs.Exists("f"));
  ASSERT_TRUE(f->WriteAt(3, "def").ok());
  ASSERT_TRUE(f->Sync().ok());
  EXPECT_EQ(Must(f->Size()), 6u);
  WriteFile(fs, "f", "new", /*sync=*/false);  // a new inode under the old name
  EXPECT_EQ(MustRead(fs, "f"), "new");
  EXPECT_EQ(Must(f->Size()), 6u);
}

TEST(SimFilesystemTest, LockIsExclusiveUntilReleasedOrCrash) {
  SimFilesystem fs;
  EXPECT_EQ(fs.Lock("nodir/LOCK").status().code(), absl::StatusCode::kNotFound);
  auto first = Must(fs.Lock("LOCK"));
  EXPECT_TRUE(*fs.Exists("LOCK"));  // created if missing
  auto second = fs.Lock("/LOCK");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(second.status(), "LOCK")) << second.status();
  auto other = Must(fs.Lock("OTHER"));  // locks are per file
  first.reset();
  auto third = Must(fs.Lock("LOCK"));
  ASSERT_TRUE(fs.CreateDirs("d").ok());
  EXPECT_EQ(fs.Lock("d").status().code(), absl::StatusCode::kFailedPrecondition);

  ASSERT_TRUE(fs.SyncDir("/").ok());
  Prng prng(1);
  fs.Crash(prng);  // power loss releases every lock
  auto after_crash = Must(fs.Lock("LOCK"));
  third.reset();  // a pre-crash holder going away must not release the new holder
  EXPECT_EQ(fs.Lock("LOCK").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(fs.Lock("OTHER").ok());
}

TEST(SimFilesystemTest, HandlesAndLocksMayOutliveTheFilesystem) {
  std::unique_ptr<File> file;
  std::unique_ptr<FileLock> lock;
  {
    SimFilesystem fs;
    file = Must(fs.Open("f", OpenMode::kCreateOrOpen));
    lock = Must(fs.Lock("LOCK"));
  }
  EXPECT_TRUE(file->WriteAt(0, "x").ok());
  lock.reset();
}

TEST(SimFilesystemTest, StatsCountSuccessfulWork) {
  SimFilesystem fs;
  auto f = Must(fs.Open("f", OpenMode::kCreateOrOpen));
  ASSERT_TRUE(f->WriteAt(0, "12345").ok());
  ASSERT_TRUE(f->WriteAt(100, "678").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(fs.SyncDir("/").ok());
  Prng prng(3);
  fs.Crash(prng);
  fs.Crash(prng);
  EXPECT_EQ(fs.stats().bytes_written, 8u);
  EXPECT_EQ(fs.stats().file_syncs, 2u);
  EXPECT_EQ(fs.stats().dir_syncs, 1u);
  EXPECT_EQ(fs.stats().crashes, 2u);
}

// ---------------------------------------------------------------------------------------------
// Fault injection.

TEST(SimFilesystemFaultTest, FailNextSyncsHitsMatchingPathsOnly) {
  SimFilesystem fs;
  ASSERT_TRUE(fs.CreateDirs("db").ok());
  auto f = Must(fs.Open("/db/x", OpenMode::kCreateOrOpen));
  auto sibling = Must(fs.Open("dbx", OpenMode::kCreateOrOpen));
  fs.FailNextSyncs("db/", 2);
  ASSERT_TRUE(f->WriteAt(0, "hello").ok());
  for (int i = 0; i < 2; ++i) {
    const absl::Status status = f->Sync();
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
    EXPECT_TRUE(Contains(status, "injected")) << status;
    EXPECT_TRUE(Contains(status, "/db/x")) << status;
    EXPECT_TRUE(sibling->Sync().ok());  // "db/" does not match "/dbx"
  }
  EXPECT_TRUE(f->Sync().ok());  // the count is used up
  EXPECT_EQ(fs.stats().file_syncs, 3u);

  fs.FailNextSyncs("/db", 5);
  fs.FailNextSyncs("/db", 0);  // disarmed
  EXPECT_TRUE(f->Sync().ok());
  fs.FailNextSyncs("", 1);  // everything
  EXPECT_EQ(sibling->Sync().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(f->Sync().ok());
}

TEST(SimFilesystemFaultTest, FailedSyncLeavesDataUnsynced) {
  int lost = 0;
  for (int seed = 0; seed < SeedCount(); ++seed) {
    SimFilesystem fs;
    auto f = Must(fs.Open("f", OpenMode::kCreateOrOpen));
    ASSERT_TRUE(fs.SyncDir("/").ok());
    fs.FailNextSyncs("f", 1);
    ASSERT_TRUE(f->WriteAt(0, "payload").ok());
    ASSERT_FALSE(f->Sync().ok());
    Prng prng(seed);
    fs.Crash(prng);
    const std::string after = MustRead(fs, "f");
    if (after != "payload") ++lost;
  }
  EXPECT_GT(lost, 0);
}

TEST(SimFilesystemFaultTest, FailNextWritesWritesNothing) {
  SimFilesystem fs;
  auto f = Must(fs.Open("log", OpenMode::kCreateOrOpen));
  ASSERT_TRUE(f->WriteAt(0, "abc").ok());
  fs.FailNextWrites("/log", 1);
  const absl::Status status = f->WriteAt(1, "XYZW");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(Contains(status, "injected")) << status;
  EXPECT_EQ(MustRead(fs, "log"), "abc");
  ASSERT_TRUE(f->WriteAt(3, "d").ok());
  EXPECT_EQ(MustRead(fs, "log"), "abcd");
  EXPECT_EQ(fs.stats().bytes_written, 4u);
}

// ---------------------------------------------------------------------------------------------
// The crash model.

TEST(SimFilesystemCrashTest, HandlesFailAfterCrashAndNewOpensSeeThePostCrashState) {
  SimFilesystem fs;
  auto f = Must(fs.Open("f", OpenMode::kCreateOrOpen));
  ASSERT_TRUE(f->WriteAt(0, "durable").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(fs.SyncDir("/").ok());
  Prng prng(7);
  fs.Crash(prng);
  char buf[4];
  const std::vector<absl::Status> statuses = {f->WriteAt(0, "x"), f->ReadAt(0, buf, 4).status(),
                                              f->Sync(), f->Truncate(0), f->Size().status()};
  for (const absl::Status& status : statuses) {
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(Contains(status, "crashed")) << status;
  }
  EXPECT_EQ(f->path(), "f");
  auto reopened = Must(fs.Open("f", OpenMode::kReadWrite));
  EXPECT_EQ(Must(reopened->Size()), 7u);
  EXPECT_TRUE(reopened->WriteAt(7, "!").ok());
  EXPECT_EQ(MustRead(fs, "f"), "durable!");
}

// Checks one crash outcome of a single unsynced write of `written` at `offset` over the synced
// content `old`; returns 0 dropped, 1 kept, 2 torn.
int ClassifyWriteOutcome(const std::string& old, uint64_t offset, const std::string& written,
                         const std::string& after) {
  const uint64_t end = offset + written.size();
  // The size stays or grows to the end of a kept piece (a sector boundary or the write's end).
  if (after.size() != old.size()) {
    EXPECT_GT(after.size(), old.size());
    EXPECT_LE(after.size(), end);
    EXPECT_TRUE(after.size() == end || after.size() % 512 == 0) << after.size();
  }
  std::map<uint64_t, bool> piece_is_new;  // sector piece start -> shows the new bytes
  for (uint64_t pos = 0; pos < after.size(); ++pos) {
    const char before = pos < old.size() ? old[pos] : '\0';
    if (pos < offset || pos >= end) {
      EXPECT_EQ(after[pos], before) << "byte " << pos << " outside the write changed";
      continue;
    }
    const bool is_new = after[pos] == written[pos - offset];
    EXPECT_TRUE(is_new || after[pos] == before) << "byte " << pos << " is neither old nor new";
    const uint64_t piece = std::max(offset, pos / 512 * 512);
    auto [it, inserted] = piece_is_new.emplace(piece, is_new);
    EXPECT_EQ(it->second, is_new) << "sector piece at " << piece << " mixes old and new";
  }
  if (after.size() > old.size()) {
    EXPECT_TRUE(piece_is_new.rbegin()->second) << "size grew over a piece that was not kept";
  }
  bool all_new = after.size() >= end;
  bool none_new = after.size() == old.size();
  for (const auto& [piece, is_new] : piece_is_new) {
    all_new = all_new && is_new;
    none_new = none_new && !is_new;
  }
  return none_new ? 0 : all_new ? 1 : 2;
}

TEST(SimFilesystemCrashTest, UnsyncedWriteIsDroppedKeptOrTornBySector) {
  struct Case {
    uint64_t offset;
    size_t length;
  };
  const uint64_t kOldSize = 3000;
  const std::string old = Pattern(kOldSize, 'a');
  for (const Case& c : {Case{700, 2500},      // overwrites and extends
                        Case{100, 1000},      // inside the file
                        Case{3500, 1200}}) {  // past the end, leaving a gap
    SCOPED_TRACE(testing::Message() << "write of " << c.length << " at " << c.offset);
    const std::string written = Pattern(c.length, 'A');
    int outcomes[3] = {0, 0, 0};
    for (int seed = 0; seed < SeedCount(); ++seed) {
      SimFilesystem fs;
      WriteFile(fs, "f", old, /*sync=*/true);
      ASSERT_TRUE(fs.SyncDir("/").ok());
      auto f = Must(fs.Open("f", OpenMode::kReadWrite));
      ASSERT_TRUE(f->WriteAt(c.offset, written).ok());
      Prng prng(seed);
      fs.Crash(prng);
      const std::optional<std::string> after = ReadFile(fs, "f");
      ASSERT_TRUE(after.has_value()) << "seed " << seed;
      ++outcomes[ClassifyWriteOutcome(old, c.offset, written, *after)];
      if (HasFailure()) FAIL() << "seed " << seed;
    }
    EXPECT_GT(outcomes[0], 0) << "no write was dropped";
    EXPECT_GT(outcomes[1], 0) << "no write was kept";
    EXPECT_GT(outcomes[2], 0) << "no write was torn";
  }
}

TEST(SimFilesystemCrashTest, UnsyncedOperationsOnlyShowBytesThatWereWritten) {
  for (int seed = 0; seed < SeedCount(); ++seed) {
    Prng rng(seed);
    SimFilesystem fs;
    std::string durable(rng.Uniform(3000), '\0');
    for (char& c : durable) c = static_cast<char>(rng.Range(1, 255));
    WriteFile(fs, "f", durable, /*sync=*/true);
    ASSERT_TRUE(fs.SyncDir("/").ok());
    auto f = Must(fs.Open("f", OpenMode::kReadWrite));
    constexpr uint64_t kSpan = 6000;
    // Per position: the values a crash may leave there.
    std::vector<std::bitset<256>> allowed(kSpan);
    auto allow = [&](uint64_t pos, char value) { allowed[pos].set(static_cast<uint8_t>(value)); };
    for (uint64_t pos = 0; pos < kSpan; ++pos)
      allow(pos, pos < durable.size() ? durable[pos] : '\0');
    uint64_t size_min = durable.size();
    uint64_t size_max = durable.size();
    std::string live = durable;
    const int ops = static_cast<int>(rng.Range(1, 6));
    for (int i = 0; i < ops; ++i) {
      if (rng.Chance(1, 4)) {
        const uint64_t size = rng.Uniform(kSpan);
        ASSERT_TRUE(f->Truncate(size).ok());
        live.resize(size, '\0');
        for (uint64_t pos = size; pos < kSpan; ++pos) allow(pos, '\0');
        size_min = std::min(size_min, size);
        size_max = std::max(size_max, size);
      } else {
        const uint64_t offset = rng.Uniform(kSpan - 1500);
        std::string data(rng.Range(1, 1500), '\0');
        for (char& c : data) c = static_cast<char>(rng.Range(1, 255));
        ASSERT_TRUE(f->WriteAt(offset, data).ok());
        if (offset + data.size() > live.size()) live.resize(offset + data.size(), '\0');
        live.replace(offset, data.size(), data);
        for (size_t j = 0; j < data.size(); ++j) allow(offset + j, data[j]);
        size_max = std::max<uint64_t>(size_max, offset + data.size());
      }
    }
    const bool synced = rng.Chance(1, 3);
    if (synced) {
      ASSERT_TRUE(f->Sync().ok());
    }
    ASSERT_EQ(MustRead(fs, "f"), live);
    Prng crash(seed * 31 + 1);
    fs.Crash(crash);
    const std::string after = MustRead(fs, "f");
    if (synced) {
      ASSERT_EQ(after, live) << "seed " << seed << ": synced data changed";
      continue;
    }
    ASSERT_GE(after.size(), size_min) << "seed " << seed;
    ASSERT_LE(after.size(), size_max) << "seed " << seed;
    for (uint64_t pos = 0; pos < after.size(); ++pos) {
      ASSERT_TRUE(allowed[pos].test(static_cast<uint8_t>(after[pos])))
          << "seed " << seed << ": byte " << pos << " was never written there";
    }
  }
}

TEST(SimFilesystemCrashTest, TruncateIsAppliedOrNotUntilSynced) {
  const std::string old = Pattern(1000, 'a');
  std::set<size_t> shrink_sizes;
  std::set<size_t> grow_sizes;
  for (int seed = 0; seed < SeedCount(); ++seed) {
    SimFilesystem fs;
    WriteFile(fs, "shrink", old, /*sync=*/true);
    WriteFile(fs, "grow", old, /*sync=*/true);
    WriteFile(fs, "synced", old, /*sync=*/true);
    ASSERT_TRUE(fs.SyncDir("/").ok());
    ASSERT_TRUE(Must(fs.Open("shrink", OpenMode::kReadWrite))->Truncate(100).ok());
    ASSERT_TRUE(Must(fs.Open("grow", OpenMode::kReadWrite))->Truncate(5000).ok());
    auto synced = Must(fs.Open("synced", OpenMode::kReadWrite));
    ASSERT_TRUE(synced->Truncate(10).ok());
    ASSERT_TRUE(synced->Sync().ok());
    Prng prng(seed);
    fs.Crash(prng);

    const std::string shrink = MustRead(fs, "shrink");
    ASSERT_TRUE(shrink == old || shrink == old.substr(0, 100)) << "seed " << seed;
    shrink_sizes.insert(shrink.size());
    const std::string grow = MustRead(fs, "grow");
    ASSERT_TRUE(grow == old || grow == old + std::string(4000, '\0')) << "seed " << seed;
    grow_sizes.insert(grow.size());
    ASSERT_EQ(MustRead(fs, "synced"), old.substr(0, 10)) << "seed " << seed;
  }
  EXPECT_EQ(shrink_sizes, (std::set<size_t>{100, 1000}));
  EXPECT_EQ(grow_sizes, (std::set<size_t>{1000, 5000}));
}

TEST(SimFilesystemCrashTest, SyncedDataAndNamesAlwaysSurvive) {
  for (int seed = 0; seed < SeedCount(); ++seed) {
    Prng rng(seed);
    SimFilesystem fs;
    ASSERT_TRUE(fs.CreateDirs("a/b").ok());
    const std::vector<std::string> paths = {"a/x", "a/b/y", "z"};
    std::vector<std::unique_ptr<File>> files;
    for (const std::string& path : paths) {
      files.push_back(Must(fs.Open(path, OpenMode::kCreateOrOpen)));
    }
    for (int i = 0; i < 12; ++i) {
      File& f = *files[rng.Uniform(files.size())];
      if (rng.Chance(1, 5)) {
        ASSERT_TRUE(f.Truncate(rng.Uniform(4000)).ok());
      } else {
        ASSERT_TRUE(f.WriteAt(rng.Uniform(4000), Pattern(rng.Range(1, 1500), 'a')).ok());
      }
      if (rng.Chance(1, 4)) {
        ASSERT_TRUE(f.Sync().ok());
      }
    }
    for (auto& f : files) ASSERT_TRUE(f->Sync().ok());
    for (const char* dir : {"/", "a", "a/b"}) ASSERT_TRUE(fs.SyncDir(dir).ok());
    const std::string before = Dump(fs);
    // Unsynced work on a file of its own must not disturb the synced ones.
    WriteFile(fs, "a/b/scratch", "unsynced", /*sync=*/false);
    ASSERT_TRUE(files[0]->Sync().ok());
    Prng crash(seed);
    fs.Crash(crash);
    ASSERT_TRUE(fs.Remove("a/b/scratch").ok() || !*fs.Exists("a/b/scratch"));
    ASSERT_EQ(Dump(fs), before) << "seed " << seed;
  }
}

TEST(SimFilesystemCrashTest, CreatedFileNeedsSyncDir) {
  int vanished = 0;
  int survived = 0;
  for (int seed = 0; seed < SeedCount(); ++seed) {
    for (bool sync_dir : {false, true}) {
      SimFilesystem fs;
      ASSERT_TRUE(fs.CreateDirs("d").ok());
      ASSERT_TRUE(fs.SyncDir("/").ok());
      WriteFile(fs, "d/f", "content", /*sync=*/true);
      if (sync_dir) {
        ASSERT_TRUE(fs.SyncDir("d").ok());
      }
      Prng prng(seed);
      fs.Crash(prng);
      const std::optional<std::string> after = ReadFile(fs, "d/f");
      if (sync_dir) {
        ASSERT_EQ(after, "content") << "seed " << seed;
      } else if (after.has_value()) {
        ASSERT_EQ(*after, "content") << "seed " << seed;
        ++survived;
      } else {
        EXPECT_EQ(Must(fs.ListDir("d")), std::vector<std::string>{});
        ++vanished;
      }
    }
  }
  EXPECT_GT(vanished, 0);
  EXPECT_GT(survived, 0);
}

TEST(SimFilesystemCrashTest, CreatedDirectoryIsAnEntryOfItsParent) {
  int vanished = 0;
  for (int seed = 0; seed < SeedCount(); ++seed) {
    for (bool sync_parents : {false, true}) {
      SimFilesystem fs;
      ASSERT_TRUE(fs.CreateDirs("a/b").ok());
      WriteFile(fs, "a/b/f", "data", /*sync=*/true);
      ASSERT_TRUE(fs.SyncDir("a/b").ok());
      if (sync_parents) {
        ASSERT_TRUE(fs.SyncDir("a").ok());
        ASSERT_TRUE(fs.SyncDir("/").ok());
      }
      Prng prng(seed);
      fs.Crash(prng);
      const std::optional<std::string> after = ReadFile(fs, "a/b/f");
      if (sync_parents) {
        ASSERT_EQ(after, "data") << "seed " << seed;
      } else if (!after.has_value()) {
        ++vanished;  // with a/b (or a) not durable in its parent, its synced file goes too
      } else {
        ASSERT_EQ(*after, "data") << "seed " << seed;
      }
    }
  }
  EXPECT_GT(vanished, 0);
}

TEST(SimFilesystemCrashTest, SameDirectoryRenameIsAtomicAndNeedsSyncDir) {
  int lost = 0;
  int kept = 0;
  for (int seed = 0; seed < SeedCount(); ++seed) {
    for (bool sync_dir : {false, true}) {
      SimFilesystem fs;
      WriteFile(fs, "state", "old", /*sync=*/true);
      ASSERT_TRUE(fs.SyncDir("/").ok());
      // The atomic-file pattern: write temp, fsync, rename over, fsync the directory.
      WriteFile(fs, "state.tmp", "new", /*sync=*/true);
      ASSERT_TRUE(fs.SyncDir("/").ok());  // so that only the rename itself is in doubt
      ASSERT_TRUE(fs.Rename("state.tmp", "state").ok());
      if (sync_dir) {
        ASSERT_TRUE(fs.SyncDir("/").ok());
      }
      Prng prng(seed);
      fs.Crash(prng);
      const std::optional<std::string> state = ReadFile(fs, "state");
      ASSERT_TRUE(state == "old" || state == "new") << "seed " << seed;
      const bool tmp_exists = *fs.Exists("state.tmp");
      if (sync_dir) {
        ASSERT_EQ(state, "new") << "seed " << seed;
        ASSERT_FALSE(tmp_exists) << "seed " << seed;
      } else if (state == "old") {
        ASSERT_EQ(ReadFile(fs, "state.tmp"), "new") << "seed " << seed;  // never neither name
        ++lost;
      } else {
        ASSERT_FALSE(tmp_exists) << "seed " << seed;  // one operation: never both names
        ++kept;
      }
    }
  }
  EXPECT_GT(lost, 0);
  EXPECT_GT(kept, 0);
}

TEST(SimFilesystemCrashTest, CrossDirectoryRenameNeedsBothDirectoriesSynced) {
  std::set<std::pair<bool, bool>> seen;  // (in source, in target)
  for (int seed = 0; seed < SeedCount(); ++seed) {
    for (bool sync_both : {false, true}) {
      SimFilesystem fs;
      ASSERT_TRUE(fs.CreateDirs("src").ok());
      ASSERT_TRUE(fs.CreateDirs("dst").ok());
      ASSERT_TRUE(fs.SyncDir("/").ok());
      WriteFile(fs, "src/f", "payload", /*sync=*/true);
      ASSERT_TRUE(fs.SyncDir("src").ok());
      ASSERT_TRUE(fs.Rename("src/f", "dst/f").ok());
      if (sync_both) {
        ASSERT_TRUE(fs.SyncDir("src").ok());
        ASSERT_TRUE(fs.SyncDir("dst").ok());
      }
      Prng prng(seed);
      fs.Crash(prng);
      const std::optional<std::string> in_src = ReadFile(fs, "src/f");
      const std::optional<std::string> in_dst = ReadFile(fs, "dst/f");
      for (const auto& found : {in_src, in_dst}) {
        ASSERT_TRUE(!found.has_value() || *found == "payload") << "seed " << seed;
      }
      if (sync_both) {
        ASSERT_FALSE(in_src.has_value()) << "seed " << seed;
        ASSERT_TRUE(in_dst.has_value()) << "seed " << seed;
      } else {
        seen.emplace(in_src.has_value(), in_dst.has_value());
      }
    }
  }
  // Until both directories are synced, each side is kept or lost on its own.
  EXPECT_EQ(seen.size(), 4u);
}

TEST(SimFilesystemCrashTest, RemoveNeedsSyncDir) {
  int came_back = 0;
  for (int seed = 0; seed < SeedCount(); ++seed) {
    for (bool sync_dir : {false, true}) {
      SimFilesystem fs;
      WriteFile(fs, "f", "keep", /*sync=*/true);
      ASSERT_TRUE(fs.SyncDir("/").ok());
      auto handle = Must(fs.Open("f", OpenMode::kReadWrite));
      ASSERT_TRUE(fs.Remove("f").ok());
      ASSERT_TRUE(handle->WriteAt(4, "+more").ok());  // synced after the remove
      ASSERT_TRUE(handle->Sync().ok());
      if (sync_dir) {
        ASSERT_TRUE(fs.SyncDir("/").ok());
      }
      Prng prng(seed);
      fs.Crash(prng);
      const std::optional<std::string> after = ReadFile(fs, "f");
      if (sync_dir) {
        ASSERT_FALSE(after.has_value()) << "seed " << seed;
      } else if (after.has_value()) {
        ASSERT_EQ(*after, "keep+more") << "seed " << seed;  // the inode's synced content
        ++came_back;
      }
    }
  }
  EXPECT_GT(came_back, 0);
}

TEST(SimFilesystemCrashTest, UnsyncedDirectoryMovesMayLeaveLoopsThatAreStillFreed) {
  // Moving directories across unsynced parents can, after a crash, leave a directory inside
  // its own child (each side kept on its own). The state stays usable and nothing leaks
  // (the sanitizer builds check the latter).
  int loops = 0;
  for (int seed = 0; seed < SeedCount(); ++seed) {
    SimFilesystem fs;
    ASSERT_TRUE(fs.CreateDirs("a").ok());
    ASSERT_TRUE(fs.CreateDirs("b").ok());
    ASSERT_TRUE(fs.SyncDir("/").ok());
    ASSERT_TRUE(fs.Rename("b", "a/b").ok());
    ASSERT_TRUE(fs.Rename("a/b", "b").ok());
    ASSERT_TRUE(fs.Rename("a", "b/a").ok());
    Prng prng(seed);
    fs.Crash(prng);
    if (*fs.Exists("a/b/a/b/a")) ++loops;
    ASSERT_TRUE(fs.CreateDirs("b").ok());
    WriteFile(fs, "b/f", "x", /*sync=*/true);
    EXPECT_EQ(MustRead(fs, "b/f"), "x");
  }
  EXPECT_GT(loops, 0);
}

TEST(SimFilesystemTest, ManyShortLivedFiles) {
  SimFilesystem fs;
  for (int i = 0; i < 500; ++i) {
    WriteFile(fs, "tmp" + std::to_string(i % 7), Pattern(100, 'a'), /*sync=*/i % 2 == 0);
    ASSERT_TRUE(fs.Remove("tmp" + std::to_string(i % 7)).ok());
    if (i % 50 == 0) {
      ASSERT_TRUE(fs.SyncDir("/").ok());
    }
  }
  ASSERT_TRUE(fs.SyncDir("/").ok());
  Prng prng(5);
  fs.Crash(prng);
  EXPECT_EQ(Must(fs.ListDir("/")), std::vector<std::string>{});
}

// Runs a random mix of every operation, then crashes; returns the resulting tree.
std::string RandomWorkloadThenCrash(uint64_t workload_seed, uint64_t crash_seed) {
  Prng rng(workload_seed);
  SimFilesystem fs;
  const std::vector<std::string> dirs = {"/", "d", "d/e"};
  const std::vector<std::string> names = {"a", "b", "c"};
  auto random_path = [&] {
    return JoinPath(dirs[rng.Uniform(dirs.size())], names[rng.Uniform(names.size())]);
  };
  for (int i = 0; i < 60; ++i) {
    switch (rng.Uniform(6)) {
      case 0:
        (void)fs.CreateDirs(dirs[rng.Uniform(dirs.size())]);
        break;
      case 1:
        (void)fs.Rename(random_path(), random_path());
        break;
      case 2:
        (void)fs.Remove(random_path());
        break;
      case 3:
        (void)fs.SyncDir(dirs[rng.Uniform(dirs.size())]);
        break;
      default: {
        auto file = fs.Open(random_path(), OpenMode::kCreateOrOpen);
        if (!file.ok()) break;
        (void)(*file)->WriteAt(rng.Uniform(2000), Pattern(rng.Range(1, 900), 'a'));
        if (rng.Chance(1, 2)) (void)(*file)->Sync();
      }
    }
  }
  Prng crash(crash_seed);
  fs.Crash(crash);
  return Dump(fs);
}

TEST(SimFilesystemCrashTest, SameSeedGivesTheSameState) {
  std::set<std::string> outcomes;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const std::string first = RandomWorkloadThenCrash(42, seed);
    ASSERT_EQ(first, RandomWorkloadThenCrash(42, seed)) << "seed " << seed;
    outcomes.insert(first);
  }
  EXPECT_GT(outcomes.size(), 1u) << "the crash seed changes nothing";
}

// ---------------------------------------------------------------------------------------------
// Without crashes the simulation must behave like the real filesystem.

TEST(SimFilesystemTest, MatchesPosixOnRandomOperations) {
  const int seeds = std::max(5, SeedCount() / 20);
  for (int seed = 0; seed < seeds; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Prng rng(seed);
    TempDir temp;
    PosixFilesystem& posix = PosixFilesystem::Get();
    SimFilesystem sim;
    const std::vector<std::string> dirs = {"d1", "d2"};
    for (const std::string& dir : dirs) {
      ASSERT_TRUE(posix.CreateDirs(JoinPath(temp.path(), dir)).ok());
      ASSERT_TRUE(sim.CreateDirs(dir).ok());
    }
    auto random_name = [&] {
      return JoinPath(dirs[rng.Uniform(2)],
                      std::string(1, static_cast<char>('a' + rng.Uniform(3))));
    };
    // Open files as (posix, sim) pairs, used in step.
    std::vector<std::pair<std::unique_ptr<File>, std::unique_ptr<File>>> handles;
    for (int i = 0; i < 150; ++i) {
      const uint64_t op = rng.Uniform(10);
      if (op < 5) {
        if (handles.empty()) continue;
        const size_t h = rng.Uniform(handles.size());
        File& p = *handles[h].first;
        File& s = *handles[h].second;
        switch (op) {
          case 0: {
            const uint64_t offset = rng.Uniform(2000);
            const std::string data = Pattern(rng.Uniform(700), static_cast<char>('a' + i % 26));
            ASSERT_EQ(p.WriteAt(offset, data).ok(), s.WriteAt(offset, data).ok());
            break;
          }
          case 1: {
            const uint64_t offset = rng.Uniform(2500);
            const size_t size = rng.Uniform(800);
            std::string pbuf(size, '\0');
            std::string sbuf(size, '\0');
            ASSERT_EQ(Must(p.ReadAt(offset, pbuf.data(), size)),
                      Must(s.ReadAt(offset, sbuf.data(), size)));
            ASSERT_EQ(pbuf, sbuf);
            break;
          }
          case 2: {
            const uint64_t size = rng.Uniform(2500);
            ASSERT_EQ(p.Truncate(size).ok(), s.Truncate(size).ok());
            break;
          }
          case 3:
            ASSERT_EQ(Must(p.Size()), Must(s.Size()));
            break;
          default:
            handles.erase(handles.begin() + static_cast<ptrdiff_t>(h));
        }
        continue;
      }
      const std::string name = random_name();
      const std::string real = JoinPath(temp.path(), name);
      switch (op) {
        case 5: {
          const auto mode = static_cast<OpenMode>(rng.Uniform(4));
          auto pf = posix.Open(real, mode);
          auto sf = sim.Open(name, mode);
          ASSERT_EQ(pf.status().code(), sf.status().code()) << name << ": " << sf.status();
          if (pf.ok() && handles.size() < 4) handles.emplace_back(std::move(*pf), std::move(*sf));
          break;
        }
        case 6: {
          const std::string to = random_name();
          ASSERT_EQ(posix.Rename(real, JoinPath(temp.path(), to)).code(),
                    sim.Rename(name, to).code())
              << name << " -> " << to;
          break;
        }
        case 7:
          ASSERT_EQ(posix.Remove(real).code(), sim.Remove(name).code()) << name;
          break;
        case 8:
          for (const std::string& dir : dirs) {
            ASSERT_EQ(Must(posix.ListDir(JoinPath(temp.path(), dir))), Must(sim.ListDir(dir)));
          }
          break;
        default:
          ASSERT_EQ(Must(posix.Exists(real)), Must(sim.Exists(name))) << name;
      }
    }
    for (const std::string& dir : dirs) {
      for (const std::string& name : Must(sim.ListDir(dir))) {
        const std::string path = JoinPath(dir, name);
        ASSERT_EQ(ReadFile(posix, JoinPath(temp.path(), path)), ReadFile(sim, path)) << path;
      }
    }
  }
}

}  // namespace
}  // namespace mq::storage
