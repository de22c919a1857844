#!/usr/bin/env bash
# One A/B point for broker flags: a fresh 3-broker cluster (release build) with the given flags;
# async produce 100,000 x 1 KiB (window 1000), then end-to-end at 5,000 msgs/s (15,000 messages,
# 3 queues); prints one line. Interleave several flag sets: the machine is noisy.
# Usage: bash bench/flags_ab.sh --threads 1 --disk-threads 2
set -u
cd "$(dirname "$0")/.."
source bench/ab_cluster.sh
ab_cluster_start "$@" || exit 1
a=$("$bin/tools/mqbench/mqbench" produce --topic a --window 1000 --count 100000 --size 1024 \
  --servers "$servers" --json 2>/dev/null | figure '"async %d/s" % r["msgs_per_s"]')
e=$("$bin/tools/mqbench/mqbench" e2e --topic e --rate 5000 --count 15000 --size 1024 \
  --servers "$servers" --json 2>/dev/null |
  figure '"e2e5000 p50 %.2f p99 %.2f ms" % (r["e2e_us"]["p50"]/1000, r["e2e_us"]["p99"]/1000)')
echo "$*: $a; $e"
