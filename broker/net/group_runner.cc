#include "broker/net/group_runner.h"

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <utility>

#include "absl/strings/str_format.h"
#include "asio/post.hpp"
#include "raft/durable/raft_log_store.h"
#include "storage/base/logging.h"
#include "storage/base/status_macros.h"

namespace mq::broker::net {

namespace {

absl::Status WithGroup(uint64_t group_id, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrFormat("group %d: %s", group_id, status.message()));
}

}  // namespace

// The state handlers share: it lives until the last posted handler has run, so a runner may
// be destroyed while work for it is still queued. It is the driver's Transport.
class GroupRunner::Core final : public std::enable_shared_from_this<Core>, public raft::Transport {
 public:
  Core(asio::io_context& io, uint64_t group_id, SendFn send, DiskExecutor disk)
      : io_(io),
        group_id_(group_id),
        strand_(asio::make_strand(io)),
        send_(std::move(send)),
        disk_(std::move(disk)) {}

  // raft::Transport, called inside ProcessReady on the strand.
  void Send(raft::Message message) override { send_(group_id_, std::move(message)); }

  // Runs `fn(driver)` on the strand; ProcessReady follows in the same handler once no other
  // input is queued behind it (see inputs_queued_).
  template <typename Fn>
  void Run(Fn fn) {
    if (!accepting_.load(std::memory_order_acquire)) return;
    inputs_queued_.fetch_add(1, std::memory_order_acq_rel);
    asio::post(strand_, [self = shared_from_this(), fn = std::move(fn)]() mutable {
      const bool last = self->inputs_queued_.fetch_sub(1, std::memory_order_acq_rel) == 1;
      if (!self->Usable()) return;
      fn(*self->driver_);
      self->CheckBroken();  // fn may have run TakeSnapshot
      if (!self->Usable()) return;
      ++self->inputs_since_ready_;
      if (last || self->inputs_since_ready_ >= kInputsPerReadyMax) self->ProcessReady();
    });
  }

  void ProcessReady() {
    inputs_since_ready_ = 0;
    absl::Status status = driver_->ProcessReady();
    if (!status.ok() && driver_->broken().ok()) {
      LogWarning(absl::StrFormat("group %d: ProcessReady: %s", group_id_, status.message()));
    }
    CheckBroken();
    MaybeStartSync();
  }

  absl::Status Stop() {
    accepting_.store(false, std::memory_order_release);
    if (strand_.running_in_this_thread() || io_.stopped()) return Close();
    auto done = std::make_shared<std::promise<absl::Status>>();
    std::future<absl::Status> result = done->get_future();
    asio::post(strand_, [self = shared_from_this(), done] { done->set_value(self->Close()); });
    return result.get();
  }

  bool running() const { return accepting_.load(std::memory_order_acquire); }

  asio::io_context& io_;
  const uint64_t group_id_;
  Strand strand_;
  const SendFn send_;
  const DiskExecutor disk_;  // empty in kInline
  // Set at Start before any strand work; reset on the strand by Close.
  std::unique_ptr<raft::Driver> driver_;

 private:
  bool Usable() { return driver_ != nullptr && accepting_.load(std::memory_order_acquire); }

  void CheckBroken() {
    if (driver_ == nullptr || driver_->broken().ok()) return;
    Break(driver_->broken());
  }

  // Stops taking work after a driver error or a failed disk sync.
  void Break(const absl::Status& error) {
    if (broken_reported_) return;
    broken_reported_ = true;
    accepting_.store(false, std::memory_order_release);
    LogError(absl::StrFormat("group %d: RAFT DRIVER BROKEN, the group stops taking work: %s",
                             group_id_, error.message()));
  }

  // kDeferred: the log's fdatasync on the disk executor, then OnSynced on the strand (see the
  // file comment). Strand only.
  void MaybeStartSync() {
    if (!disk_ || sync_in_flight_ || !Usable() || driver_->persists_pending() == 0) return;
    sync_in_flight_ = true;
    asio::post(disk_, [self = shared_from_this(), driver = driver_.get()] {
      {
        std::lock_guard<std::mutex> lock(self->disk_mu_);
        if (self->disk_closed_) return;  // Close ran meanwhile: the driver is gone
        self->disk_syncing_ = true;
      }
      absl::Status status = driver->SyncLogOnly().status();
      {
        std::lock_guard<std::mutex> lock(self->disk_mu_);
        self->disk_syncing_ = false;
      }
      self->disk_idle_.notify_all();
      asio::post(self->strand_, [self, status = std::move(status)] { self->OnSynced(status); });
    });
  }

  void OnSynced(const absl::Status& status) {
    sync_in_flight_ = false;
    // Stopping: Close completes whatever is pending. Broken: nothing more to do.
    if (!Usable()) return;
    if (!status.ok()) {
      sync_error_ = WithGroup(group_id_, status);
      Break(sync_error_);
      return;
    }
    if (absl::Status completed = driver_->CompleteDurable(); !completed.ok()) {
      CheckBroken();
      return;
    }
    ProcessReady();  // the delivered acknowledgements may commit; starts the next sync
  }

  absl::Status Close() {
    {
      // No sync may run concurrently with Close, nor start after it.
      std::unique_lock<std::mutex> lock(disk_mu_);
      disk_closed_ = true;
      disk_idle_.wait(lock, [this] { return !disk_syncing_; });
    }
    if (driver_ == nullptr) return absl::OkStatus();
    absl::Status status = driver_->Close();
    driver_.reset();
    if (!status.ok()) return WithGroup(group_id_, status);
    return sync_error_;
  }

  // A burst of inputs is followed by ONE ProcessReady, run by the handler of the last input of
  // the burst, on the spot: a separate ProcessReady handler would be a strand re-post, i.e.
  // one more thread wake-up (futex + context switch) per request, the dominant cost of a
  // produce on a 2-core VM (bench/RESULTS.md). Inputs posted but not yet run; the handler
  // that takes this to 0 is the last one queued and processes. Under a steady stream that
  // never drains, every kInputsPerReadyMax inputs process anyway.
  static constexpr uint32_t kInputsPerReadyMax = 128;
  std::atomic<uint32_t> inputs_queued_{0};

  std::atomic<bool> accepting_{true};
  // ---- Strand only ----
  uint32_t inputs_since_ready_ = 0;
  bool broken_reported_ = false;
  bool sync_in_flight_ = false;  // a sync job is queued or running, its OnSynced not run yet
  absl::Status sync_error_;      // a failed disk sync, returned by Stop

  // ---- Shared with the disk thread (kDeferred) ----
  // A sync job starts only while disk_closed_ is false; Close sets it, then waits until no
  // sync runs. Never held across the fdatasync.
  std::mutex disk_mu_;
  std::condition_variable disk_idle_;
  bool disk_syncing_ = false;  // guarded by disk_mu_
  bool disk_closed_ = false;   // guarded by disk_mu_
};

absl::StatusOr<std::unique_ptr<GroupRunner>> GroupRunner::Start(
    asio::io_context& io, uint64_t group_id, storage::Filesystem& fs, std::string dir,
    const raft::ConfState& founding, const raft::DriverOptions& options,
    raft::StateMachine* state_machine, SendFn send, DiskExecutor disk) {
  if (options.persist_mode == raft::PersistMode::kDeferred && !disk) {
    return absl::InvalidArgumentError(
        absl::StrFormat("group %d: deferred persistence needs a disk executor", group_id));
  }
  if (options.persist_mode == raft::PersistMode::kInline) disk = DiskExecutor();
  auto core = std::make_shared<Core>(io, group_id, std::move(send), std::move(disk));
  absl::StatusOr<bool> exists = raft::RaftLogStore::Exists(fs, dir);
  if (!exists.ok()) return WithGroup(group_id, exists.status());
  absl::StatusOr<std::unique_ptr<raft::Driver>> driver =
      *exists ? raft::Driver::Open(fs, std::move(dir), options, state_machine, core.get())
              : raft::Driver::Bootstrap(fs, std::move(dir), founding, options, state_machine,
                                        core.get());
  if (!driver.ok()) return WithGroup(group_id, driver.status());
  core->driver_ = *std::move(driver);
  auto runner = std::unique_ptr<GroupRunner>(new GroupRunner(group_id, core));
  core->Run([](raft::Driver&) {});
  return runner;
}

GroupRunner::GroupRunner(uint64_t group_id, std::shared_ptr<Core> core)
    : group_id_(group_id), core_(std::move(core)) {}

GroupRunner::~GroupRunner() {
  absl::Status status = core_->Stop();
  if (!status.ok()) LogError(absl::StrFormat("closing on destruction: %s", status.message()));
}

void GroupRunner::Step(raft::Message message) {
  core_->Run([message = std::move(message)](raft::Driver& driver) mutable {
    // Stale or malformed messages are the core's to refuse; nothing to do about them here.
    (void)driver.Step(std::move(message));
  });
}

void GroupRunner::Tick() {
  core_->Run([](raft::Driver& driver) { driver.Tick(); });
}

void GroupRunner::Post(std::function<void(raft::Driver&)> fn) {
  core_->Run([fn = std::move(fn)](raft::Driver& driver) { fn(driver); });
}

absl::Status GroupRunner::Stop() { return core_->Stop(); }

bool GroupRunner::running() const { return core_->running(); }

GroupRunner::Strand GroupRunner::strand() const { return core_->strand_; }

}  // namespace mq::broker::net
