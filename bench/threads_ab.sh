#!/usr/bin/env bash
# One A/B point for the broker's --threads: starts a fresh 3-broker cluster with `--threads N`
# (release build, ports 29971-29973, data in a temporary directory), runs 3,000 sync produces
# and 100,000 async ones (window 1000, 1 KiB), prints one line, stops the cluster. Interleave
# several N (e.g. `for n in 4 2 1 4 2; do bash bench/threads_ab.sh $n; done`): the machine is noisy.
set -u
n=${1:?usage: bench/threads_ab.sh THREADS}
cd "$(dirname "$0")/.."
source bench/ab_cluster.sh
ab_cluster_start --threads "$n" || exit 1
sync=$("$bin/tools/mqbench/mqbench" produce --topic s --sync --count 3000 --size 1024 \
  --servers "$servers" --json 2>/dev/null |
  figure '"sync %d/s p50 %s us p99 %s us" % (r["msgs_per_s"], r["ack_us"]["p50"], r["ack_us"]["p99"])')
async=$("$bin/tools/mqbench/mqbench" produce --topic a --window 1000 --count 100000 --size 1024 \
  --servers "$servers" --json 2>/dev/null | figure '"async %d/s" % r["msgs_per_s"]')
echo "threads $n: $sync; $async"
