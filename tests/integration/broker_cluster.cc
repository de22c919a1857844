#include "tests/integration/broker_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace mq::testing {

uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("FreePort");
    std::abort();
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

BrokerCluster::BrokerCluster(std::string mqbroker, int brokers, int data_groups)
    : mqbroker_(std::move(mqbroker)), data_groups_(data_groups) {
  for (int id = 1; id <= brokers; ++id) {
    ports_[id] = FreePort();
    absl::StrAppend(&peers_, peers_.empty() ? "" : ",", id, "@127.0.0.1:", ports_[id]);
  }
}

BrokerCluster::~BrokerCluster() {
  for (auto& [id, pid] : pids_) Kill(id);
}

void BrokerCluster::StartAll() {
  for (const auto& [id, port] : ports_) {
    if (absl::Status s = Start(id); !s.ok()) {
      std::cerr << s << "\n";
      std::abort();
    }
  }
}

absl::Status BrokerCluster::Start(uint64_t id) {
  if (running(id)) return absl::OkStatus();
  std::vector<std::string> args = {mqbroker_,
                                   "--id",
                                   std::to_string(id),
                                   "--data",
                                   data_dir(id),
                                   "--peers",
                                   peers_,
                                   "--data-groups",
                                   std::to_string(data_groups_),
                                   "--threads",
                                   "3"};
  args.insert(args.end(), broker_args_.begin(), broker_args_.end());
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = log_path(id);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, mqbroker_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return absl::InternalError(absl::StrCat("spawn ", mqbroker_, ": ", rc));
  pids_[id] = pid;
  return absl::OkStatus();
}

void BrokerCluster::Kill(uint64_t id) {
  auto it = pids_.find(id);
  if (it == pids_.end() || it->second == 0) return;
  ::kill(it->second, SIGKILL);
  int status = 0;
  ::waitpid(it->second, &status, 0);
  it->second = 0;
}

bool BrokerCluster::Stop(uint64_t id) {
  auto it = pids_.find(id);
  if (it == pids_.end() || it->second == 0) return true;
  ::kill(it->second, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {  // 30 s
    if (::waitpid(it->second, &status, WNOHANG) == it->second) {
      it->second = 0;
      return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Kill(id);
  return false;
}

bool BrokerCluster::running(uint64_t id) const {
  auto it = pids_.find(id);
  return it != pids_.end() && it->second != 0;
}

std::string BrokerCluster::servers() const {
  std::string out;
  for (const auto& [id, port] : ports_) absl::StrAppend(&out, out.empty() ? "" : ",", address(id));
  return out;
}

std::string BrokerCluster::address(uint64_t id) const {
  return absl::StrCat("127.0.0.1:", ports_.at(id));
}

std::string BrokerCluster::data_dir(uint64_t id) const {
  return absl::StrCat(dir_.path(), "/broker", id);
}

std::string BrokerCluster::log_path(uint64_t id) const {
  return absl::StrCat(dir_.path(), "/broker", id, ".log");
}

void BrokerCluster::DumpLogs() const {
  for (const auto& [id, port] : ports_) {
    if (auto it = pids_.find(id); it != pids_.end() && it->second != 0) {
      int status = 0;
      if (::waitpid(it->second, &status, WNOHANG) == it->second) {
        std::cerr << "broker " << id << " died: "
                  << (WIFSIGNALED(status) ? absl::StrCat("signal ", WTERMSIG(status))
                                          : absl::StrCat("exit ", WEXITSTATUS(status)))
                  << "\n";
      }
    }
    std::ifstream in(log_path(id));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::cerr << "---- broker " << id << " log (last 30 lines) ----\n";
    for (size_t i = lines.size() > 30 ? lines.size() - 30 : 0; i < lines.size(); ++i) {
      std::cerr << lines[i] << "\n";
    }
  }
}

}  // namespace mq::testing
