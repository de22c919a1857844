#pragma once

// SimStats: what a simulation run exercised, so a green run can be told apart from a run that
// never did anything interesting. Summed over seeds for the one-line summary the test prints
// at the end (the coverage figures of the simulator).

#include <cstdint>
#include <string>

namespace mq::sim {

struct SimStats {
  uint64_t runs = 0;
  uint64_t steps = 0;       // events processed (invariants checked after each)
  uint64_t virtual_ms = 0;  // simulated time
  uint64_t ticks = 0;

  // Elections and leadership.
  uint64_t pre_campaigns = 0;   // a node became pre-candidate
  uint64_t elections = 0;       // a node became candidate (a real campaign, term + 1)
  uint64_t leader_changes = 0;  // distinct (term, leader) pairs seen
  uint64_t transfers = 0;       // TransferLeader requests accepted by a leader
  uint64_t transfers_done = 0;  // ... after which the transferee led

  // Faults.
  uint64_t crashes = 0;
  uint64_t restarts = 0;
  uint64_t torn_tails = 0;       // torn log tails the storage recovery truncated
  uint64_t unsynced_lost = 0;    // crashes that lost data written but not synced
  uint64_t partitions = 0;       // partition episodes started
  uint64_t asymmetric_cuts = 0;  // of which one-way
  uint64_t messages_sent = 0;
  uint64_t messages_dropped = 0;  // by faults, partitions, or a receiver that was down
  uint64_t messages_duplicated = 0;
  uint64_t messages_delayed = 0;  // given a long delay (reordering)
  uint64_t write_faults = 0;      // injected write errors (the node then crashes)

  // Snapshots and membership.
  uint64_t snapshots_taken = 0;
  uint64_t snapshots_sent = 0;
  uint64_t snapshots_installed = 0;
  uint64_t learners_added = 0;  // conf changes committed, by kind
  uint64_t learners_promoted = 0;
  uint64_t voters_removed = 0;
  uint64_t leaders_removed = 0;  // of which the removed voter was the leader when proposed
  uint64_t conf_changes_refused = 0;

  // The client.
  uint64_t proposals = 0;  // accepted by a leader
  uint64_t proposals_refused = 0;
  uint64_t acknowledged = 0;     // committed with the proposal's term at its index
  uint64_t lost = 0;             // proposals whose index was committed with another entry
  uint64_t reads = 0;            // ReadIndex requests accepted
  uint64_t reads_served = 0;     // ... served, each checked for linearizability
  uint64_t entries_applied = 0;  // summed over nodes
  uint64_t fsyncs = 0;           // Driver syncs, summed over nodes
  uint64_t split_syncs = 0;      // SyncLogOnly calls of nodes in the disk-thread split
  uint64_t liveness_ms = 0;      // virtual time from heal to the liveness goal, summed

  void Add(const SimStats& other);
  // One line: "seeds x steps ..., elections ..., ...".
  std::string Summary() const;
};

}  // namespace mq::sim
