#include "storage/fs/sim_filesystem.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "storage/base/status_macros.h"

namespace mq::storage {
namespace {

// Torn writes are cut at these boundaries (absolute file offsets), the unit a disk writes
// atomically.
constexpr uint64_t kSectorBytes = 512;
// Largest simulated file; a wild offset gets an error instead of a huge allocation.
constexpr uint64_t kFileBytesMax = uint64_t{1} << 30;

struct Inode;
using InodePtr = std::shared_ptr<Inode>;

// An operation on a file's content since its last Sync, replayed (or not) by Crash.
struct FileOp {
  enum class Kind { kWrite, kTruncate };
  Kind kind;
  uint64_t offset;   // kWrite: where; kTruncate: the new size.
  std::string data;  // kWrite only.
};

// A namespace operation on one directory since its last SyncDir, replayed (or not) by Crash.
struct DirOp {
  enum class Kind {
    kLink,    // name -> inode (create, or the arriving half of a cross-directory rename)
    kUnlink,  // erase name (remove, or the leaving half of a cross-directory rename)
    kRename,  // name -> new_name inside this directory, replacing new_name atomically
  };
  Kind kind;
  std::string name;
  std::string new_name;
  InodePtr inode;
};

// A file or a directory. `data`/`entries` is what reads see; `durable_*` is what the last
// Sync/SyncDir made durable; the op list leads from the durable to the live state.
struct Inode {
  uint64_t id = 0;  // allocation order: deterministic, used instead of addresses
  bool is_dir = false;

  std::string data;
  std::string durable_data;
  std::vector<FileOp> file_ops;

  std::map<std::string, InodePtr> entries;
  std::map<std::string, InodePtr> durable_entries;
  std::vector<DirOp> dir_ops;
};

void ApplyWrite(std::string& content, uint64_t offset, std::string_view data) {
  if (offset + data.size() > content.size()) content.resize(offset + data.size(), '\0');
  content.replace(offset, data.size(), data.data(), data.size());
}

void ApplyFileOp(std::string& content, const FileOp& op) {
  if (op.kind == FileOp::Kind::kWrite) {
    ApplyWrite(content, op.offset, op.data);
  } else {
    content.resize(op.offset, '\0');
  }
}

void ApplyDirOp(std::map<std::string, InodePtr>& entries, const DirOp& op) {
  switch (op.kind) {
    case DirOp::Kind::kLink:
      entries[op.name] = op.inode;
      break;
    case DirOp::Kind::kUnlink:
      entries.erase(op.name);
      break;
    case DirOp::Kind::kRename:
      entries.erase(op.name);
      entries[op.new_name] = op.inode;
      break;
  }
}

// Crash replay of one unsynced write onto `content`: dropped, kept, or torn by sector.
void ReplayWrite(std::string& content, const FileOp& op, Prng& prng) {
  switch (prng.Uniform(3)) {
    case 0:  // dropped
      return;
    case 1:  // kept
      ApplyWrite(content, op.offset, op.data);
      return;
    default:
      break;
  }
  // Torn: each sector piece on its own. The size may have reached the disk before the data.
  const uint64_t old_size = content.size();
  const uint64_t end = op.offset + op.data.size();
  std::vector<std::pair<uint64_t, uint64_t>> kept;
  for (uint64_t start = op.offset; start < end;) {
    const uint64_t piece_end = std::min(end, (start / kSectorBytes + 1) * kSectorBytes);
    if (prng.Chance(1, 2)) kept.emplace_back(start, piece_end);
    start = piece_end;
  }
  uint64_t new_size = old_size;
  if (!kept.empty() && kept.back().second > old_size && prng.Chance(1, 2)) {
    new_size = kept.back().second;
  }
  if (new_size > old_size) content.resize(new_size, '\0');
  for (const auto& [start, piece_end] : kept) {
    if (start >= new_size) break;
    const uint64_t visible_end = std::min(piece_end, new_size);
    content.replace(start, visible_end - start, op.data, start - op.offset, visible_end - start);
  }
}

// A parsed path: its components below the single root ("/a//b/" and "a/b" are equal).
struct ParsedPath {
  std::vector<std::string> parts;
  std::string Normal() const {
    std::string out = "/";
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) out += '/';
      out += parts[i];
    }
    return out;
  }
};

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view part = path.substr(pos, slash - pos);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    pos = slash + 1;
  }
  return parts;
}

absl::StatusOr<ParsedPath> ParsePath(std::string_view op, const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrFormat("%s: empty path", op));
  return ParsedPath{SplitPath(path)};
}

// A fault-injection prefix in the normalised form of ParsedPath::Normal(); a trailing slash is
// kept so that "db/" does not match "/dbx".
std::string NormalPrefix(std::string_view prefix) {
  std::string out = ParsedPath{SplitPath(prefix)}.Normal();
  if (!prefix.empty() && prefix.back() == '/' && out != "/") out += '/';
  return out;
}

// Everything a SimFilesystem owns; shared with its Files and FileLocks so that they may
// outlive it.
struct Core {
  Core() { root = NewInode(/*is_dir=*/true); }
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  ~Core() {
    // Crash can leave directories that reach each other (a cross-directory rename kept on one
    // side only); cut every edge so that the shared pointers free them all.
    for (auto& [id, weak] : inodes) {
      if (InodePtr inode = weak.lock()) {
        inode->entries.clear();
        inode->durable_entries.clear();
        inode->dir_ops.clear();
      }
    }
  }

  InodePtr NewInode(bool is_dir) {
    if (inodes.size() >= inodes_prune_at) {
      // Forget inodes that nothing holds any more, so that a long run does not grow the map.
      std::erase_if(inodes, [](const auto& entry) { return entry.second.expired(); });
      inodes_prune_at = 2 * inodes.size() + 64;
    }
    auto inode = std::make_shared<Inode>();
    inode->id = next_inode_id++;
    inode->is_dir = is_dir;
    inodes[inode->id] = inode;
    return inode;
  }

  // The inode at `path`, or null when it (or a directory on the way) is missing.
  InodePtr Find(const ParsedPath& path) const {
    InodePtr node = root;
    for (const std::string& part : path.parts) {
      if (!node->is_dir) return nullptr;
      auto it = node->entries.find(part);
      if (it == node->entries.end()) return nullptr;
      node = it->second;
    }
    return node;
  }

  // The directory that holds the last component of `path` (which must have one).
  absl::StatusOr<Inode*> Parent(std::string_view op, const std::string& path,
                                const ParsedPath& parsed) const {
    Inode* node = root.get();
    std::string walked;
    for (size_t i = 0; i + 1 < parsed.parts.size(); ++i) {
      walked += '/';
      walked += parsed.parts[i];
      auto it = node->entries.find(parsed.parts[i]);
      if (it == node->entries.end()) {
        return absl::NotFoundError(
            absl::StrFormat("%s %s: directory %s does not exist", op, path, walked));
      }
      node = it->second.get();
      if (!node->is_dir) {
        return absl::FailedPreconditionError(
            absl::StrFormat("%s %s: %s is not a directory", op, path, walked));
      }
    }
    return node;
  }

  static void Link(Inode& dir, const std::string& name, InodePtr inode) {
    dir.entries[name] = inode;
    dir.dir_ops.push_back({DirOp::Kind::kLink, name, "", std::move(inode)});
  }

  static void Unlink(Inode& dir, const std::string& name) {
    dir.entries.erase(name);
    dir.dir_ops.push_back({DirOp::Kind::kUnlink, name, "", nullptr});
  }

  // Arms (count > 0) or disarms the injected failures of one prefix.
  static void ArmFault(std::map<std::string, int>& faults, std::string_view prefix, int count) {
    if (count > 0) {
      faults[NormalPrefix(prefix)] = count;
    } else {
      faults.erase(NormalPrefix(prefix));
    }
  }

  // Consumes one injected failure matching `normal_path`, if any is armed.
  static bool TakeFault(std::map<std::string, int>& faults, const std::string& normal_path) {
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (normal_path.compare(0, it->first.size(), it->first) != 0) continue;
      if (--it->second <= 0) faults.erase(it);
      return true;
    }
    return false;
  }

  static void RecoverDir(Inode& dir, Prng& prng, std::set<uint64_t>& recovered) {
    if (!recovered.insert(dir.id).second) return;
    const uint64_t keep = prng.Uniform(dir.dir_ops.size() + 1);
    for (uint64_t i = 0; i < keep; ++i) ApplyDirOp(dir.durable_entries, dir.dir_ops[i]);
    dir.dir_ops.clear();
    dir.entries = dir.durable_entries;
    for (auto& [name, child] : dir.entries) {
      if (child->is_dir) {
        RecoverDir(*child, prng, recovered);
      } else {
        RecoverFile(*child, prng, recovered);
      }
    }
  }

  static void RecoverFile(Inode& file, Prng& prng, std::set<uint64_t>& recovered) {
    if (!recovered.insert(file.id).second) return;
    std::string content = std::move(file.durable_data);
    for (const FileOp& op : file.file_ops) {
      if (op.kind == FileOp::Kind::kWrite) {
        ReplayWrite(content, op, prng);
      } else if (prng.Chance(1, 2)) {
        content.resize(op.offset, '\0');
      }
    }
    file.file_ops.clear();
    file.durable_data = content;
    file.data = std::move(content);
  }

  InodePtr root;
  uint64_t next_inode_id = 1;
  // Every inode that may still be reachable, by id (weak: handles and entries own them).
  std::map<uint64_t, std::weak_ptr<Inode>> inodes;
  size_t inodes_prune_at = 64;
  // Bumped by Crash: handles opened in an older epoch refuse to work.
  uint64_t epoch = 0;
  // Held locks: inode id -> lock id.
  std::map<uint64_t, uint64_t> locks;
  uint64_t next_lock_id = 1;
  // Armed fault injections: normalised path prefix -> calls left to fail.
  std::map<std::string, int> failing_syncs;
  std::map<std::string, int> failing_writes;
  SimFilesystem::Stats stats;
};

class SimFile final : public File {
 public:
  SimFile(std::shared_ptr<Core> core, InodePtr inode, std::string path, std::string normal_path,
          bool writable)
      : core_(std::move(core)),
        inode_(std::move(inode)),
        path_(std::move(path)),
        normal_path_(std::move(normal_path)),
        writable_(writable),
        epoch_(core_->epoch) {}

  absl::Status WriteAt(uint64_t offset, std::string_view data) override {
    MQ_RETURN_IF_ERROR(CheckWritable("write"));
    if (offset > kFileBytesMax || data.size() > kFileBytesMax - offset) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "write %s: offset %d + %d bytes exceeds the simulated file limit of %d bytes", path_,
          offset, data.size(), kFileBytesMax));
    }
    if (Core::TakeFault(core_->failing_writes, normal_path_)) {
      return absl::InternalError(absl::StrFormat("write %s: injected failure", path_));
    }
    if (data.empty()) return absl::OkStatus();
    ApplyWrite(inode_->data, offset, data);
    inode_->file_ops.push_back({FileOp::Kind::kWrite, offset, std::string(data)});
    core_->stats.bytes_written += data.size();
    return absl::OkStatus();
  }

  absl::StatusOr<size_t> ReadAt(uint64_t offset, char* out, size_t size) override {
    MQ_RETURN_IF_ERROR(CheckLive("read"));
    const std::string& data = inode_->data;
    if (offset >= data.size()) return 0;
    const size_t n = std::min<uint64_t>(size, data.size() - offset);
    std::copy_n(data.data() + offset, n, out);
    return n;
  }

  absl::Status Sync() override {
    MQ_RETURN_IF_ERROR(CheckLive("sync"));
    if (Core::TakeFault(core_->failing_syncs, normal_path_)) {
      return absl::InternalError(absl::StrFormat("fdatasync %s: injected failure", path_));
    }
    for (const FileOp& op : inode_->file_ops) ApplyFileOp(inode_->durable_data, op);
    inode_->file_ops.clear();
    ++core_->stats.file_syncs;
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    MQ_RETURN_IF_ERROR(CheckWritable("truncate"));
    if (size > kFileBytesMax) {
      return absl::ResourceExhaustedError(
          absl::StrFormat("truncate %s: size %d exceeds the simulated file limit of %d bytes",
                          path_, size, kFileBytesMax));
    }
    inode_->data.resize(size, '\0');
    inode_->file_ops.push_back({FileOp::Kind::kTruncate, size, ""});
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> Size() override {
    MQ_RETURN_IF_ERROR(CheckLive("stat"));
    return inode_->data.size();
  }

  const std::string& path() const override { return path_; }

 private:
  absl::Status CheckLive(std::string_view op) const {
    if (epoch_ != core_->epoch) {
      return absl::FailedPreconditionError(
          absl::StrFormat("%s %s: the file was opened before the filesystem crashed", op, path_));
    }
    return absl::OkStatus();
  }

  absl::Status CheckWritable(std::string_view op) const {
    MQ_RETURN_IF_ERROR(CheckLive(op));
    if (!writable_) {
      return absl::FailedPreconditionError(
          absl::StrFormat("%s %s: the file is open read-only", op, path_));
    }
    return absl::OkStatus();
  }

  std::shared_ptr<Core> core_;
  InodePtr inode_;
  std::string path_;
  std::string normal_path_;
  bool writable_;
  uint64_t epoch_;
};

class SimFileLock final : public FileLock {
 public:
  SimFileLock(std::shared_ptr<Core> core, uint64_t inode_id, uint64_t lock_id)
      : core_(std::move(core)), inode_id_(inode_id), lock_id_(lock_id) {}

  ~SimFileLock() override {
    // After a crash the same file may be locked again by a newer holder: leave that one alone.
    auto it = core_->locks.find(inode_id_);
    if (it != core_->locks.end() && it->second == lock_id_) core_->locks.erase(it);
  }

 private:
  std::shared_ptr<Core> core_;
  uint64_t inode_id_;
  uint64_t lock_id_;
};

// Finds or creates the regular file at `path` (for Open and Lock).
absl::StatusOr<InodePtr> OpenInode(Core& core, std::string_view op, const std::string& path,
                                   const ParsedPath& parsed, bool create, bool exclusive) {
  if (parsed.parts.empty()) {
    return absl::FailedPreconditionError(absl::StrFormat("%s %s: is a directory", op, path));
  }
  MQ_ASSIGN_OR_RETURN(Inode * dir, core.Parent(op, path, parsed));
  const std::string& name = parsed.parts.back();
  auto it = dir->entries.find(name);
  if (it == dir->entries.end()) {
    if (!create) return absl::NotFoundError(absl::StrFormat("%s %s: no such file", op, path));
    InodePtr inode = core.NewInode(/*is_dir=*/false);
    Core::Link(*dir, name, inode);
    return inode;
  }
  if (exclusive) {
    return absl::AlreadyExistsError(absl::StrFormat("%s %s: already exists", op, path));
  }
  if (it->second->is_dir) {
    return absl::FailedPreconditionError(absl::StrFormat("%s %s: is a directory", op, path));
  }
  return it->second;
}

}  // namespace

struct SimFilesystem::State {
  std::shared_ptr<Core> core = std::make_shared<Core>();
};

SimFilesystem::SimFilesystem() : state_(std::make_unique<State>()) {}

SimFilesystem::~SimFilesystem() = default;

absl::StatusOr<std::unique_ptr<File>> SimFilesystem::Open(const std::string& path, OpenMode mode) {
  Core& core = *state_->core;
  MQ_ASSIGN_OR_RETURN(ParsedPath parsed, ParsePath("open", path));
  const bool create = mode == OpenMode::kCreateOrOpen || mode == OpenMode::kCreateExclusive;
  MQ_ASSIGN_OR_RETURN(InodePtr inode, OpenInode(core, "open", path, parsed, create,
                                                mode == OpenMode::kCreateExclusive));
  return std::make_unique<SimFile>(state_->core, std::move(inode), path, parsed.Normal(),
                                   /*writable=*/mode != OpenMode::kReadOnly);
}

absl::StatusOr<std::vector<std::string>> SimFilesystem::ListDir(const std::string& dir) {
  MQ_ASSIGN_OR_RETURN(ParsedPath parsed, ParsePath("list", dir));
  InodePtr node = state_->core->Find(parsed);
  if (node == nullptr) {
    return absl::NotFoundError(absl::StrFormat("list %s: no such directory", dir));
  }
  if (!node->is_dir) {
    return absl::FailedPreconditionError(absl::StrFormat("list %s: not a directory", dir));
  }
  std::vector<std::string> names;
  names.reserve(node->entries.size());
  for (const auto& [name, child] : node->entries) names.push_back(name);
  return names;
}

absl::Status SimFilesystem::CreateDirs(const std::string& dir) {
  Core& core = *state_->core;
  MQ_ASSIGN_OR_RETURN(ParsedPath parsed, ParsePath("mkdir", dir));
  Inode* node = core.root.get();
  std::string walked;
  for (const std::string& part : parsed.parts) {
    walked += '/';
    walked += part;
    auto it = node->entries.find(part);
    if (it == node->entries.end()) {
      InodePtr child = core.NewInode(/*is_dir=*/true);
      Core::Link(*node, part, child);
      node = child.get();
      continue;
    }
    node = it->second.get();
    if (!node->is_dir) {
      return absl::FailedPreconditionError(
          absl::StrFormat("mkdir %s: %s is not a directory", dir, walked));
    }
  }
  return absl::OkStatus();
}

absl::Status SimFilesystem::Rename(const std::string& from, const std::string& to) {
  Core& core = *state_->core;
  const std::string what = absl::StrFormat("%s -> %s", from, to);
  MQ_ASSIGN_OR_RETURN(ParsedPath src, ParsePath("rename", from));
  MQ_ASSIGN_OR_RETURN(ParsedPath dst, ParsePath("rename", to));
  if (src.parts.empty() || dst.parts.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat("rename %s: cannot rename the root", what));
  }
  MQ_ASSIGN_OR_RETURN(Inode * src_dir, core.Parent("rename", what, src));
  auto src_it = src_dir->entries.find(src.parts.back());
  if (src_it == src_dir->entries.end()) {
    return absl::NotFoundError(absl::StrFormat("rename %s: %s does not exist", what, from));
  }
  const InodePtr inode = src_it->second;
  MQ_ASSIGN_OR_RETURN(Inode * dst_dir, core.Parent("rename", what, dst));
  auto dst_it = dst_dir->entries.find(dst.parts.back());
  if (dst_it != dst_dir->entries.end()) {
    // Two names of one inode (possible after a crash): POSIX does nothing.
    if (dst_it->second->id == inode->id) return absl::OkStatus();
    if (inode->is_dir || dst_it->second->is_dir) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "rename %s: replacing is supported between files only (%s exists)", what, to));
    }
  }
  if (inode->is_dir) {
    const bool into_itself = dst.parts.size() > src.parts.size() &&
                             std::equal(src.parts.begin(), src.parts.end(), dst.parts.begin());
    if (into_itself) {
      return absl::InvalidArgumentError(
          absl::StrFormat("rename %s: cannot move a directory into itself", what));
    }
  }
  if (src_dir->id == dst_dir->id) {
    // One atomic operation of the directory: after a crash `to` is either old or new.
    src_dir->entries.erase(src.parts.back());
    src_dir->entries[dst.parts.back()] = inode;
    src_dir->dir_ops.push_back({DirOp::Kind::kRename, src.parts.back(), dst.parts.back(), inode});
  } else {
    Core::Unlink(*src_dir, src.parts.back());
    Core::Link(*dst_dir, dst.parts.back(), inode);
  }
  return absl::OkStatus();
}

absl::Status SimFilesystem::Remove(const std::string& path) {
  Core& core = *state_->core;
  MQ_ASSIGN_OR_RETURN(ParsedPath parsed, ParsePath("remove", path));
  if (parsed.parts.empty()) {
    return absl::FailedPreconditionError(absl::StrFormat("remove %s: is a directory", path));
  }
  MQ_ASSIGN_OR_RETURN(Inode * dir, core.Parent("remove", path, parsed));
  auto it = dir->entries.find(parsed.parts.back());
  if (it == dir->entries.end()) {
    return absl::NotFoundError(absl::StrFormat("remove %s: no such file", path));
  }
  if (it->second->is_dir) {
    return absl::FailedPreconditionError(absl::StrFormat("remove %s: is a directory", path));
  }
  Core::Unlink(*dir, parsed.parts.back());
  return absl::OkStatus();
}

absl::Status SimFilesystem::SyncDir(const std::string& dir) {
  Core& core = *state_->core;
  MQ_ASSIGN_OR_RETURN(ParsedPath parsed, ParsePath("fsync directory", dir));
  InodePtr node = core.Find(parsed);
  if (node == nullptr) {
    return absl::NotFoundError(absl::StrFormat("fsync directory %s: no such directory", dir));
  }
  if (!node->is_dir) {
    return absl::FailedPreconditionError(
        absl::StrFormat("fsync directory %s: not a directory", dir));
  }
  for (const DirOp& op : node->dir_ops) ApplyDirOp(node->durable_entries, op);
  node->dir_ops.clear();
  ++core.stats.dir_syncs;
  return absl::OkStatus();
}

absl::StatusOr<bool> SimFilesystem::Exists(const std::string& path) {
  MQ_ASSIGN_OR_RETURN(ParsedPath parsed, ParsePath("stat", path));
  return state_->core->Find(parsed) != nullptr;
}

absl::StatusOr<std::unique_ptr<FileLock>> SimFilesystem::Lock(const std::string& path) {
  Core& core = *state_->core;
  MQ_ASSIGN_OR_RETURN(ParsedPath parsed, ParsePath("lock", path));
  MQ_ASSIGN_OR_RETURN(InodePtr inode, OpenInode(core, "lock", path, parsed, /*create=*/true,
                                                /*exclusive=*/false));
  if (core.locks.count(inode->id) > 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("lock %s: is locked by another holder", path));
  }
  const uint64_t lock_id = core.next_lock_id++;
  core.locks[inode->id] = lock_id;
  return std::make_unique<SimFileLock>(state_->core, inode->id, lock_id);
}

void SimFilesystem::Crash(Prng& prng) {
  Core& core = *state_->core;
  ++core.epoch;
  ++core.stats.crashes;
  core.locks.clear();
  std::set<uint64_t> recovered;
  core.RecoverDir(*core.root, prng, recovered);
  // What the crash left unreachable is gone; old handles may still own the objects, so empty
  // them rather than wait.
  for (auto it = core.inodes.begin(); it != core.inodes.end();) {
    InodePtr inode = it->second.lock();
    if (inode != nullptr && recovered.count(it->first) > 0) {
      ++it;
      continue;
    }
    if (inode != nullptr) {
      inode->data.clear();
      inode->durable_data.clear();
      inode->file_ops.clear();
      inode->entries.clear();
      inode->durable_entries.clear();
      inode->dir_ops.clear();
    }
    it = core.inodes.erase(it);
  }
}

void SimFilesystem::FailNextSyncs(const std::string& path_prefix, int count) {
  Core::ArmFault(state_->core->failing_syncs, path_prefix, count);
}

void SimFilesystem::FailNextWrites(const std::string& path_prefix, int count) {
  Core::ArmFault(state_->core->failing_writes, path_prefix, count);
}

const SimFilesystem::Stats& SimFilesystem::stats() const { return state_->core->stats; }

}  // namespace mq::storage
