#pragma once

// A fresh directory under $TMPDIR (or /tmp) for one test, removed with its contents when the
// object is destroyed. Test-only (library mq_storage_testing).

#include <string>

namespace mq::storage {

class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace mq::storage
