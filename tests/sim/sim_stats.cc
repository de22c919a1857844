#include "tests/sim/sim_stats.h"

#include "absl/strings/str_format.h"

namespace mq::sim {

void SimStats::Add(const SimStats& o) {
  runs += o.runs;
  steps += o.steps;
  virtual_ms += o.virtual_ms;
  ticks += o.ticks;
  pre_campaigns += o.pre_campaigns;
  elections += o.elections;
  leader_changes += o.leader_changes;
  transfers += o.transfers;
  transfers_done += o.transfers_done;
  crashes += o.crashes;
  restarts += o.restarts;
  torn_tails += o.torn_tails;
  unsynced_lost += o.unsynced_lost;
  partitions += o.partitions;
  asymmetric_cuts += o.asymmetric_cuts;
  messages_sent += o.messages_sent;
  messages_dropped += o.messages_dropped;
  messages_duplicated += o.messages_duplicated;
  messages_delayed += o.messages_delayed;
  write_faults += o.write_faults;
  snapshots_taken += o.snapshots_taken;
  snapshots_sent += o.snapshots_sent;
  snapshots_installed += o.snapshots_installed;
  learners_added += o.learners_added;
  learners_promoted += o.learners_promoted;
  voters_removed += o.voters_removed;
  leaders_removed += o.leaders_removed;
  conf_changes_refused += o.conf_changes_refused;
  proposals += o.proposals;
  proposals_refused += o.proposals_refused;
  acknowledged += o.acknowledged;
  lost += o.lost;
  reads += o.reads;
  reads_served += o.reads_served;
  entries_applied += o.entries_applied;
  fsyncs += o.fsyncs;
  split_syncs += o.split_syncs;
  liveness_ms += o.liveness_ms;
}

std::string SimStats::Summary() const {
  return absl::StrFormat(
      "%d seeds x %d steps (%.1f s virtual, %d ticks); elections %d (pre-votes %d), leader "
      "changes %d, transfers %d/%d; crashes %d, restarts %d, torn tails %d, crashes losing "
      "unsynced writes %d, write faults %d; partitions %d (one-way %d); messages %d: dropped "
      "%d, duplicated %d, delayed %d; snapshots taken %d, sent %d, installed %d; membership: "
      "learners added %d, promoted %d, voters removed %d (leader %d), refused %d; proposals "
      "%d (refused %d), acknowledged %d, lost %d; reads %d, served %d; applied %d; fsyncs %d "
      "(split %d); liveness %.1f s",
      runs, steps, static_cast<double>(virtual_ms) / 1000.0, ticks, elections, pre_campaigns,
      leader_changes, transfers_done, transfers, crashes, restarts, torn_tails, unsynced_lost,
      write_faults, partitions, asymmetric_cuts, messages_sent, messages_dropped,
      messages_duplicated, messages_delayed, snapshots_taken, snapshots_sent, snapshots_installed,
      learners_added, learners_promoted, voters_removed, leaders_removed, conf_changes_refused,
      proposals, proposals_refused, acknowledged, lost, reads, reads_served, entries_applied,
      fsyncs, split_syncs, static_cast<double>(liveness_ms) / 1000.0);
}

}  // namespace mq::sim
