#!/usr/bin/env bash
# Storage figures of record, side by side with the disk's own limits, in one run:
#   dd bs=1M count=1024 conv=fdatasync        vs  SegmentedLog, 1 KiB records, Sync per 1 MiB
#   fio 4 KiB append + fdatasync each (5000)  vs  SegmentedLog, 4 KiB records, Sync per append
#   reopen of a 1 GiB log whose last segment is full (warm and cold page cache; target < 0.5 s)
#   sequential read of that log from the page cache (target >= 2 GB/s)
# Each pair runs back to back, the whole set RUNS times (interleaved); the table gives medians,
# and each ratio is the median of the per-run ratios (ours / reference measured just before).
# Prints per-run figures on stderr and a markdown table on stdout (paste it into
# bench/RESULTS.md). Usage: bash bench/storage/run.sh
# Knobs: RUNS (default 3); RAFTMQ_BENCH_DIR (default build/bench_data; must be on the disk you
# measure; the script works in a fresh subdirectory of it and removes only that);
# RAFTMQ_BENCH_BUILD (an already configured build directory to use instead of the release preset).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
runs=${RUNS:-3}
sync_each_writes=5000  # kSyncEachAppends in storage_bench.cc

bash tools/setup.sh --bench >/dev/null
build=${RAFTMQ_BENCH_BUILD:-}
if [ -z "$build" ]; then
  cmake --preset release >/dev/null
  build=$root/build/release
fi
cmake --build "$build" --target storage_bench >/dev/null
bench=$build/bench/storage_bench

base=${RAFTMQ_BENCH_DIR:-$root/build/bench_data}
mkdir -p "$base"
work=$(mktemp -d "$base/storage_run.XXXXXX")
trap 'rm -rf "$work"' EXIT
export RAFTMQ_BENCH_DIR=$work

# storage_bench FILTER -> its CSV on stdout (its stderr stays visible); fails the script if the
# benchmark fails.
run_bench() {
  local csv
  if ! csv=$("$bench" --benchmark_format=csv --benchmark_filter="$1"); then
    echo "run.sh: storage_bench --benchmark_filter='$1' failed (see its stderr above)" >&2
    exit 1
  fi
  printf '%s\n' "$csv"
}
# field CSV NAME COLUMN: column 3 = real_time, 6 = bytes_per_second, 7 = items_per_second.
field() { awk -F',' -v n="\"$2/" -v c="$3" 'index($1, n) == 1 { print $c }' <<<"$1"; }

dd_mbps() {
  local out
  out=$(dd if=/dev/zero of="$work/dd.tmp" bs=1M count=1024 conv=fdatasync 2>&1 | tail -1)
  rm -f "$work/dd.tmp"
  # "1073741824 bytes (1.1 GB, 1.0 GiB) copied, 2.1 s, 511 MB/s"
  awk '{ for (i = 1; i <= NF; ++i) if ($i == "s,") printf "%.1f", $1 / $(i - 1) / 1e6 }' <<<"$out"
}

# fio_iops EXTRA...: 4 KiB writes, fdatasync after each, as many as storage_bench does.
fio_iops() {
  local out
  out=$(fio --name=sync4k --filename="$work/fio.tmp" --rw=write --bs=4k \
    --size=$((sync_each_writes * 4))k --ioengine=sync --fdatasync=1 --minimal "$@")
  rm -f "$work/fio.tmp"
  awk -F';' '{ printf "%.0f", $49 }' <<<"$out"  # terse format: field 49 = write IOPS
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
  if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
pct() { awk -v r="$1" 'BEGIN { printf "%.0f%%", 100 * r }'; }
fmt() { awk -v v="$1" -v d="$2" 'BEGIN { printf "%.*f", d, v }'; }
list() { local IFS=' '; echo "$*"; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
declare -a dd_rate group fio_app fio_over each reopen reopen_cold seq_read r_group r_each
for run in $(seq 1 "$runs"); do
  echo "== run $run/$runs (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  dd_rate+=("$(dd_mbps)")
  csv=$(run_bench 'BM_AppendGroupCommit')
  group+=("$(awk -v b="$(field "$csv" BM_AppendGroupCommit 6)" 'BEGIN { printf "%.1f", b / 1e6 }')")
  r_group+=("$(div "${group[-1]}" "${dd_rate[-1]}")")
  echo "dd ${dd_rate[-1]} MB/s; group commit ${group[-1]} MB/s" >&2

  fio_app+=("$(fio_iops --file_append=1)")
  csv=$(run_bench 'BM_AppendSyncEach')
  each+=("$(fmt "$(field "$csv" BM_AppendSyncEach 7)" 0)")
  r_each+=("$(div "${each[-1]}" "${fio_app[-1]}")")
  fio_over+=("$(fio_iops)")
  echo "fio append ${fio_app[-1]}/s; sync each ${each[-1]}/s; fio overwrite ${fio_over[-1]}/s" >&2

  csv=$(run_bench 'BM_Reopen|BM_SequentialRead')
  reopen+=("$(fmt "$(field "$csv" BM_Reopen 3)" 1)")
  reopen_cold+=("$(fmt "$(field "$csv" BM_ReopenCold 3)" 1)")
  seq_read+=("$(awk -v b="$(field "$csv" BM_SequentialRead 6)" 'BEGIN { printf "%.2f", b / 1e9 }')")
  echo "reopen ${reopen[-1]} ms (cold ${reopen_cold[-1]} ms); read ${seq_read[-1]} GB/s" >&2
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

met() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
  ok = (op == ">=") ? v >= t : v < t; print ok ? "yes" : "**no**" }'; }
m_group_ratio=$(median "${r_group[@]}")
m_each_ratio=$(median "${r_each[@]}")
m_reopen=$(median "${reopen[@]}")
m_reopen_cold=$(median "${reopen_cold[@]}")
m_read=$(median "${seq_read[@]}")
per_run() { local out=() v; for v in "$@"; do out+=("$(pct "$v")"); done; list "${out[@]}"; }

cat <<TABLE
Storage, $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p')), \
$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r); \
data on $(df --output=source "$base" | tail -1) ($(findmnt -no FSTYPE -T "$base")); \
load average $load_start at start, $load_end at end.
Command: \`RUNS=$runs bash bench/storage/run.sh\`; medians of $runs interleaved runs.

| measurement | RaftMQ | reference (same run) | ratio | per-run ratios | target | met |
|---|---|---|---|---|---|---|
| append 1 KiB records, fdatasync per 1 MiB group, 1 GiB | $(median "${group[@]}") MB/s | dd bs=1M count=1024 conv=fdatasync $(median "${dd_rate[@]}") MB/s | $(pct "$m_group_ratio") | $(per_run "${r_group[@]}") | >= 85% | $(met "$m_group_ratio" ">=" 0.85) |
| append 4 KiB + fdatasync each ($sync_each_writes) | $(median "${each[@]}") /s | fio 4k write+fdatasync, appending (file_append=1) $(median "${fio_app[@]}") /s | $(pct "$m_each_ratio") | $(per_run "${r_each[@]}") | >= 90% | $(met "$m_each_ratio" ">=" 0.90) |
| (information) | | fio same, overwriting a laid-out file $(median "${fio_over[@]}") /s | | | | |
| reopen of a 1 GiB log, last segment full, warm cache | $(fmt "$m_reopen" 1) ms | | | $(list "${reopen[@]}") ms | < 500 ms | $(met "$m_reopen" "<" 500) |
| same, log's pages dropped from the page cache | $(fmt "$m_reopen_cold" 1) ms | | | $(list "${reopen_cold[@]}") ms | < 500 ms | $(met "$m_reopen_cold" "<" 500) |
| sequential read of 1 GiB, page cache, 1 MiB per Read | $(fmt "$m_read" 2) GB/s | | | $(list "${seq_read[@]}") GB/s | >= 2 GB/s | $(met "$m_read" ">=" 2) |

Per run: dd $(list "${dd_rate[@]}") MB/s; group commit $(list "${group[@]}") MB/s; fio append \
$(list "${fio_app[@]}") /s; sync each $(list "${each[@]}") /s; fio overwrite $(list "${fio_over[@]}") /s.
TABLE
