#include "tests/sim/sim_options.h"

#include "absl/strings/str_format.h"
#include "storage/base/prng.h"

namespace mq::sim {
namespace {

// A weight that is switched off one time in `off_one_in`.
uint32_t MaybeOff(Prng& prng, uint32_t weight, uint64_t off_one_in) {
  return prng.Uniform(off_one_in) == 0 ? 0 : weight;
}

}  // namespace

SimOptions SwarmOptions(uint64_t seed) {
  // Its own stream: the options never consume the run's randomness.
  Prng prng(seed ^ 0x5157a11a5eedULL);
  SimOptions o;
  o.seed = seed;

  o.voters = prng.Chance(1, 2) ? 3 : 5;
  o.voters_min = o.voters;
  o.voters_max = o.voters + 1;
  if (prng.Chance(1, 3)) o.voters_min = o.voters - 1;  // dip below the founding size too

  o.tick_us = 10'000;
  o.tick_skew_per_mille = prng.Chance(1, 4) ? 0 : static_cast<uint32_t>(prng.Range(1, 250));
  o.tick_jitter_per_mille = static_cast<uint32_t>(prng.Range(0, 200));

  raft::Config& c = o.raft;
  c.election_timeout_ticks = static_cast<int>(prng.Range(6, 15));
  c.heartbeat_timeout_ticks = static_cast<int>(prng.Range(1, 2));
  c.append_entries_bytes_max =
      prng.Chance(1, 3) ? static_cast<uint64_t>(prng.Range(1, 256)) : uint64_t{64} << 10;
  c.inflight_msgs_max = prng.Chance(1, 3) ? static_cast<int>(prng.Range(1, 4)) : 64;
  c.inflight_bytes_max = prng.Chance(1, 4) ? c.append_entries_bytes_max * 2 : uint64_t{1} << 20;
  if (c.inflight_bytes_max < c.append_entries_bytes_max) {
    c.inflight_bytes_max = c.append_entries_bytes_max;
  }
  c.uncommitted_bytes_max =
      prng.Chance(1, 4) ? static_cast<uint64_t>(prng.Range(64, 2048)) : uint64_t{1} << 20;
  c.committed_entries_bytes_max =
      prng.Chance(1, 4) ? static_cast<uint64_t>(prng.Range(1, 512)) : uint64_t{1} << 20;
  c.check_quorum = true;
  c.pre_vote = true;

  o.deferred_percent = prng.Chance(1, 5) ? static_cast<uint32_t>(prng.Range(0, 100)) : 100;
  o.disk_latency_us_min = static_cast<uint64_t>(prng.Range(20, 500));
  o.disk_latency_us_max = o.disk_latency_us_min + static_cast<uint64_t>(prng.Range(0, 20'000));
  o.snapshot_entries_interval = static_cast<uint64_t>(prng.Range(8, 200));
  o.snapshot_keep_entries = static_cast<uint64_t>(prng.Range(0, 40));
  o.segment_bytes_max = static_cast<uint64_t>(prng.Range(512, 16 << 10));
  o.commit_lag_entries_max = static_cast<uint64_t>(prng.Range(0, 64));

  NetworkOptions& n = o.network;
  n.latency_us_min = static_cast<uint64_t>(prng.Range(50, 1'000));
  n.latency_us_max = n.latency_us_min + static_cast<uint64_t>(prng.Range(0, 10'000));
  n.drop_per_10k = MaybeOff(prng, static_cast<uint32_t>(prng.Range(1, 1'500)), 3);
  n.duplicate_per_10k = MaybeOff(prng, static_cast<uint32_t>(prng.Range(1, 800)), 3);
  n.delay_per_10k = MaybeOff(prng, static_cast<uint32_t>(prng.Range(1, 800)), 3);
  n.delay_us_max = static_cast<uint64_t>(prng.Range(10'000, 500'000));
  n.unreachable_report_per_10k = static_cast<uint32_t>(prng.Range(0, 5'000));

  NemesisOptions& x = o.nemesis;
  x.interval_us_min = static_cast<uint64_t>(prng.Range(20'000, 200'000));
  x.interval_us_max = x.interval_us_min + static_cast<uint64_t>(prng.Range(0, 1'000'000));
  x.crash_weight = MaybeOff(prng, static_cast<uint32_t>(prng.Range(1, 20)), 5);
  x.partition_weight = MaybeOff(prng, static_cast<uint32_t>(prng.Range(1, 20)), 5);
  x.transfer_weight = MaybeOff(prng, static_cast<uint32_t>(prng.Range(1, 10)), 4);
  x.membership_weight = MaybeOff(prng, static_cast<uint32_t>(prng.Range(1, 10)), 4);
  x.snapshot_weight = MaybeOff(prng, static_cast<uint32_t>(prng.Range(1, 10)), 3);
  x.write_fault_weight = MaybeOff(prng, static_cast<uint32_t>(prng.Range(1, 5)), 2);
  x.leader_bias_percent = static_cast<uint32_t>(prng.Range(0, 80));
  x.down_us_max = static_cast<uint64_t>(prng.Range(50'000, 3'000'000));
  x.majority_down_percent = static_cast<uint32_t>(prng.Range(0, 20));
  x.partition_us_max = static_cast<uint64_t>(prng.Range(50'000, 4'000'000));
  x.nodes_added_max = static_cast<int>(prng.Range(0, 4));

  ClientOptions& cl = o.client;
  cl.interval_us_min = static_cast<uint64_t>(prng.Range(200, 10'000));
  cl.interval_us_max = cl.interval_us_min + static_cast<uint64_t>(prng.Range(0, 40'000));
  cl.batch_max = static_cast<int>(prng.Range(1, 8));
  cl.payload_bytes_max = static_cast<uint32_t>(prng.Range(0, 300));
  cl.inflight_max = static_cast<int>(prng.Range(4, 256));

  o.safety_us = static_cast<uint64_t>(prng.Range(5'000'000, 15'000'000));
  cl.read_percent = prng.Chance(1, 4) ? 0 : static_cast<uint32_t>(prng.Range(1, 50));
  c.announce_commit_at_once = prng.Chance(1, 2);  // drawn late: older seeds keep their options
  // Drawn last, likewise.
  o.split_sync_percent = prng.Chance(1, 3) ? 0 : (prng.Chance(1, 2) ? 100 : 50);
  o.liveness_ticks_max = 100 * static_cast<uint64_t>(c.election_timeout_ticks);
  return o;
}

std::string Describe(const SimOptions& o) {
  const raft::Config& c = o.raft;
  return absl::StrFormat(
      "voters=%d [%d,%d] safety=%.1fs tick=%dus skew=%d%%o jitter=%d%%o election=%d "
      "heartbeat=%d announce_commit=%d append_bytes=%d inflight=%d/%dB uncommitted=%dB "
      "apply_bytes=%d deferred=%d%% split_sync=%d%% disk=[%d,%d]us snapshot_every=%d keep=%d "
      "segment=%dB "
      "commit_lag=%d | "
      "net latency=[%d,%d]us drop=%d dup=%d delay=%d/10k up to %dus | nemesis every "
      "[%d,%d]us crash=%d partition=%d transfer=%d membership=%d snapshot=%d write_fault=%d "
      "leader_bias=%d%% majority_down=%d%% adds<=%d | client every [%d,%d]us batch<=%d bytes<=%d "
      "inflight<=%d reads=%d%%",
      o.voters, o.voters_min, o.voters_max, static_cast<double>(o.safety_us) / 1e6, o.tick_us,
      o.tick_skew_per_mille, o.tick_jitter_per_mille, c.election_timeout_ticks,
      c.heartbeat_timeout_ticks, c.announce_commit_at_once, c.append_entries_bytes_max,
      c.inflight_msgs_max, c.inflight_bytes_max, c.uncommitted_bytes_max,
      c.committed_entries_bytes_max, o.deferred_percent, o.split_sync_percent,
      o.disk_latency_us_min, o.disk_latency_us_max, o.snapshot_entries_interval,
      o.snapshot_keep_entries, o.segment_bytes_max, o.commit_lag_entries_max,
      o.network.latency_us_min, o.network.latency_us_max, o.network.drop_per_10k,
      o.network.duplicate_per_10k, o.network.delay_per_10k, o.network.delay_us_max,
      o.nemesis.interval_us_min, o.nemesis.interval_us_max, o.nemesis.crash_weight,
      o.nemesis.partition_weight, o.nemesis.transfer_weight, o.nemesis.membership_weight,
      o.nemesis.snapshot_weight, o.nemesis.write_fault_weight, o.nemesis.leader_bias_percent,
      o.nemesis.majority_down_percent, o.nemesis.nodes_added_max, o.client.interval_us_min,
      o.client.interval_us_max, o.client.batch_max, o.client.payload_bytes_max,
      o.client.inflight_max, o.client.read_percent);
}

}  // namespace mq::sim
