#pragma once

// FakeBroker: a scripted broker for client tests (library mq_client_testing).
//
// Listens on 127.0.0.1 (an ephemeral port), answers Hello itself, records every other decoded
// request and answers it with what the test's handler returns (nullopt: no answer, so the
// client's request times out). Runs its own io thread; the handler runs there, one request at
// a time. Thread-safe accessors.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "asio.hpp"
#include "client/protocol/codec.h"
#include "client/protocol/record_batch.h"

namespace mq::client::testing {

class FakeBroker {
 public:
  using Handler = std::function<std::optional<protocol::Response>(const protocol::Request&)>;

  explicit FakeBroker(uint64_t broker_id = 1);
  ~FakeBroker();

  std::string address() const { return address_; }
  uint64_t broker_id() const { return broker_id_; }
  void SetHandler(Handler handler);
  void set_batch_bytes_max(uint64_t bytes) { batch_bytes_max_ = bytes; }

  // Every request but Hello, in arrival order.
  std::vector<protocol::Request> Requests() const;
  // Those of type T.
  template <typename T>
  std::vector<T> RequestsOf() const {
    std::vector<T> out;
    for (const protocol::Request& r : Requests()) {
      if (const T* t = std::get_if<T>(&r)) out.push_back(*t);
    }
    return out;
  }

 private:
  class Session;
  void Accept();

  const uint64_t broker_id_;
  std::atomic<uint64_t> batch_bytes_max_{4ull << 20};
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::string address_;
  std::thread thread_;
  mutable std::mutex mu_;
  Handler handler_;
  std::vector<protocol::Request> requests_;
  std::vector<std::weak_ptr<Session>> sessions_;
};

// A metadata response: brokers {id, address}, group g led by leaders[g] (group 0 = controller),
// and topics given as name -> group of each queue.
protocol::MetadataResponse MakeMetadata(
    const std::vector<std::pair<uint64_t, std::string>>& brokers,
    const std::vector<uint64_t>& leaders,
    const std::vector<std::pair<std::string, std::vector<uint64_t>>>& topics);

// A record batch of `messages` (producer id 0).
std::string MakeBatch(const std::vector<protocol::Message>& messages);

}  // namespace mq::client::testing
