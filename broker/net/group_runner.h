#pragma once

// GroupRunner: hosts one Raft group's replica (a raft::Driver) on an asio strand.
//
// The strand is the group's single thread (DESIGN.md section 4): the driver, its RaftLogStore
// and the application's StateMachine are touched on it alone. Persistence is kInline: the
// fdatasync of a Ready cycle runs on the strand, so groups sync in parallel across the pool,
// and proposals that arrive while one cycle syncs are batched into the next (group commit).
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
// driver on the strand and waits for it; inputs after that are ignored. A driver error (it is
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

  // Bootstraps `dir` with `founding` unless it already holds a bootstrapped replica (then
  // opens it; `founding` is ignored). `fs` and `state_machine` must outlive Stop(). The first
  // ProcessReady is scheduled at once (an opened replica may have entries to apply).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<GroupRunner>> Start(
      asio::io_context& io, uint64_t group_id, storage::Filesystem& fs, std::string dir,
      const raft::ConfState& founding, const raft::DriverOptions& options,
      raft::StateMachine* state_machine, SendFn send);

  GroupRunner(const GroupRunner&) = delete;
  GroupRunner& operator=(const GroupRunner&) = delete;
  // Stops (see Stop) if still running.
  ~GroupRunner();

  // A message from a peer. Errors from the core (stale, malformed) are ignored.
  void Step(raft::Message message);
  void Tick();
  // Runs `fn` on the strand with the driver, then ProcessReady. `fn` may call Propose*,
  // ReadIndex, TransferLeader, ReportSnapshot, ReportUnreachable and inspect the driver; it
  // must not call Step, Tick, ProcessReady, CompletePersist or Close.
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
