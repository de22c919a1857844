#!/usr/bin/env bash
# Side by side, in one run: the disk, our 3-broker cluster (R3, ack after majority fsync), NATS
# JetStream R3 and a RabbitMQ quorum queue, on the scenarios of bench/RESULTS.md "End to end"
# (1 KiB messages):
#   (1) sync produce, one producer, 20,000 msgs     msgs/s, ack p50, p99
#   (2) async produce, window 1000, 200,000 msgs    msgs/s, MB/s
#   (3) consume the 200,000-message backlog of (2)  msgs/s
#   (4) end-to-end at 1,000 and 5,000 msgs/s        p50, p99
#   our brokers' RSS (VmRSS now and VmHWM peak, from /proc of the 3 mqbroker pids).
# The peers run through ../shared/peers (their scripts install their own packages, start and stop
# their servers); their raw results are read back and put in one table with ratios ours/peer.
#
# Usage: bash bench/compare.sh [--only raftmq] [--no-setup]
# Env:   RAFTMQ_BIN   a build dir laid out like build/release (broker/mqbroker,
#                     tools/mqadmin/mqadmin, tools/mqbench/mqbench); when it holds a build.ninja
#                     the three targets are (re)built there. Default: the release preset,
#                     configured and built here (build/release).
#        RUNS=1       repetitions of every scenario (tables show the median)
#        JOBS=2       build parallelism
#        COMPARE_OUT=/tmp/compare_out   raw results, logs, compare.md
#        DATA_DIR=/tmp                  disk tests and our cluster's data (the peers use /tmp too)
#        RAFTMQ_BASE_PORT=19871 RAFTMQ_HTTP_BASE_PORT=18871   our brokers' ports
# Output: the table on stdout and in $COMPARE_OUT/compare.md; raw lines (group, metric, unit,
# value, note; ../shared/peers format) in $COMPARE_OUT/*.raw.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
peers_dir=$(cd "$root/../shared/peers" 2>/dev/null && pwd || true)

only=""
setup=1
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only=${2:-}; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    --no-setup) setup=0; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$only" in ""|raftmq) ;; *) echo "compare.sh: --only takes raftmq" >&2; exit 2 ;; esac
if [ -z "$only" ] && [ -z "$peers_dir" ]; then
  echo "compare.sh: ../shared/peers not found next to the repo (use --only raftmq)" >&2; exit 1
fi

RUNS=${RUNS:-1}
JOBS=${JOBS:-2}
out=${COMPARE_OUT:-/tmp/compare_out}
data_dir=${DATA_DIR:-/tmp}
export RAFTMQ_BASE_PORT=${RAFTMQ_BASE_PORT:-19871}
export RAFTMQ_HTTP_BASE_PORT=${RAFTMQ_HTTP_BASE_PORT:-18871}
mkdir -p "$out"
raw="$out/raftmq.raw.tsv"
: >"$raw"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
rec() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-}" >>"$raw"; }
load_now() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- setup and build ----------------------------------------------------------------------
if [ "$setup" = 1 ]; then bash tools/setup.sh --bench; fi
targets=(mqbroker mqadmin mqbench stall_meter)
if [ -z "${RAFTMQ_BIN:-}" ]; then
  log "building the release preset (${targets[*]})"
  cmake --preset release >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }
  bin=$root/build/release
else
  bin=$(cd "$RAFTMQ_BIN" && pwd)
fi
if [ -f "$bin/build.ninja" ]; then
  log "building ${targets[*]} in $bin"
  cmake --build "$bin" --target "${targets[@]}" -j "$JOBS" >>"$out/build.log" 2>&1 ||
    { tail -30 "$out/build.log" >&2; exit 1; }
fi
for f in broker/mqbroker tools/mqadmin/mqadmin tools/mqbench/mqbench bench/stall_meter; do
  [ -x "$bin/$f" ] || { echo "compare.sh: missing $bin/$f" >&2; exit 1; }
done
mqbench=$bin/tools/mqbench/mqbench

# ---- machine and disk -------------------------------------------------------------------
{
  echo "date: $(date -u '+%F %H:%M UTC')"
  echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"\
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
  echo "data: $data_dir on $(df -P "$data_dir" | awk 'NR==2 {print $1}')"\
    "($(findmnt -no FSTYPE -T "$data_dir" 2>/dev/null || echo '?'))"
  echo "load at start: $(load_now)"
} >"$out/machine.txt"
cat "$out/machine.txt" >&2

log "disk: dd 1 GiB bs=1M conv=fdatasync; fio 4 KiB write + fdatasync"
ddfile="$data_dir/compare_dd.$$"
dd_line=$(dd if=/dev/zero of="$ddfile" bs=1M count=1024 conv=fdatasync 2>&1 | tail -1)
rm -f "$ddfile"
dd_secs=$(sed -E 's/.*copied, ([0-9.]+) s.*/\1/' <<<"$dd_line")
rec "disk" "dd bs=1M count=1024 conv=fdatasync" MB/s "$(awk -v s="$dd_secs" 'BEGIN {printf "%.1f", 1073.741824 / s}')"
fiofile="$data_dir/compare_fio.$$"
fio --name=cmp --filename="$fiofile" --rw=write --bs=4k --size=80m --ioengine=sync --fdatasync=1 \
  --runtime=10 --output-format=json >"$out/fio.json" 2>/dev/null
rm -f "$fiofile"
rec "disk" "fio 4 KiB write + fdatasync" IOPS \
  "$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["jobs"][0]["write"]["iops"]))' "$out/fio.json")"

log "machine: does it freeze when busy? (bench/machine/cpu_cap.sh)"
RAFTMQ_BIN=$bin TMPDIR=$data_dir bash bench/machine/cpu_cap.sh 2000 3 >"$out/cpu_cap.md"
rec "machine" "stalled share, 2 CPU burners + fio 2000 fdatasync/s" "%" \
  "$(awk -F'|' '$2 ~ /^ both/ {gsub(/[ %]/, "", $5); print $5}' "$out/cpu_cap.md")"

# ---- our cluster ------------------------------------------------------------------------
cluster_dir="$data_dir/raftmq_compare.$$"
export RAFTMQ_BIN=$bin RAFTMQ_CLUSTER_DIR=$cluster_dir
servers=$(for i in 0 1 2; do printf '127.0.0.1:%s,' $((RAFTMQ_BASE_PORT + i)); done)
servers=${servers%,}
cluster_up=0
cleanup() {
  if [ "$cluster_up" = 1 ]; then bash tools/cluster.sh stop >/dev/null 2>&1 || true; fi
  rm -rf "$cluster_dir"
}
trap cleanup EXIT INT TERM

broker_pids() { cat "$cluster_dir"/broker*.pid 2>/dev/null; }
# rss_kb FIELD -> the sum and the max over the brokers of /proc/PID/status FIELD (kB)
rss_kb() {
  local p
  for p in $(broker_pids); do awk -v f="$1:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null; done |
    awk '{s += $1; if ($1 > m) m = $1} END {printf "%d %d\n", s, m}'
}
peak_rss_max=0
note_rss() { # after each scenario: the largest single-broker RSS seen
  local _sum max
  read -r _sum max < <(rss_kb VmRSS)
  if [ "$max" -gt "$peak_rss_max" ]; then peak_rss_max=$max; fi
}

# bench NAME ARGS... -> JSON result in $out/NAME.json (progress in NAME.log); fails loudly.
bench() {
  local name=$1; shift
  if ! "$mqbench" "$@" --servers "$servers" --json >"$out/$name.json" 2>"$out/$name.log"; then
    echo "compare.sh: mqbench $name failed:" >&2; tail -5 "$out/$name.log" >&2
    cat "$out/$name.json" >&2; return 1
  fi
  note_rss
}
# j FILE EXPR -> a value of a JSON result (python expression on `r`)
j() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

g="raftmq R3"
log "starting our 3-broker cluster ($bin, data $cluster_dir, ports $RAFTMQ_BASE_PORT..)"
bash tools/cluster.sh start >"$out/cluster_start.log" 2>&1 || { cat "$out/cluster_start.log" >&2; exit 1; }
cluster_up=1
for run in $(seq 1 "$RUNS"); do
  t="cmp${run}_$$"
  log "=== raftmq run $run/$RUNS (load $(load_now))"
  bench "sync_r$run" produce --topic "${t}_sync" --sync --count 20000 --size 1024
  f="$out/sync_r$run.json"
  rec "$g" "sync produce msgs/s" msg/s "$(j "$f" "r['msgs_per_s']")" "mqbench produce --sync, 20000 x 1 KiB"
  rec "$g" "sync produce p50" us "$(j "$f" "r['ack_us']['p50']")"
  rec "$g" "sync produce p99" us "$(j "$f" "r['ack_us']['p99']")"
  log "  sync: $(j "$f" "r['msgs_per_s']") msgs/s p50 $(j "$f" "r['ack_us']['p50']") us"

  bench "async_r$run" produce --topic "${t}_async" --window 1000 --count 200000 --size 1024
  f="$out/async_r$run.json"
  rec "$g" "async produce msgs/s" msg/s "$(j "$f" "r['msgs_per_s']")" "mqbench produce --window 1000, 200000 x 1 KiB"
  rec "$g" "async produce MB/s" MB/s "$(j "$f" "round(r['bytes_per_s'] / 1e6, 2)")"
  rec "$g" "async produce ack p50" us "$(j "$f" "r['ack_us']['p50']")"
  log "  async: $(j "$f" "r['msgs_per_s']") msgs/s"

  bench "consume_r$run" consume --topic "${t}_async" --fetch-messages 1000
  f="$out/consume_r$run.json"
  rec "$g" "consume backlog msgs/s" msg/s "$(j "$f" "r['msgs_per_s']")" "mqbench consume, fresh group from earliest, $(j "$f" "r['messages']") msgs"
  log "  consume: $(j "$f" "r['msgs_per_s']") msgs/s"

  for spec in 1000:4000 5000:20000; do
    rate=${spec%%:*} n=${spec##*:}
    # The machine's own stalls while it runs (stall_meter: a thread waking every 0.5 ms).
    "$bin/bench/stall_meter" --seconds $((n / rate)) >"$out/stalls_e2e${rate}_r$run.json" &
    meter=$!
    bench "e2e${rate}_r$run" e2e --topic "${t}_e2e$rate" --rate "$rate" --count "$n" --size 1024
    wait "$meter"
    rec "$g" "machine stalled during e2e @$rate" "%" \
      "$(j "$out/stalls_e2e${rate}_r$run.json" "round(100 * r['stalled_share'], 1)")"
    rec "$g" "longest machine stall during e2e @$rate" ms \
      "$(j "$out/stalls_e2e${rate}_r$run.json" "r['longest_ms']")"
    f="$out/e2e${rate}_r$run.json"
    rec "$g" "e2e @$rate p50" us "$(j "$f" "r['e2e_us']['p50']")" "mqbench e2e --rate $rate, $n msgs, 1 consumer"
    rec "$g" "e2e @$rate p99" us "$(j "$f" "r['e2e_us']['p99']")"
    log "  e2e @$rate: p50 $(j "$f" "r['e2e_us']['p50']") us p99 $(j "$f" "r['e2e_us']['p99']") us"
  done
done
read -r rss_sum rss_max < <(rss_kb VmRSS)
read -r hwm_sum hwm_max < <(rss_kb VmHWM)
rec "$g" "broker RSS, largest broker, after the runs" MiB "$(awk -v k="$rss_max" 'BEGIN {printf "%.1f", k/1024}')" "3 brokers together: $(awk -v k="$rss_sum" 'BEGIN {printf "%.0f", k/1024}') MiB"
rec "$g" "broker RSS peak (VmHWM), largest broker" MiB "$(awk -v k="$hwm_max" 'BEGIN {printf "%.1f", k/1024}')" "sum of peaks $(awk -v k="$hwm_sum" 'BEGIN {printf "%.0f", k/1024}') MiB"
bash tools/cluster.sh stop >/dev/null 2>&1 || true
cluster_up=0
echo "load after raftmq: $(load_now)" >>"$out/machine.txt"

# ---- peers ------------------------------------------------------------------------------
if [ -z "$only" ]; then
  log "=== NATS JetStream R3 (../shared/peers/run_nats.sh, RUNS=$RUNS)"
  REPLICAS_LIST=3 RUNS=$RUNS PEERS_OUT="$out/nats" SYNC_N=20000 ASYNC_N=200000 WINDOW=1000 \
    FETCH_BATCH=1000 E2E_N=20000 E2E_RATE=5000 E2E_LOW_N=4000 E2E_LOW_RATE=1000 MSG_SIZE=1024 \
    bash "$peers_dir/run_nats.sh" >"$out/nats.log" 2>&1 || { tail -20 "$out/nats.log" >&2; exit 1; }
  echo "load after nats: $(load_now)" >>"$out/machine.txt"
  log "=== RabbitMQ quorum queue (../shared/peers/run_rabbitmq.sh, RUNS=$RUNS)"
  RUNS=$RUNS PEERS_OUT="$out/rabbitmq" RMQ_SYNC_N=20000 RMQ_ASYNC_N=200000 RMQ_WINDOW=1000 \
    MSG_SIZE=1024 bash "$peers_dir/run_rabbitmq.sh" >"$out/rabbitmq.log" 2>&1 ||
    { tail -20 "$out/rabbitmq.log" >&2; exit 1; }
  echo "load after rabbitmq: $(load_now)" >>"$out/machine.txt"
fi

# ---- the table ------------------------------------------------------------------------
python3 - "$raw" "$out/nats/nats.raw.tsv" "$out/rabbitmq/rabbitmq.raw.tsv" "$out/machine.txt" \
  "$RUNS" >"$out/compare.md" <<'PY'
import os, statistics, sys
raw_ours, raw_nats, raw_rmq, machine, runs = sys.argv[1:6]

def load(path):
    vals = {}
    if not os.path.exists(path):
        return vals
    for line in open(path):
        p = line.rstrip("\n").split("\t")
        if len(p) < 4:
            continue
        try:
            vals.setdefault((p[0], p[1], p[2]), []).append(float(p[3]))
        except ValueError:
            pass
    return vals

ours, nats, rmq = load(raw_ours), load(raw_nats), load(raw_rmq)
def med(d, g, m, u):
    v = d.get((g, m, u))
    return statistics.median(v) if v else None

O, N, R = "raftmq R3", "nats default R3", "rabbitmq quorum queue"
# (label, unit shown, scale, higher is better, ours key, nats key, rabbitmq key); keys = (metric, unit)
rows = [
    ("(1) sync produce, 1 producer, 20,000 msgs", "msgs/s", 1, True,
     ("sync produce msgs/s", "msg/s"), ("sync publish (1 producer, wait each ack)", "msg/s"),
     ("publish-confirm, window 1", "msg/s")),
    ("(1) sync produce ack p50", "ms", 1e-3, False, ("sync produce p50", "us"),
     ("sync publish ack latency p50", "us"), ("publish-confirm latency p50", "us")),
    ("(1) sync produce ack p99", "ms", 1e-3, False, ("sync produce p99", "us"),
     ("sync publish ack latency p99", "us"), ("publish-confirm latency p99", "us")),
    ("(2) async produce, window 1000, 200,000 msgs", "msgs/s", 1, True,
     ("async produce msgs/s", "msg/s"), ("async publish (window 1000)", "msg/s"),
     ("publish-confirm, window 1000", "msg/s")),
    ("(2) async produce", "MB/s", 1, True, ("async produce MB/s", "MB/s"),
     ("async publish (window 1000)", "MB/s"), ("publish-confirm, window 1000", "MB/s")),
    ("(3) consume a 200,000-msg backlog", "msgs/s", 1, True, ("consume backlog msgs/s", "msg/s"),
     ("consume, pull batch 1000, ack none", "msg/s"),
     ("consume (prefetch 1000, ack multiple/100)", "msg/s")),
    ("(4) end-to-end @1,000 msgs/s p50", "ms", 1e-3, False, ("e2e @1000 p50", "us"),
     ("end-to-end latency @1000 msg/s p50", "us"), None),
    ("(4) end-to-end @1,000 msgs/s p99", "ms", 1e-3, False, ("e2e @1000 p99", "us"),
     ("end-to-end latency @1000 msg/s p99", "us"), None),
    ("(4) end-to-end @5,000 msgs/s p50", "ms", 1e-3, False, ("e2e @5000 p50", "us"),
     ("end-to-end latency @5000 msg/s p50", "us"), None),
    ("(4) end-to-end @5,000 msgs/s p99", "ms", 1e-3, False, ("e2e @5000 p99", "us"),
     ("end-to-end latency @5000 msg/s p99", "us"), None),
]

def fmt(x):
    if x is None:
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"

def ratio(a, b, higher_better):
    if a is None or b is None or b == 0:
        return "-"
    r = a / b
    better = (r >= 1) if higher_better else (r <= 1)
    return f"{r:.2f}" + (" (better)" if better else " (worse)")

print(f"### End to end: RaftMQ vs NATS JetStream vs RabbitMQ (RUNS={runs}, medians)\n")
print(open(machine).read().strip().replace("\n", "  \n"))
print()
print("| scenario (1 KiB messages) | unit | RaftMQ R3 | NATS JetStream R3 | ours/NATS | RabbitMQ quorum, 1 node | ours/RabbitMQ |")
print("|---|---|---:|---:|---:|---:|---:|")
for label, unit, scale, hib, ko, kn, kr in rows:
    o = med(ours, O, *ko)
    n = med(nats, N, *kn)
    r = med(rmq, R, *kr) if kr else None
    o, n, r = [None if x is None else x * scale for x in (o, n, r)]
    print(f"| {label} | {unit} | {fmt(o)} | {fmt(n)} | {ratio(o, n, hib)} | {fmt(r)} | {ratio(o, r, hib)} |")
for metric in ("broker RSS, largest broker, after the runs", "broker RSS peak (VmHWM), largest broker"):
    print(f"| RaftMQ {metric} | MiB | {fmt(med(ours, O, metric, 'MiB'))} | | | | |")
print(f"| disk: dd 1 GiB bs=1M conv=fdatasync | MB/s | {fmt(med(ours, 'disk', 'dd bs=1M count=1024 conv=fdatasync', 'MB/s'))} | | | | |")
print(f"| disk: fio 4 KiB write + fdatasync | IOPS | {fmt(med(ours, 'disk', 'fio 4 KiB write + fdatasync', 'IOPS'))} | | | | |")
for rate in (1000, 5000):
    print(f"| machine stalled (stall_meter) during our e2e @{rate:,} | % of time | {fmt(med(ours, O, f'machine stalled during e2e @{rate}', '%'))} | | | | |")
    print(f"| longest stall during our e2e @{rate:,} | ms | {fmt(med(ours, O, f'longest machine stall during e2e @{rate}', 'ms'))} | | | | |")
print(f"| machine stalled, 2 CPU burners + fio 2,000 fdatasync/s, no RaftMQ | % of time | {fmt(med(ours, 'machine', 'stalled share, 2 CPU burners + fio 2000 fdatasync/s', '%'))} | | | | |")
print()
print("Ratios: throughput ours/peer (> 1 = we are faster), latency ours/peer (< 1 = we are faster).")
print("RaftMQ acks after a majority of the 3 brokers fsynced (fdatasync) the entry. **nats-server 2.9 "
      "does not fsync per write** (stream blocks are synced every 2 minutes, strace: zero fsync "
      "calls during publishes), so its figures are those of a broker without per-message "
      "durability. The RabbitMQ quorum queue (one node, Ra WAL fdatasync'ed per batch) is the "
      "fsync-equal peer; it has no end-to-end scenario in ../shared/peers.")
print()
print("The machine, without RaftMQ (bench/machine/cpu_cap.sh: stall_meter under loads of its own):")
print()
print(open(os.path.join(os.path.dirname(machine), "cpu_cap.md")).read().strip())
PY
cat "$out/compare.md"
