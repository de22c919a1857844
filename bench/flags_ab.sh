#!/usr/bin/env bash
# One A/B point for broker flags: a fresh 3-broker cluster (release build, ports 29971-29973) with
# the given flags; async produce 100,000 x 1 KiB (window 1000), then end-to-end at 5,000 msgs/s
# (15,000 messages, 3 queues); prints one line. Interleave several flag sets: the machine is noisy.
# Usage: bash bench/flags_ab.sh --threads 1 --disk-threads 2
set -u
cd "$(dirname "$0")/.."
bin=${RAFTMQ_BIN:-build/release}
d=$(mktemp -d /tmp/raftmq_aab.XXXXXX)
peers="1@127.0.0.1:29971,2@127.0.0.1:29972,3@127.0.0.1:29973"
servers="127.0.0.1:29971,127.0.0.1:29972,127.0.0.1:29973"
pids=()
for i in 1 2 3; do "$bin/broker/mqbroker" --id "$i" --data "$d/b$i" --peers "$peers" "$@" >"$d/b$i.log" 2>&1 & pids+=($!); done
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$d"' EXIT
for _ in $(seq 1 100); do
  status=$("$bin/tools/mqadmin/mqadmin" clusterList --servers "$servers" --deadline-ms 1000 --json 2>/dev/null)
  if grep -q '"leader_broker_id":[1-9]' <<<"$status" && ! grep -q '"leader_broker_id":0[,}]' <<<"$status"; then break; fi
  sleep 0.2
done
f() { python3 -c 'import json,sys; r=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
a=$("$bin/tools/mqbench/mqbench" produce --topic a --window 1000 --count 100000 --size 1024 --servers "$servers" --json 2>/dev/null | f '"async %d/s" % r["msgs_per_s"]')
e=$("$bin/tools/mqbench/mqbench" e2e --topic e --rate 5000 --count 15000 --size 1024 --servers "$servers" --json 2>/dev/null | f '"e2e5000 p50 %.2f p99 %.2f ms" % (r["e2e_us"]["p50"]/1000, r["e2e_us"]["p99"]/1000)')
echo "$*: $a; $e"
