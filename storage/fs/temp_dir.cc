#include "storage/fs/temp_dir.h"

#include <cstdlib>
#include <filesystem>

#include "storage/base/status_macros.h"

namespace mq::storage {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr && base[0] != '\0' ? base : "/tmp") +
                        "/raftmq_test_XXXXXX";
  MQ_CHECK_MSG(::mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace mq::storage
