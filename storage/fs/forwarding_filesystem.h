#pragma once

// ForwardingFilesystem and ForwardingFile: a Filesystem / File that passes every call to another
// one, for tests that wrap the real filesystem and override only the calls they interfere with
// (fail a write, hold a sync). Part of mq_storage_testing.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/fs/filesystem.h"

namespace mq::storage {

class ForwardingFile : public File {
 public:
  explicit ForwardingFile(std::unique_ptr<File> base) : base_(std::move(base)) {}
  absl::Status WriteAt(uint64_t offset, std::string_view data) override {
    return base_->WriteAt(offset, data);
  }
  absl::StatusOr<size_t> ReadAt(uint64_t offset, char* out, size_t size) override {
    return base_->ReadAt(offset, out, size);
  }
  absl::Status Sync() override { return base_->Sync(); }
  absl::Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  absl::StatusOr<uint64_t> Size() override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<File> base_;
};

class ForwardingFilesystem : public Filesystem {
 public:
  explicit ForwardingFilesystem(Filesystem& base) : base_(base) {}
  absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override {
    return base_.Open(path, mode);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override {
    return base_.ListDir(dir);
  }
  absl::Status CreateDirs(const std::string& dir) override { return base_.CreateDirs(dir); }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    return base_.Rename(from, to);
  }
  absl::Status Remove(const std::string& path) override { return base_.Remove(path); }
  absl::Status SyncDir(const std::string& dir) override { return base_.SyncDir(dir); }
  absl::StatusOr<bool> Exists(const std::string& path) override { return base_.Exists(path); }
  absl::StatusOr<std::unique_ptr<FileLock>> Lock(const std::string& path) override {
    return base_.Lock(path);
  }

 protected:
  Filesystem& base() { return base_; }

 private:
  Filesystem& base_;
};

}  // namespace mq::storage
