# Sourced by the A/B scripts of bench/ (threads_ab.sh, flags_ab.sh, sync_syscalls.sh):
# ab_cluster_start FLAGS... starts a fresh 3-broker cluster of $bin (default build/release) with
# the given broker flags on ports 29971-29973, data in a temporary directory ($ab_dir), stopped
# and removed when the script exits, and returns once every group has a leader. Sets $servers,
# $ab_dir and $broker_pids. figure EXPR prints EXPR over the JSON on stdin (as `r`).
bin=${RAFTMQ_BIN:-build/release}
servers="127.0.0.1:29971,127.0.0.1:29972,127.0.0.1:29973"
broker_pids=()
ab_cluster_start() {
  ab_dir=$(mktemp -d /tmp/raftmq_ab.XXXXXX)
  local peers="1@127.0.0.1:29971,2@127.0.0.1:29972,3@127.0.0.1:29973" i status
  for i in 1 2 3; do
    "$bin/broker/mqbroker" --id "$i" --data "$ab_dir/b$i" --peers "$peers" "$@" >"$ab_dir/b$i.log" 2>&1 &
    broker_pids+=($!)
  done
  trap 'kill "${broker_pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$ab_dir"' EXIT
  for _ in $(seq 1 100); do
    status=$("$bin/tools/mqadmin/mqadmin" clusterList --servers "$servers" --deadline-ms 1000 --json 2>/dev/null)
    if grep -q '"leader_broker_id":[1-9]' <<<"$status" && ! grep -q '"leader_broker_id":0[,}]' <<<"$status"; then return 0; fi
    sleep 0.2
  done
  echo "no leader in every group after 20 s (logs in $ab_dir)" >&2
  return 1
}
figure() { python3 -c 'import json,sys; r=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
