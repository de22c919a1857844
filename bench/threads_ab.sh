#!/usr/bin/env bash
# One A/B point for the broker's --threads: starts a fresh 3-broker cluster with `--threads N`
# (release build, ports 29971-29973, data in a temporary directory), runs 3,000 sync produces
# and 100,000 async ones (window 1000, 1 KiB), prints one line, stops the cluster. Interleave
# several N (e.g. `for n in 4 2 1 4 2; do bash bench/threads_ab.sh $n; done`): the machine is noisy.
set -u
n=${1:?usage: bench/threads_ab.sh THREADS}
cd "$(dirname "$0")/.."
bin=${RAFTMQ_BIN:-build/release}
d=$(mktemp -d /tmp/raftmq_threads.XXXXXX)
peers="1@127.0.0.1:29971,2@127.0.0.1:29972,3@127.0.0.1:29973"
servers="127.0.0.1:29971,127.0.0.1:29972,127.0.0.1:29973"
pids=()
for i in 1 2 3; do
  "$bin/broker/mqbroker" --id "$i" --data "$d/b$i" --peers "$peers" --threads "$n" >"$d/b$i.log" 2>&1 &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$d"' EXIT
for _ in $(seq 1 100); do
  status=$("$bin/tools/mqadmin/mqadmin" clusterList --servers "$servers" --deadline-ms 1000 --json 2>/dev/null)
  if grep -q '"leader_broker_id":[1-9]' <<<"$status" && ! grep -q '"leader_broker_id":0[,}]' <<<"$status"; then break; fi
  sleep 0.2
done
figure() { python3 -c 'import json,sys; r=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
sync=$("$bin/tools/mqbench/mqbench" produce --topic s --sync --count 3000 --size 1024 \
  --servers "$servers" --json 2>/dev/null |
  figure '"sync %d/s p50 %s us p99 %s us" % (r["msgs_per_s"], r["ack_us"]["p50"], r["ack_us"]["p99"])')
async=$("$bin/tools/mqbench/mqbench" produce --topic a --window 1000 --count 100000 --size 1024 \
  --servers "$servers" --json 2>/dev/null | figure '"async %d/s" % r["msgs_per_s"]')
echo "threads $n: $sync; $async"
