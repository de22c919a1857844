#!/usr/bin/env bash
# One A/B point for two builds: a fresh 3-broker cluster of $RAFTMQ_BIN (default build/release),
# async produce 200,000 x 1 KiB (window 1000); prints msgs/s and the CPU per message (utime +
# stime) of the three brokers and of mqbench, which vary less than throughput on a noisy machine,
# and the brokers' minor page faults per message (their heaps growing to their working size).
# REPEAT=N runs N rounds in a row on the same cluster (one line each).
# Interleave builds: for i in 1 2 3; do for b in old new; do RAFTMQ_BIN=$b bash bench/async_cpu.sh; done; done
set -u
cd "$(dirname "$0")/.."
source bench/ab_cluster.sh
ab_cluster_start "$@" || exit 1
# Field 10 of /proc/PID/stat: minor faults; 14 + 15: user + system ticks.
stat_sum() { local t=0 p; for p in "${broker_pids[@]}"; do t=$((t + $(awk "{print $1}" "/proc/$p/stat"))); done; echo "$t"; }
client_cpu=$(mktemp)
for round in $(seq 1 "${REPEAT:-1}"); do
  before=$(stat_sum '$14 + $15')
  faults_before=$(stat_sum '$10')
  result=$(/usr/bin/time -f "%U %S" -o "$client_cpu" "$bin/tools/mqbench/mqbench" produce --topic a \
    --window 1000 --count 200000 --size 1024 --servers "$servers" --json 2>/dev/null)
  spent=$(($(stat_sum '$14 + $15') - before))
  faults=$(($(stat_sum '$10') - faults_before))
  echo "$result" | python3 -c '
import json, os, sys
r = json.load(sys.stdin)
n = r["messages"]
brokers = int(sys.argv[1]) * 1e6 / os.sysconf("SC_CLK_TCK") / n
client = sum(float(x) for x in open(sys.argv[2]).read().split()) * 1e6 / n
print("%s round %s: async %d msgs/s, CPU per message: brokers %.1f us, mqbench %.1f us; "
      "brokers minor faults per message %.3f" %
      (sys.argv[3], sys.argv[4], r["msgs_per_s"], brokers, client, int(sys.argv[5]) / n))' \
    "$spent" "$client_cpu" "$bin" "$round" "$faults"
done
rm -f "$client_cpu"
