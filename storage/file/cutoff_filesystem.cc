#include "storage/file/cutoff_filesystem.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "storage/base/status_macros.h"

namespace mq::storage {

struct CutoffFilesystem::Budget {
  int64_t left = -1;  // negative: unlimited
  bool cut_off = false;
  uint64_t calls = 0;

  // Admits one call (a mutating one spends budget).
  absl::Status Admit(bool mutating, std::string_view what, std::string_view path) {
    if (!cut_off && mutating && left == 0) cut_off = true;
    if (cut_off) {
      return absl::UnavailableError(
          absl::StrFormat("%s %s: cut off (simulated death)", what, path));
    }
    if (mutating) {
      ++calls;
      if (left > 0) --left;
    }
    return absl::OkStatus();
  }
};

namespace {

class CutoffFile final : public File {
 public:
  CutoffFile(std::unique_ptr<File> inner, std::shared_ptr<CutoffFilesystem::Budget> budget)
      : inner_(std::move(inner)), budget_(std::move(budget)) {}

  absl::Status WriteAt(uint64_t offset, std::string_view data) override {
    MQ_RETURN_IF_ERROR(budget_->Admit(true, "write", path()));
    return inner_->WriteAt(offset, data);
  }
  absl::StatusOr<size_t> ReadAt(uint64_t offset, char* out, size_t size) override {
    MQ_RETURN_IF_ERROR(budget_->Admit(false, "read", path()));
    return inner_->ReadAt(offset, out, size);
  }
  absl::Status Sync() override {
    MQ_RETURN_IF_ERROR(budget_->Admit(true, "sync", path()));
    return inner_->Sync();
  }
  absl::Status Truncate(uint64_t size) override {
    MQ_RETURN_IF_ERROR(budget_->Admit(true, "truncate", path()));
    return inner_->Truncate(size);
  }
  absl::StatusOr<uint64_t> Size() override {
    MQ_RETURN_IF_ERROR(budget_->Admit(false, "stat", path()));
    return inner_->Size();
  }
  const std::string& path() const override { return inner_->path(); }

 private:
  std::unique_ptr<File> inner_;
  std::shared_ptr<CutoffFilesystem::Budget> budget_;
};

}  // namespace

CutoffFilesystem::CutoffFilesystem(Filesystem& inner)
    : inner_(inner), budget_(std::make_shared<Budget>()) {}

void CutoffFilesystem::SetBudget(int64_t calls) {
  budget_->left = calls;
  budget_->cut_off = false;
}

bool CutoffFilesystem::cut_off() const { return budget_->cut_off; }

uint64_t CutoffFilesystem::mutating_calls() const { return budget_->calls; }

absl::StatusOr<std::unique_ptr<File>> CutoffFilesystem::Open(const std::string& path,
                                                             OpenMode mode) {
  const bool creating = mode == OpenMode::kCreateOrOpen || mode == OpenMode::kCreateExclusive;
  MQ_RETURN_IF_ERROR(budget_->Admit(creating, "open", path));
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<File> file, inner_.Open(path, mode));
  return std::make_unique<CutoffFile>(std::move(file), budget_);
}

absl::StatusOr<std::vector<std::string>> CutoffFilesystem::ListDir(const std::string& dir) {
  MQ_RETURN_IF_ERROR(budget_->Admit(false, "list", dir));
  return inner_.ListDir(dir);
}

absl::Status CutoffFilesystem::CreateDirs(const std::string& dir) {
  MQ_RETURN_IF_ERROR(budget_->Admit(true, "mkdir", dir));
  return inner_.CreateDirs(dir);
}

absl::Status CutoffFilesystem::Rename(const std::string& from, const std::string& to) {
  MQ_RETURN_IF_ERROR(budget_->Admit(true, "rename", from));
  return inner_.Rename(from, to);
}

absl::Status CutoffFilesystem::Remove(const std::string& path) {
  MQ_RETURN_IF_ERROR(budget_->Admit(true, "remove", path));
  return inner_.Remove(path);
}

absl::Status CutoffFilesystem::SyncDir(const std::string& dir) {
  MQ_RETURN_IF_ERROR(budget_->Admit(true, "fsync directory", dir));
  return inner_.SyncDir(dir);
}

absl::StatusOr<bool> CutoffFilesystem::Exists(const std::string& path) {
  MQ_RETURN_IF_ERROR(budget_->Admit(false, "stat", path));
  return inner_.Exists(path);
}

absl::StatusOr<std::unique_ptr<FileLock>> CutoffFilesystem::Lock(const std::string& path) {
  MQ_RETURN_IF_ERROR(budget_->Admit(true, "lock", path));
  return inner_.Lock(path);
}

}  // namespace mq::storage
