#!/usr/bin/env bash
# One A/B point for two builds: a fresh 3-broker cluster of $RAFTMQ_BIN (default build/release),
# async produce 200,000 x 1 KiB (window 1000); prints msgs/s and the CPU the three brokers spent
# per message (utime + stime from /proc), which varies less than throughput on a noisy machine.
# Interleave builds: for i in 1 2 3; do for b in old new; do RAFTMQ_BIN=$b bash bench/async_cpu.sh; done; done
set -u
cd "$(dirname "$0")/.."
source bench/ab_cluster.sh
ab_cluster_start "$@" || exit 1
ticks() { local t=0 p; for p in "${broker_pids[@]}"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
before=$(ticks)
result=$("$bin/tools/mqbench/mqbench" produce --topic a --window 1000 --count 200000 --size 1024 \
  --servers "$servers" --json 2>/dev/null)
spent=$(($(ticks) - before))
echo "$result" | python3 -c '
import json, os, sys
r = json.load(sys.stdin)
us = int(sys.argv[1]) * 1e6 / os.sysconf("SC_CLK_TCK") / r["messages"]
print("%s: async %d msgs/s, broker CPU %.1f us/msg" % (sys.argv[2], r["msgs_per_s"], us))' "$spent" "$bin"
