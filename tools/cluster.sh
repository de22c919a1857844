#!/usr/bin/env bash
# Runs a local RaftMQ cluster of 3 brokers on 127.0.0.1.
#
#   bash tools/cluster.sh start    start brokers 1..3 in the background (idempotent)
#   bash tools/cluster.sh stop     SIGTERM every broker, wait for a clean exit
#   bash tools/cluster.sh status   which brokers run, and the cluster as mqadmin sees it
#   bash tools/cluster.sh restart
#
# Environment: RAFTMQ_BIN (dir with broker/mqbroker and tools/mqadmin/mqadmin; default
# build/release), RAFTMQ_CLUSTER_DIR (data and logs; default build/cluster), RAFTMQ_BASE_PORT
# (default 9871: brokers on 9871-9873), RAFTMQ_HTTP_BASE_PORT (default 8871).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${RAFTMQ_BIN:-build/release}
dir=${RAFTMQ_CLUSTER_DIR:-build/cluster}
base=${RAFTMQ_BASE_PORT:-9871}
http_base=${RAFTMQ_HTTP_BASE_PORT:-8871}
brokers=(1 2 3)
peers=$(for i in "${brokers[@]}"; do printf '%s@127.0.0.1:%s,' "$i" $((base + i - 1)); done)
peers=${peers%,}
servers=$(for i in "${brokers[@]}"; do printf '127.0.0.1:%s,' $((base + i - 1)); done)
servers=${servers%,}

pid_of() { cat "$dir/broker$1.pid" 2>/dev/null || true; }
running() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

start() {
  [ -x "$bin/broker/mqbroker" ] || { echo "no $bin/broker/mqbroker: build first" >&2; exit 1; }
  mkdir -p "$dir"
  for i in "${brokers[@]}"; do
    if running "$i"; then echo "broker $i already running (pid $(pid_of "$i"))"; continue; fi
    "$bin/broker/mqbroker" --id "$i" --data "$dir/broker$i" --peers "$peers" \
      --http "127.0.0.1:$((http_base + i - 1))" >>"$dir/broker$i.log" 2>&1 &
    echo $! >"$dir/broker$i.pid"
    echo "broker $i: pid $!, port $((base + i - 1)), data $dir/broker$i, log $dir/broker$i.log"
  done
  # Ready when every group has a leader.
  for _ in $(seq 1 100); do
    if "$bin/tools/mqadmin/mqadmin" clusterList --servers "$servers" --deadline-ms 1000 --json 2>/dev/null |
      grep -q '"leader_broker_id"' && ! "$bin/tools/mqadmin/mqadmin" clusterList --deadline-ms 1000 \
      --servers "$servers" --json 2>/dev/null | grep -qE '"leader_broker_id": *0[,}]'; then
      echo "cluster ready: --servers $servers"
      return 0
    fi
    for i in "${brokers[@]}"; do
      running "$i" || { echo "broker $i exited; last log lines:" >&2; tail -20 "$dir/broker$i.log" >&2; exit 1; }
    done
    sleep 0.2
  done
  echo "cluster did not elect leaders within 20 s; see $dir/broker*.log" >&2
  exit 1
}

stop() {
  for i in "${brokers[@]}"; do
    if running "$i"; then kill -TERM "$(pid_of "$i")"; fi
  done
  for i in "${brokers[@]}"; do
    for _ in $(seq 1 100); do running "$i" || break; sleep 0.1; done
    if running "$i"; then echo "broker $i did not stop in 10 s; killing" >&2; kill -9 "$(pid_of "$i")"; fi
    rm -f "$dir/broker$i.pid"
  done
  echo "stopped"
}

status() {
  for i in "${brokers[@]}"; do
    if running "$i"; then echo "broker $i: running (pid $(pid_of "$i"))"; else echo "broker $i: stopped"; fi
  done
  "$bin/tools/mqadmin/mqadmin" clusterList --servers "$servers" || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  restart) stop; start ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
