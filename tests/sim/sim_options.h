#pragma once

// SimOptions: everything that shapes one simulation run. SwarmOptions(seed) draws them from
// the seed ("swarm testing"): each seed runs its own mix of fault rates, clock drift, disk
// latency, limits and nemesis actions, some switched off entirely, so that a batch of seeds
// covers combinations no single hand-tuned profile would. The seed alone reproduces a run.

#include <cstdint>
#include <string>

#include "raft/config.h"
#include "tests/sim/event_queue.h"

namespace mq::sim {

struct NetworkOptions {
  // One-way latency of a message, uniform in [min, max].
  uint64_t latency_us_min = 200;
  uint64_t latency_us_max = 2'000;
  // Per message, out of 10000: lost, delivered twice, delivered after a long extra delay
  // (uniform up to delay_us_max, which reorders it behind later messages).
  uint32_t drop_per_10k = 0;
  uint32_t duplicate_per_10k = 0;
  uint32_t delay_per_10k = 0;
  uint64_t delay_us_max = 300'000;
  // When a partition swallows a message, the sender's transport notices (a broken connection)
  // this often and calls ReportUnreachable.
  uint32_t unreachable_report_per_10k = 2'000;
};

struct NemesisOptions {
  bool enabled = true;
  // Time between two nemesis actions, uniform.
  uint64_t interval_us_min = 20'000;
  uint64_t interval_us_max = 400'000;
  // Relative weights of the actions (0 switches one off).
  uint32_t crash_weight = 10;
  uint32_t partition_weight = 10;
  uint32_t transfer_weight = 4;
  uint32_t membership_weight = 4;
  uint32_t snapshot_weight = 3;
  uint32_t write_fault_weight = 0;
  // Out of 100: how often a crash or an isolation targets the leader.
  uint32_t leader_bias_percent = 40;
  // Crashes keep a majority of the nodes up, except this often (out of 100 crashes), which
  // stalls the group until enough restart (safety must hold regardless).
  uint32_t majority_down_percent = 10;
  // How long a crashed node stays down, and a partition lasts.
  uint64_t down_us_min = 5'000;
  uint64_t down_us_max = 2'000'000;
  uint64_t partition_us_min = 30'000;
  uint64_t partition_us_max = 3'000'000;
  // Nodes the nemesis may add over a run (fresh ids, never reused).
  int nodes_added_max = 3;
};

struct ClientOptions {
  // Time between two proposals, uniform; each proposes 1..batch_max values.
  uint64_t interval_us_min = 1'000;
  uint64_t interval_us_max = 30'000;
  int batch_max = 4;
  // Values are "c<n>" padded with filler up to a random length in [0, payload_bytes_max].
  uint32_t payload_bytes_max = 64;
  // Like a real producer, at most this many proposals in flight (accepted, not yet seen
  // committed); one that is not resolved within request_timeout_us stops counting (the
  // client gave up on it; the checker still follows it).
  int inflight_max = 128;
  // Out of 100 client actions, how many are linearizable reads (ReadIndex) at a random node
  // rather than proposals.
  uint32_t read_percent = 20;
  uint64_t request_timeout_us = 2'000'000;
};

struct SimOptions {
  uint64_t seed = 1;

  // The founding voters are ids 1..voters. Membership changes keep the voter count within
  // [voters_min, voters_max].
  int voters = 3;
  int voters_min = 3;
  int voters_max = 4;

  // Each node ticks every tick_us * (1 + d) with d fixed per node, uniform in
  // [-skew, +skew] (clock drift), plus a per-tick jitter in [0, jitter].
  uint64_t tick_us = 10'000;
  uint32_t tick_skew_per_mille = 0;
  uint32_t tick_jitter_per_mille = 0;

  // The core's configuration (id set per node).
  raft::Config raft;

  // Persistence: out of 100, how many nodes defer it to the simulated disk (the rest sync
  // inline). A deferred node's fsync completes after a latency uniform in [min, max].
  uint32_t deferred_percent = 100;
  uint64_t disk_latency_us_min = 100;
  uint64_t disk_latency_us_max = 5'000;
  // Out of 100, how many deferred nodes complete persistence the broker's disk-thread way
  // (Driver::SyncLogOnly when the simulated fsync starts, covering the appends made so far;
  // Driver::CompleteDurable when it ends, after the latency, during which more cycles may
  // append) instead of one CompletePersist at the end. Chosen per node from the seed alone.
  uint32_t split_sync_percent = 0;
  // The driver's snapshot policy and the log's layout.
  uint64_t snapshot_entries_interval = 64;
  uint64_t snapshot_keep_entries = 8;
  uint64_t segment_bytes_max = 8 << 10;
  uint64_t commit_lag_entries_max = 16;

  NetworkOptions network;
  NemesisOptions nemesis;
  ClientOptions client;

  // The simulator's self-test only: out of 100 power losses, how many also lose the node's
  // whole disk (it comes back empty and is bootstrapped afresh). Raft does not survive that,
  // and the invariants must say so.
  uint32_t unsafe_disk_loss_percent = 0;

  // The safety phase lasts this long (virtual time); then the liveness phase heals everything
  // and must reach its goal within liveness_ticks_max nominal ticks, plus a round trip with
  // an fsync for every entry of the backlog the slowest member had at the heal.
  uint64_t safety_us = 20'000'000;
  uint64_t liveness_ticks_max = 1'000;
  int liveness_proposals = 8;

  // Stop after this many events whatever the time (0: no limit); a guard against livelock.
  uint64_t steps_max = 5'000'000;
};

// The options of the run identified by `seed` (see the file comment).
SimOptions SwarmOptions(uint64_t seed);

// A short description of the options for failure reports.
std::string Describe(const SimOptions& options);

}  // namespace mq::sim
