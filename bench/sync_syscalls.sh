#!/usr/bin/env bash
# Syscalls and context switches per sync produce, on the 3 brokers: starts a fresh cluster (release
# build, ports 29971-29973) with the given broker flags, sends 200 warm-up then N=3000 sync 1 KiB
# messages to a topic of QUEUES=1 queue(s) under `perf stat`, prints p50/p99 and the counts per
# message. Counts are stable on a noisy machine where latencies are not. Needs linux-perf.
# Usage: bash bench/sync_syscalls.sh [broker flags], e.g. --threads 1 --disk-threads 0

set -u
cd "$(dirname "$0")/.."
source bench/ab_cluster.sh
ab_cluster_start "$@" || exit 1
d=$ab_dir
N=${N:-3000}
"$bin/tools/mqbench/mqbench" produce --topic s --queues ${QUEUES:-1} --sync --count 200 --size 1024 --servers "$servers" >/dev/null 2>&1
perf stat -x, -e context-switches,syscalls:sys_enter_futex,syscalls:sys_enter_fdatasync,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvmsg,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_pwrite64 -p "$(IFS=,; echo "${broker_pids[*]}")" -o $d/perf.txt -- \
  "$bin/tools/mqbench/mqbench" produce --topic s --queues ${QUEUES:-1} --sync --count $N --size 1024 --servers "$servers" --json > $d/r.json 2>/dev/null
python3 - "$d" "$N" <<'PY'
import json,sys
d,n=sys.argv[1],int(sys.argv[2])
r=json.load(open(d+"/r.json"))
out=[]
for line in open(d+"/perf.txt"):
    f=line.strip().split(",")
    if len(f)>2 and f[0].replace('.','').isdigit(): out.append("%s %.2f"%(f[2].replace("syscalls:sys_enter_",""), int(f[0])/n))
print("sync p50 %.3f p99 %.3f ms; brokers per msg: %s"%(r["ack_us"]["p50"]/1000, r["ack_us"]["p99"]/1000, ", ".join(out)))
PY
