#pragma once

// GroupRunner: hosts one Raft group's replica (a raft::Driver) on an asio strand.
//
// The strand is the group's single thread (DESIGN.md section 4): the driver, its RaftLogStore
// and the application's StateMachine are touched on it alone -- but for the log's fdatasync in
// the deferred mode below.
//
// Persistence (DriverOptions::persist_mode):
//   kInline: the fdatasync of a Ready cycle runs on the strand, so groups sync in parallel
//     across the pool, and proposals that arrive while one cycle syncs are batched into the
//     next (group commit). An io thread is blocked for every fdatasync.
//   kDeferred (needs a disk executor, given at Start): io threads never wait for the disk.
//     After every ProcessReady, if the driver has persist jobs pending and no sync of this
//     group is in flight, a job on the disk executor runs Driver::SyncLogOnly() (the log's
//     fdatasync alone, covering every append made so far), then posts back to the strand,
//     which runs Driver::CompleteDurable() (hard state if due, inline; then the messages that
//     waited for the sync), ProcessReady, and starts the next sync if jobs are still pending
//     (appended while the sync ran: they are its group commit). At most one sync per group is
//     in flight; many groups sync in parallel across the disk threads. A sync that returns an
//     error stops the group as a driver error does (a failed fdatasync aborts in storage).
//
// Inputs (any thread) are posted to the strand: Step(message) from the peer transport,
// Tick() from the Ticker, Post(fn) for everything else (proposals, reads, inspection). A burst
// of inputs queued together is followed by ONE ProcessReady, which the handler of the burst's
// last input runs right after it (no extra strand hop); under a stream of inputs that never
// drains, one every 128 inputs.
//
// Outputs: the driver's messages go to the SendFn, on the strand, in order; `message.to` is
// the peer's node id, which is its broker id. The SendFn must not block nor call back into
// this runner synchronously (queueing, as PeerTransport::Send does, is right).
//
// Lifecycle: Start() bootstraps the replica's directory on the first start (no bootstrapped
// store there) or opens it, on the calling thread, before any strand work. Stop() closes the
// driver on the strand and waits for it; inputs after that are ignored. Close first waits for
// a sync running on a disk thread (never concurrent with Close), and a sync still queued on
// the disk executor then does nothing (so Stop does not need the disk executor to run; the
// disk executor must outlive the runner's queued jobs, or drop them). A driver error (it is
// then broken, see driver.h) is logged with the group id and the runner stops taking work;
// Stop() still closes the files and returns the error. Work dropped this way (a Post after
// Stop or breakage) is destroyed unrun, which answers any Responder it held (responder.h).
//
// Threading: every public method is thread-safe, but Stop() must not be called from an
// io_context thread while that is the only thread running it (it waits for the strand), and
// the io_context must be running (or stopped: then Stop closes inline).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "asio/any_io_executor.hpp"
#include "asio/io_context.hpp"
#include "asio/strand.hpp"
#include "raft/durable/driver.h"
#include "raft/types.h"
#include "storage/fs/filesystem.h"

namespace mq::broker::net {

class GroupRunner {
 public:
  using SendFn = std::function<void(uint64_t group_id, raft::Message message)>;
  using Strand = asio::strand<asio::io_context::executor_type>;
  // Where the log syncs of kDeferred groups run (e.g. a thread pool's executor).
  using DiskExecutor = asio::any_io_executor;

  // Bootstraps `dir` with `founding` unless it already holds a bootstrapped replica (then
  // opens it; `founding` is ignored). `fs` and `state_machine` must outlive Stop(). The first
  // ProcessReady is scheduled at once (an opened replica may have entries to apply).
  // options.persist_mode kDeferred needs `disk` (InvalidArgument without); kInline ignores it.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<GroupRunner>> Start(
      asio::io_context& io, uint64_t group_id, storage::Filesystem& fs, std::string dir,
      const raft::ConfState& founding, const raft::DriverOptions& options,
      raft::StateMachine* state_machine, SendFn send, DiskExecutor disk = {});

  GroupRunner(const GroupRunner&) = delete;
  GroupRunner& operator=(const GroupRunner&) = delete;
  // Stops (see Stop) if still running.
  ~GroupRunner();

  // A message from a peer. Errors from the core (stale, malformed) are ignored.
  void Step(raft::Message message);
  void Tick();
  // Runs `fn` on the strand with the driver, then ProcessReady. `fn` may call Propose*,
  // ReadIndex, TransferLeader, ReportSnapshot, ReportUnreachable and inspect the driver; it
  // must not call Step, Tick, ProcessReady, CompletePersist, CompleteDurable, SyncLogOnly or
  // Close.
  void Post(std::function<void(raft::Driver&)> fn);

  // Closes the driver on the strand and waits. Returns Close's status (the breaking error for
  // a broken driver); OK when already stopped.
  absl::Status Stop();

  uint64_t group_id() const { return group_id_; }
  // False once stopped or broken.
  bool running() const;
  // The group's strand, for glue work that must run beside the driver (e.g. timers).
  Strand strand() const;

 private:
  class Core;
  GroupRunner(uint64_t group_id, std::shared_ptr<Core> core);

  const uint64_t group_id_;
  std::shared_ptr<Core> core_;
};

}  // namespace mq::broker::net
