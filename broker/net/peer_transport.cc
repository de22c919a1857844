#include "broker/net/peer_transport.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "asio/connect.hpp"
#include "asio/dispatch.hpp"
#include "asio/ip/tcp.hpp"
#include "asio/post.hpp"
#include "asio/steady_timer.hpp"
#include "asio/strand.hpp"
#include "asio/write.hpp"
#include "broker/net/host_port.h"
#include "client/protocol/codec.h"
#include "client/protocol/frame.h"
#include "raft/wire/raft_codec.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"

namespace mq::broker::net {

namespace {

// What a message adds to an encoded PeerBatch, roughly: payload bytes plus a fixed allowance
// for the FlatBuffers tables around them. Only budgets depend on it.
uint64_t EstimateBytes(const raft::Message& m) {
  uint64_t bytes = 96 + m.context.size() + m.snapshot.data.size();
  for (const raft::Entry& e : m.entries) bytes += 40 + e.data.size();
  return bytes;
}

}  // namespace

struct PeerTransport::Shared {
  PeerTransportOptions options;
  PeerTransportHooks hooks;
  std::string hello_frame;
};

// One peer's link. All members below "strand only" are touched on strand_ alone; the queue is
// shared with Send() under mu_.
class PeerTransport::Peer : public std::enable_shared_from_this<Peer> {
 public:
  Peer(asio::io_context& io, uint64_t id, HostPort address,
       std::shared_ptr<const PeerTransport::Shared> shared)
      : id_(id),
        address_(std::move(address)),
        shared_(std::move(shared)),
        options_(shared_->options),
        strand_(asio::make_strand(io)),
        socket_(strand_),
        resolver_(strand_),
        timer_(strand_),
        backoff_(options_.backoff_min) {}

  void Start() {
    asio::post(strand_, [self = shared_from_this()] { self->Connect(); });
  }

  void Enqueue(uint64_t group_id, raft::Message message) {
    std::vector<uint64_t> dropped_snapshots;
    bool post_flush = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      uint64_t bytes = EstimateBytes(message);
      queue_.push_back(Queued{group_id, std::move(message), bytes});
      queue_bytes_ += bytes;
      while (queue_.size() > std::max<size_t>(options_.queue_messages_max, 1) ||
             (queue_bytes_ > options_.queue_bytes_max && queue_.size() > 1)) {
        Queued& oldest = queue_.front();
        if (oldest.message.type == raft::MessageType::kSnapshot) {
          dropped_snapshots.push_back(oldest.group_id);
        }
        queue_bytes_ -= oldest.bytes;
        queue_.pop_front();
        messages_dropped_.fetch_add(1, std::memory_order_relaxed);
      }
      if (!flush_posted_) {
        flush_posted_ = true;
        post_flush = true;
      }
    }
    if (!dropped_snapshots.empty()) {
      asio::post(strand_, [self = shared_from_this(), groups = std::move(dropped_snapshots)] {
        self->ReportSnapshots(groups, false);
      });
    }
    // dispatch, not post: called on an io thread (a group's strand) while this link's strand
    // is idle, the flush runs right here, so the message is on the wire before the caller's
    // fdatasync instead of after a thread wake-up. Flush calls no driver back.
    if (post_flush) asio::dispatch(strand_, [self = shared_from_this()] { self->Flush(); });
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      messages_dropped_.fetch_add(queue_.size(), std::memory_order_relaxed);
      queue_.clear();
      queue_bytes_ = 0;
    }
    asio::post(strand_, [self = shared_from_this()] {
      self->state_ = State::kStopped;
      ++self->gen_;
      self->CloseSocket();
      self->connected_.store(false);
    });
  }

  PeerLinkStats stats() const {
    PeerLinkStats s;
    s.connected = connected_.load();
    s.refused = refused_.load();
    s.connects = connects_.load();
    s.connect_failures = connect_failures_.load();
    s.batches_sent = batches_sent_.load();
    s.messages_sent = messages_sent_.load();
    s.messages_dropped = messages_dropped_.load();
    std::lock_guard<std::mutex> lock(error_mu_);
    s.last_error = last_error_;
    return s;
  }

 private:
  enum class State { kIdle, kConnecting, kConnected, kBackoff, kStopped };
  struct Queued {
    uint64_t group_id = 0;
    raft::Message message;
    uint64_t bytes = 0;
  };

  // ---- Connecting ---------------------------------------------------------------------------

  void Connect() {
    if (state_ == State::kStopped) return;
    uint64_t gen = ++gen_;
    state_ = State::kConnecting;
    decoder_.emplace(options_.limits);
    timer_.expires_after(options_.handshake_timeout);
    timer_.async_wait([self = shared_from_this(), gen](const std::error_code& ec) {
      if (!ec && gen == self->gen_ && self->state_ == State::kConnecting) {
        self->Disconnect("connect and Hello timed out");
      }
    });
    resolver_.async_resolve(
        address_.host, std::to_string(address_.port),
        [self = shared_from_this(), gen](const std::error_code& ec,
                                         asio::ip::tcp::resolver::results_type results) {
          if (gen != self->gen_) return;
          if (ec) return self->Disconnect(absl::StrFormat("resolve: %s", ec.message()));
          asio::async_connect(
              self->socket_, results,
              [self, gen](const std::error_code& ec, const auto&) { self->OnConnect(gen, ec); });
        });
  }

  void OnConnect(uint64_t gen, const std::error_code& ec) {
    if (gen != gen_) return;
    if (ec) return Disconnect(absl::StrFormat("connect: %s", ec.message()));
    std::error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    asio::async_write(socket_, asio::buffer(shared_->hello_frame),
                      [self = shared_from_this(), gen](const std::error_code& ec, size_t) {
                        if (gen != self->gen_) return;
                        if (ec) return self->Disconnect(absl::StrFormat("Hello: %s", ec.message()));
                        self->ReadHelloResponse(gen);
                      });
  }

  void ReadHelloResponse(uint64_t gen) {
    socket_.async_read_some(
        asio::buffer(read_buffer_),
        [self = shared_from_this(), gen](const std::error_code& ec, size_t bytes) {
          if (gen != self->gen_) return;
          if (ec) return self->Disconnect(absl::StrFormat("HelloResponse: %s", ec.message()));
          absl::Status fed =
              self->decoder_->Feed(std::string_view(self->read_buffer_.data(), bytes));
          std::optional<protocol::Frame> frame = self->decoder_->Next();
          if (!frame.has_value()) {
            if (!fed.ok()) {
              return self->Disconnect(absl::StrFormat("HelloResponse: %s", fed.message()));
            }
            return self->ReadHelloResponse(gen);
          }
          self->OnHelloResponse(gen, *frame);
        });
  }

  void OnHelloResponse(uint64_t gen, const protocol::Frame& frame) {
    if (!frame.header.is_response() || frame.header.api_key != protocol::ApiKey::kHello) {
      return Disconnect(absl::StrFormat("expected a HelloResponse, got %s",
                                        protocol::ApiKeyName(frame.header.api_key)));
    }
    auto response =
        protocol::Decode<protocol::HelloResponse>(frame.payload.view(), options_.limits);
    if (!response.ok()) {
      return Disconnect(absl::StrFormat("HelloResponse: %s", response.status().message()));
    }
    if (!response->header.ok()) {
      refused_.store(true);
      return Disconnect(absl::StrFormat("Hello refused: %s %s",
                                        protocol::ErrorCodeName(response->header.error_code),
                                        response->header.message));
    }
    if (response->broker_id != id_) {
      refused_.store(true);
      return Disconnect(absl::StrFormat("the broker at %s is broker %d, not %d",
                                        FormatHostPort(address_), response->broker_id, id_));
    }
    refused_.store(false);
    timer_.cancel();
    state_ = State::kConnected;
    connected_.store(true);
    connects_.fetch_add(1);
    backoff_ = options_.backoff_min;
    if (failures_in_a_row_ > 0) {
      LogInfo(absl::StrFormat("peer %d (%s): connected", id_, FormatHostPort(address_)));
    }
    failures_in_a_row_ = 0;
    decoder_.reset();
    ReadUntilClosed(gen);
    Flush();
  }

  // A peer connection carries nothing back after the HelloResponse; reading only notices
  // when the other side closes.
  void ReadUntilClosed(uint64_t gen) {
    socket_.async_read_some(asio::buffer(read_buffer_), [self = shared_from_this(), gen](
                                                            const std::error_code& ec, size_t) {
      if (gen != self->gen_) return;
      if (ec) {
        return self->Disconnect(ec == asio::error::eof ? std::string("closed by the peer")
                                                       : ec.message());
      }
      self->ReadUntilClosed(gen);
    });
  }

  void Disconnect(std::string why) {
    if (state_ == State::kStopped) return;
    bool was_connected = state_ == State::kConnected;
    uint64_t gen = ++gen_;
    CloseSocket();
    connected_.store(false);
    connect_failures_.fetch_add(1);
    {
      std::lock_guard<std::mutex> lock(error_mu_);
      last_error_ = why;
    }
    ReportSnapshots(writing_snapshots_, false);
    writing_snapshots_.clear();
    // One line when a link goes down and one per ten failed attempts, not one per retry.
    if (was_connected || failures_in_a_row_ % 10 == 0) {
      LogWarning(absl::StrFormat("peer %d (%s): %s; retrying in %d ms", id_,
                                 FormatHostPort(address_), why, backoff_.count()));
    }
    ++failures_in_a_row_;
    state_ = State::kBackoff;
    timer_.expires_after(backoff_);
    timer_.async_wait([self = shared_from_this(), gen](const std::error_code& ec) {
      if (!ec && gen == self->gen_ && self->state_ == State::kBackoff) self->Connect();
    });
    backoff_ = std::min(backoff_ * 2, options_.backoff_max);
    if (shared_->hooks.on_unreachable) shared_->hooks.on_unreachable(id_);
  }

  void CloseSocket() {
    std::error_code ignored;
    resolver_.cancel();
    timer_.cancel();
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  // ---- Writing ------------------------------------------------------------------------------

  void Flush() {
    std::vector<raft::wire::GroupMessage> batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      flush_posted_ = false;
      if (state_ != State::kConnected || writing_) return;
      uint64_t bytes = 0;
      size_t messages_max = std::max<size_t>(options_.batch_messages_max, 1);
      while (!queue_.empty() && batch.size() < messages_max &&
             (batch.empty() || bytes + queue_.front().bytes <= options_.batch_bytes_target)) {
        Queued& q = queue_.front();
        bytes += q.bytes;
        queue_bytes_ -= q.bytes;
        batch.push_back(raft::wire::GroupMessage{q.group_id, std::move(q.message)});
        queue_.pop_front();
      }
    }
    if (batch.empty()) return;
    for (const auto& gm : batch) {
      if (gm.message.type == raft::MessageType::kSnapshot) {
        writing_snapshots_.push_back(gm.group_id);
      }
    }
    write_payload_ = raft::wire::EncodePeerBatchBuffer(batch);
    const std::string_view payload(reinterpret_cast<const char*>(write_payload_.data()),
                                   write_payload_.size());
    write_header_ = protocol::EncodeFrameHeader({.flags = 0,
                                                 .api_key = protocol::ApiKey::kRaftPeerBatch,
                                                 .api_version = 0,
                                                 .request_id = ++batch_seq_},
                                                payload);
    writing_ = true;
    writing_count_ = batch.size();
    std::array<asio::const_buffer, 2> buffers{asio::buffer(write_header_),
                                              asio::buffer(payload.data(), payload.size())};
    asio::async_write(socket_, buffers,
                      [self = shared_from_this(), gen = gen_](const std::error_code& ec, size_t) {
                        self->OnWrite(gen, ec);
                      });
  }

  void OnWrite(uint64_t gen, const std::error_code& ec) {
    writing_ = false;
    write_payload_ = flatbuffers::DetachedBuffer();
    if (gen != gen_) {
      // The connection broke meanwhile: Disconnect already reported the snapshots.
      messages_dropped_.fetch_add(writing_count_, std::memory_order_relaxed);
    } else if (ec) {
      messages_dropped_.fetch_add(writing_count_, std::memory_order_relaxed);
      Disconnect(absl::StrFormat("write: %s", ec.message()));
    } else {
      batches_sent_.fetch_add(1, std::memory_order_relaxed);
      messages_sent_.fetch_add(writing_count_, std::memory_order_relaxed);
      std::vector<uint64_t> done = std::move(writing_snapshots_);
      writing_snapshots_.clear();
      ReportSnapshots(done, true);
    }
    Flush();
  }

  void ReportSnapshots(const std::vector<uint64_t>& groups, bool ok) {
    if (state_ == State::kStopped || !shared_->hooks.on_snapshot_status) return;
    for (uint64_t group : groups) shared_->hooks.on_snapshot_status(id_, group, ok);
  }

  const uint64_t id_;
  const HostPort address_;
  const std::shared_ptr<const PeerTransport::Shared> shared_;
  const PeerTransportOptions& options_;
  asio::strand<asio::io_context::executor_type> strand_;

  // ---- Strand only ----
  asio::ip::tcp::socket socket_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer timer_;  // handshake timeout, then back-off
  std::chrono::milliseconds backoff_;
  uint64_t failures_in_a_row_ = 0;
  // Bumped by every connect attempt and disconnect: handlers of an older one do nothing.
  uint64_t gen_ = 0;
  std::optional<protocol::FrameDecoder> decoder_;  // while reading the HelloResponse
  std::array<char, 4096> read_buffer_{};
  bool writing_ = false;
  size_t writing_count_ = 0;
  std::vector<uint64_t> writing_snapshots_;  // groups of the kSnapshot messages on the wire
  std::array<char, protocol::kFrameHeaderBytes> write_header_{};
  flatbuffers::DetachedBuffer write_payload_;  // the batch on the wire, until OnWrite
  uint64_t batch_seq_ = 0;
  State state_ = State::kIdle;

  // ---- Shared with Send, under mu_ ----
  std::mutex mu_;
  bool stopped_ = false;
  bool flush_posted_ = false;
  std::deque<Queued> queue_;
  uint64_t queue_bytes_ = 0;

  std::atomic<bool> connected_{false};
  std::atomic<bool> refused_{false};
  std::atomic<uint64_t> connects_{0};
  std::atomic<uint64_t> connect_failures_{0};
  std::atomic<uint64_t> batches_sent_{0};
  std::atomic<uint64_t> messages_sent_{0};
  std::atomic<uint64_t> messages_dropped_{0};
  // Why the last attempt failed or the link broke; kept after a reconnect (for stats).
  mutable std::mutex error_mu_;
  std::string last_error_;
};

PeerTransport::PeerTransport(asio::io_context& io, PeerTransportOptions options,
                             PeerTransportHooks hooks)
    : io_(io) {
  auto shared = std::make_shared<Shared>();
  protocol::HelloRequest hello;
  hello.client_id = absl::StrFormat("broker-%d", options.broker_id);
  hello.software = "raftmq-broker";
  hello.api_versions = protocol::SupportedApiVersions();
  hello.peer_broker_id = options.broker_id;
  hello.cluster_id = options.cluster_id;
  shared->hello_frame = protocol::EncodeRequestFrame(0, hello);
  shared->options = std::move(options);
  shared->hooks = std::move(hooks);
  shared_ = std::move(shared);
}

PeerTransport::~PeerTransport() { Stop(); }

absl::Status PeerTransport::AddPeer(uint64_t broker_id, const std::string& host_port) {
  MQ_ASSIGN_OR_RETURN(HostPort address, ParseHostPort(host_port));
  if (broker_id == 0 || broker_id == shared_->options.broker_id) {
    return absl::InvalidArgumentError(
        absl::StrFormat("peer broker id %d: must be non-zero and not this broker's", broker_id));
  }
  std::shared_ptr<Peer> peer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return absl::FailedPreconditionError("PeerTransport is stopped");
    if (peers_.count(broker_id) != 0) {
      return absl::AlreadyExistsError(absl::StrFormat("peer broker %d already added", broker_id));
    }
    peer = std::make_shared<Peer>(io_, broker_id, std::move(address), shared_);
    peers_.emplace(broker_id, peer);
  }
  peer->Start();
  return absl::OkStatus();
}

void PeerTransport::Send(uint64_t to_broker, uint64_t group_id, raft::Message message) {
  MQ_CHECK_MSG(!raft::IsLocalMessage(message.type), "PeerTransport::Send: a local message");
  std::shared_ptr<Peer> peer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = peers_.find(to_broker);
    if (it == peers_.end()) {
      if (!stopped_ && warned_unknown_.insert(to_broker).second) {
        LogWarning(
            absl::StrFormat("peer transport: no address for broker %d; dropping its "
                            "messages",
                            to_broker));
      }
      return;
    }
    peer = it->second;
  }
  peer->Enqueue(group_id, std::move(message));
}

void PeerTransport::Stop() {
  std::map<uint64_t, std::shared_ptr<Peer>> peers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    peers = peers_;
  }
  for (auto& [id, peer] : peers) peer->Stop();
}

PeerLinkStats PeerTransport::stats(uint64_t broker_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.find(broker_id);
  return it == peers_.end() ? PeerLinkStats{} : it->second->stats();
}

}  // namespace mq::broker::net
