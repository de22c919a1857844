#include "tools/mqbench/runner.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/admin.h"
#include "client/producer.h"
#include "client/pull_consumer.h"
#include "client/status.h"
#include "storage/base/status_macros.h"
#include "tools/mqbench/payload.h"

namespace mq::tools::mqbench {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t MicrosBetween(Clock::time_point from, Clock::time_point to) {
  return static_cast<uint64_t>(std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(to - from).count()));
}

// Counters every thread updates and the progress thread reads.
struct Shared {
  const BenchConfig* config = nullptr;
  uint64_t run_id = 0;
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> acked{0};
  std::atomic<uint64_t> acked_bytes{0};
  std::atomic<uint64_t> received{0};
  std::atomic<uint64_t> received_bytes{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<int64_t> in_flight{0};
  std::atomic<bool> stop_producers{false};
  std::atomic<bool> stop_consumers{false};
  // consume/e2e: stop when `received` reaches this (0 = not yet known).
  std::atomic<uint64_t> receive_target{0};
  std::atomic<int64_t> receive_done_us{-1};  // since `start`, set once
  Clock::time_point start{};

  std::mutex error_mu;
  std::string first_error;

  void Error(const absl::Status& status) {
    errors.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(error_mu);
    if (first_error.empty()) first_error = std::string(status.message());
  }
};

client::ClientOptions ClientOptionsOf(const BenchConfig& config) {
  client::ClientOptions options;
  options.servers = config.servers;
  options.deadline_ms = config.deadline_ms;
  options.request_timeout_ms = std::min<uint32_t>(options.request_timeout_ms, config.deadline_ms);
  return options;
}

// Creates the topic when missing (an existing one is used as it is); returns its queue count.
absl::StatusOr<uint32_t> PrepareTopic(const BenchConfig& config, client::Admin& admin) {
  auto metadata = admin.Metadata({config.topic});
  auto existing_queues = [&]() -> uint32_t {
    if (!metadata.ok()) return 0;
    for (const auto& topic : metadata->topics) {
      if (topic.name == config.topic && topic.error_code == protocol::ErrorCode::kOk) {
        return std::max<uint32_t>(topic.queue_count, topic.queues.size());
      }
    }
    return 0;
  };
  if (uint32_t queues = existing_queues(); queues > 0) return queues;
  if (!config.create_topic) {
    return absl::NotFoundError(absl::StrCat("topic '", config.topic, "' does not exist"));
  }
  protocol::CreateTopicRequest request;
  request.name = config.topic;
  request.queue_count = config.queues;
  auto created = admin.CreateTopic(request);
  if (!created.ok() && created.status().code() != absl::StatusCode::kAlreadyExists) {
    return created.status();
  }
  return config.queues;
}

// ---- producers -----------------------------------------------------------------------------

// At most `size` messages in flight. A full window puts the producer to sleep on a condition
// variable: std::counting_semaphore spins (sched_yield) first, which takes CPU the brokers
// need when client and cluster share a small machine.
class Window {
 public:
  explicit Window(uint64_t size) : free_(size) {}
  void Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return free_ > 0; });
    --free_;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_++ == 0) cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t free_;
};

struct ProducerState {
  Shared* shared = nullptr;
  std::mutex mu;  // the client's callback thread vs the final merge
  LatencyHistogram ack_us;
  std::unique_ptr<Window> window;
};

void OnAck(ProducerState* state, Clock::time_point sent_at,
           const absl::StatusOr<client::SendResult>& result) {
  const uint64_t us = MicrosBetween(sent_at, Clock::now());
  Shared& s = *state->shared;
  s.in_flight.fetch_sub(1, std::memory_order_relaxed);
  if (result.ok()) {
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->ack_us.Record(us);
    }
    s.acked.fetch_add(1, std::memory_order_relaxed);
    s.acked_bytes.fetch_add(s.config->message_bytes, std::memory_order_relaxed);
  } else {
    s.Error(result.status());
  }
}

// A producer that has sent `config.warmup_messages` one by one (round-robin: every queue gets
// its first write), stamped with a run id no consumer of this run counts.
absl::StatusOr<std::unique_ptr<client::Producer>> WarmProducer(const BenchConfig& c,
                                                               uint64_t warmup_run_id) {
  client::ProducerOptions options;
  options.client = ClientOptionsOf(c);
  options.linger_ms = c.linger_ms;
  options.batch_messages_max = c.batch_messages_max;
  options.queue_selection = client::QueueSelection::kRoundRobin;
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<client::Producer> producer,
                      client::Producer::Create(options));
  for (uint32_t i = 0; i < c.warmup_messages; ++i) {
    client::Message message;
    message.body = MakeBody(c.message_bytes);
    WriteStamp(message.body, Stamp{warmup_run_id, WallMicros()});
    auto sent = producer->Send(c.topic, std::move(message));
    if (!sent.ok()) {
      return absl::Status(sent.status().code(),
                          absl::StrCat("warm-up send: ", sent.status().message()));
    }
  }
  return producer;
}

void ProducerLoop(Shared& s, ProducerState& state, client::Producer& producer, uint64_t share) {
  const BenchConfig& c = *s.config;
  const std::string body = MakeBody(c.message_bytes);
  const bool paced = c.rate > 0;
  const auto period = paced ? std::chrono::nanoseconds(static_cast<int64_t>(
                                  1e9 * static_cast<double>(c.producers) / c.rate))
                            : std::chrono::nanoseconds(0);
  const Clock::time_point end = c.duration_ms > 0
                                    ? s.start + std::chrono::milliseconds(c.duration_ms)
                                    : Clock::time_point::max();
  for (uint64_t n = 0; share == 0 || n < share; ++n) {
    if (paced) std::this_thread::sleep_until(s.start + period * n);
    if (s.stop_producers.load(std::memory_order_relaxed) || Clock::now() >= end) break;
    if (!c.sync()) state.window->Acquire();
    client::Message message;
    message.body = body;
    const uint64_t born_us = WallMicros();
    WriteStamp(message.body, Stamp{s.run_id, born_us});
    message.born_time_ms = born_us / 1000;
    s.sent.fetch_add(1, std::memory_order_relaxed);
    s.in_flight.fetch_add(1, std::memory_order_relaxed);
    const Clock::time_point sent_at = Clock::now();
    if (c.sync()) {
      OnAck(&state, sent_at, producer.Send(c.topic, std::move(message)));
    } else {
      ProducerState* st = &state;
      producer.SendAsync(c.topic, std::move(message),
                         [st, sent_at](absl::StatusOr<client::SendResult> result) {
                           OnAck(st, sent_at, result);
                           st->window->Release();
                         });
    }
  }
  producer.Close();  // flushes: every callback has run when it returns
}

// ---- consumers -----------------------------------------------------------------------------

struct ConsumerState {
  LatencyHistogram e2e_us;
  std::atomic<uint32_t> assigned_queues{0};
  std::atomic<bool> polled{false};
};

void ConsumerLoop(Shared& s, ConsumerState& state, const std::string& group) {
  const BenchConfig& c = *s.config;
  const bool e2e = c.mode == BenchMode::kEndToEnd;
  client::ConsumerOptions options;
  options.client = ClientOptionsOf(c);
  options.group = group;
  options.start_position = e2e ? client::StartPosition::kLatest : client::StartPosition::kEarliest;
  options.fetch_messages_max = c.fetch_messages_max;
  options.fetch_wait_ms_max = 100;
  auto consumer = client::PullConsumer::Create(options);
  if (!consumer.ok()) {
    s.Error(consumer.status());
    return;
  }
  if (absl::Status st = (*consumer)->Subscribe(c.topic); !st.ok()) {
    s.Error(st);
    return;
  }
  Clock::time_point last_message = Clock::now();
  while (!s.stop_consumers.load(std::memory_order_relaxed)) {
    auto messages = (*consumer)->Poll(100);
    const uint64_t now_us = WallMicros();
    const Clock::time_point now = Clock::now();
    state.assigned_queues.store((*consumer)->Assignment().size(), std::memory_order_relaxed);
    state.polled.store(true, std::memory_order_relaxed);
    if (!messages.ok()) {
      s.Error(messages.status());
      if (!client::IsDefiniteFailure(messages.status())) continue;
      break;
    }
    uint64_t counted = 0, bytes = 0;
    for (const client::ReceivedMessage& m : *messages) {
      if (e2e) {
        std::optional<Stamp> stamp = ReadStamp(m.body);
        if (!stamp || stamp->run_id != s.run_id) continue;  // an earlier run's message
        state.e2e_us.Record(now_us > stamp->born_us ? now_us - stamp->born_us : 0);
      }
      ++counted;
      bytes += m.body.size();
    }
    if (counted > 0) {
      last_message = now;
      s.received_bytes.fetch_add(bytes, std::memory_order_relaxed);
      s.received.fetch_add(counted, std::memory_order_relaxed);
    }
    // The target may be set (e2e: when the producers finished) after the last message came.
    const uint64_t target = s.receive_target.load();
    if (target > 0 && s.received.load() >= target) {
      int64_t unset = -1;
      s.receive_done_us.compare_exchange_strong(unset, MicrosBetween(s.start, now));
      s.stop_consumers.store(true);
    } else if (counted == 0 && now - last_message > std::chrono::milliseconds(c.idle_timeout_ms)) {
      s.Error(absl::DeadlineExceededError(absl::StrCat("consumer idle for ", c.idle_timeout_ms,
                                                       " ms; received ", s.received.load(), " of ",
                                                       s.receive_target.load())));
      s.stop_consumers.store(true);
    }
  }
  (*consumer)->Close();
}

// ---- progress ------------------------------------------------------------------------------

class ProgressPrinter {
 public:
  explicit ProgressPrinter(Shared& s) : s_(s) {
    if (s.config->progress) thread_ = std::thread([this] { Run(); });
  }
  ~ProgressPrinter() { Stop(); }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  ProgressSample Sample() const {
    return ProgressSample{
        .elapsed_ms = MicrosBetween(s_.start, Clock::now()) / 1000,
        .acked = s_.acked.load(std::memory_order_relaxed),
        .received = s_.received.load(std::memory_order_relaxed),
        .errors = s_.errors.load(std::memory_order_relaxed),
        .in_flight = s_.in_flight.load(std::memory_order_relaxed),
    };
  }
  void Run() {
    ProgressSample previous = Sample();
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return done_; })) {
      ProgressSample now = Sample();
      std::fprintf(stderr, "%s\n", FormatProgress(now, previous, s_.config->message_bytes).c_str());
      previous = now;
    }
  }

  Shared& s_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

uint64_t ShareOf(uint64_t total, uint32_t parts, uint32_t index) {
  if (total == 0) return 0;  // unbounded (duration)
  return total / parts + (index < total % parts ? 1 : 0);
}

std::string DefaultGroup() { return absl::StrCat("mqbench-", getpid(), "-", WallMicros() / 1000); }

}  // namespace

absl::StatusOr<BenchResult> RunBench(const BenchConfig& config) {
  MQ_ASSIGN_OR_RETURN(std::unique_ptr<client::Admin> admin,
                      client::Admin::Create(ClientOptionsOf(config)));
  MQ_ASSIGN_OR_RETURN(uint32_t queue_count, PrepareTopic(config, *admin));

  Shared s;
  s.config = &config;
  s.run_id = WallMicros() ^ (static_cast<uint64_t>(getpid()) << 40);
  const std::string group = config.group.empty() ? DefaultGroup() : config.group;
  BenchResult result;
  result.mode = config.mode;

  const bool consuming = config.mode != BenchMode::kProduce;
  const bool producing = config.mode != BenchMode::kConsume;
  if (config.mode == BenchMode::kConsume) {
    uint64_t target = config.count;
    if (target == 0) {
      MQ_ASSIGN_OR_RETURN(auto ranges, admin->ListOffsets(config.topic));
      for (const protocol::QueueOffsetRange& range : ranges) {
        if (range.max_offset > range.min_offset) target += range.max_offset - range.min_offset;
      }
      if (target == 0) return absl::FailedPreconditionError("the topic has no backlog to consume");
    }
    s.receive_target = target;
  }

  // Producers connect and warm up before any consumer subscribes (e2e consumers start at the
  // latest offsets, so they never see the warm-up) and before the clock starts.
  std::vector<std::unique_ptr<client::Producer>> producers;
  if (producing) {
    for (uint32_t i = 0; i < config.producers; ++i) {
      MQ_ASSIGN_OR_RETURN(std::unique_ptr<client::Producer> producer,
                          WarmProducer(config, ~s.run_id));
      producers.push_back(std::move(producer));
    }
  }

  std::vector<std::unique_ptr<ConsumerState>> consumer_states;
  std::vector<std::thread> consumer_threads;
  s.start = Clock::now();
  if (consuming) {
    for (uint32_t i = 0; i < config.consumers; ++i) {
      consumer_states.push_back(std::make_unique<ConsumerState>());
      consumer_threads.emplace_back(ConsumerLoop, std::ref(s), std::ref(*consumer_states.back()),
                                    std::cref(group));
    }
  }
  if (config.mode == BenchMode::kEndToEnd) {
    // Producing starts once the group owns every queue (positions fixed at the latest offsets).
    const Clock::time_point give_up = Clock::now() + std::chrono::milliseconds(config.deadline_ms);
    for (;;) {
      uint32_t assigned = 0;
      bool all_polled = true;
      for (const auto& st : consumer_states) {
        assigned += st->assigned_queues.load();
        all_polled = all_polled && st->polled.load();
      }
      if (all_polled && assigned >= queue_count) break;
      if (Clock::now() > give_up || s.stop_consumers.load()) {
        s.stop_consumers = true;
        for (auto& t : consumer_threads) t.join();
        return absl::DeadlineExceededError(
            absl::StrCat("consumers did not get every queue assigned (", assigned, " of ",
                         queue_count, "); first error: ", s.first_error));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // positions resolved
    s.start = Clock::now();
  }

  ProgressPrinter progress(s);
  std::vector<std::unique_ptr<ProducerState>> producer_states;
  std::vector<std::thread> producer_threads;
  if (producing) {
    for (uint32_t i = 0; i < config.producers; ++i) {
      auto state = std::make_unique<ProducerState>();
      state->shared = &s;
      state->window = std::make_unique<Window>(config.window);
      producer_threads.emplace_back(ProducerLoop, std::ref(s), std::ref(*state),
                                    std::ref(*producers[i]),
                                    ShareOf(config.count, config.producers, i));
      producer_states.push_back(std::move(state));
    }
    for (auto& t : producer_threads) t.join();
    result.elapsed_us = MicrosBetween(s.start, Clock::now());
    if (consuming) {
      if (s.acked.load() == 0) {
        s.stop_consumers = true;
      } else {
        s.receive_target = s.acked.load();
        if (s.received.load() >= s.acked.load()) s.stop_consumers = true;
      }
    }
  }
  for (auto& t : consumer_threads) t.join();
  progress.Stop();

  if (config.mode == BenchMode::kConsume) {
    const int64_t done = s.receive_done_us.load();
    result.elapsed_us =
        done >= 0 ? static_cast<uint64_t>(done) : MicrosBetween(s.start, Clock::now());
  }
  for (auto& st : producer_states) {
    std::lock_guard<std::mutex> lock(st->mu);
    result.ack_us.Merge(st->ack_us);
  }
  for (auto& st : consumer_states) result.e2e_us.Merge(st->e2e_us);
  result.sent = s.sent.load();
  result.errors = s.errors.load();
  result.first_error = s.first_error;
  if (config.mode == BenchMode::kProduce) {
    result.messages = s.acked.load();
    result.bytes = s.acked_bytes.load();
  } else {
    result.messages = s.received.load();
    result.bytes = s.received_bytes.load();
  }
  return result;
}

}  // namespace mq::tools::mqbench
