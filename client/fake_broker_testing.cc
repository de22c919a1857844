#include "client/fake_broker_testing.h"

#include <utility>

#include "client/protocol/frame.h"
#include "client/protocol/record_batch.h"
#include "storage/base/status_macros.h"

namespace mq::client::testing {

class FakeBroker::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(FakeBroker& broker, asio::ip::tcp::socket socket)
      : broker_(broker), socket_(std::move(socket)) {}

  void Read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_), [self](const asio::error_code& ec, size_t n) {
      if (ec) return;
      if (!self->decoder_.Feed(std::string_view(self->buffer_.data(), n)).ok()) return;
      while (std::optional<protocol::Frame> frame = self->decoder_.Next()) self->Handle(*frame);
      self->Read();
    });
  }

  void Close() {
    asio::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void Handle(const protocol::Frame& frame) {
    absl::StatusOr<protocol::Request> request =
        protocol::DecodeRequest(frame.header.api_key, frame.payload.view());
    MQ_CHECK_MSG(request.ok(), std::string(request.status().message()).c_str());
    std::optional<protocol::Response> response;
    if (std::holds_alternative<protocol::HelloRequest>(*request)) {
      response = protocol::HelloResponse{.broker_id = broker_.broker_id_,
                                         .cluster_id = "test",
                                         .frame_bytes_max = 72ull << 20,
                                         .batch_bytes_max = broker_.batch_bytes_max_.load()};
    } else {
      Handler handler;
      {
        std::lock_guard<std::mutex> lock(broker_.mu_);
        broker_.requests_.push_back(*request);
        handler = broker_.handler_;
      }
      if (handler) response = handler(*request);
    }
    if (!response.has_value()) return;
    auto bytes =
        std::make_shared<std::string>(protocol::EncodeFrame({.flags = protocol::kFrameFlagResponse,
                                                             .api_key = frame.header.api_key,
                                                             .request_id = frame.header.request_id},
                                                            protocol::EncodeResponse(*response)));
    // Writes are serialized by the single io thread plus a chain through `pending_`.
    pending_.push_back(bytes);
    if (pending_.size() == 1) WriteNext();
  }

  void WriteNext() {
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(*pending_.front()),
                      [self](const asio::error_code& ec, size_t) {
                        self->pending_.erase(self->pending_.begin());
                        if (!ec && !self->pending_.empty()) self->WriteNext();
                      });
  }

  FakeBroker& broker_;
  asio::ip::tcp::socket socket_;
  protocol::FrameDecoder decoder_;
  std::array<char, 65536> buffer_{};
  std::vector<std::shared_ptr<std::string>> pending_;
};

FakeBroker::FakeBroker(uint64_t broker_id)
    : broker_id_(broker_id),
      acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  address_ = "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  Accept();
  thread_ = std::thread([this] { io_.run(); });
}

FakeBroker::~FakeBroker() {
  asio::post(io_, [this] {
    asio::error_code ignored;
    acceptor_.close(ignored);
    for (auto& weak : sessions_) {
      if (auto session = weak.lock()) session->Close();
    }
  });
  thread_.join();
}

void FakeBroker::Accept() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec) return;
    auto session = std::make_shared<Session>(*this, std::move(socket));
    sessions_.push_back(session);
    session->Read();
    Accept();
  });
}

void FakeBroker::SetHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(handler);
}

std::vector<protocol::Request> FakeBroker::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

protocol::MetadataResponse MakeMetadata(
    const std::vector<std::pair<uint64_t, std::string>>& brokers,
    const std::vector<uint64_t>& leaders,
    const std::vector<std::pair<std::string, std::vector<uint64_t>>>& topics) {
  protocol::MetadataResponse metadata{.cluster_id = "test", .cluster_version = 1};
  for (const auto& [id, address] : brokers) {
    metadata.brokers.push_back({.broker_id = id, .address = address});
  }
  for (size_t g = 0; g < leaders.size(); ++g) {
    metadata.groups.push_back({.group_id = g, .leader_broker_id = leaders[g], .term = 1});
  }
  if (!leaders.empty()) metadata.controller_broker_id = leaders[0];
  for (const auto& [name, groups] : topics) {
    protocol::TopicInfo topic{.name = name, .queue_count = static_cast<uint32_t>(groups.size())};
    for (size_t q = 0; q < groups.size(); ++q) {
      topic.queues.push_back({.queue_id = static_cast<uint32_t>(q), .group_id = groups[q]});
    }
    metadata.topics.push_back(std::move(topic));
  }
  return metadata;
}

std::string MakeBatch(const std::vector<protocol::Message>& messages) {
  protocol::RecordBatchBuilder builder({});
  for (const protocol::Message& m : messages) MQ_CHECK_OK(builder.Add(m));
  absl::StatusOr<std::string> batch = std::move(builder).Build();
  MQ_CHECK_OK(batch.status());
  return *batch;
}

}  // namespace mq::client::testing
