#!/usr/bin/env bash
# Storage figures of record, side by side with the disk's own limits, in one run:
#   dd bs=1M conv=fdatasync (sequential bandwidth)  vs  SegmentedLog appends, 1 MiB group commits
#   fio 4 KiB write + fdatasync each                vs  SegmentedLog 4 KiB append + Sync each
#   reopen of a 1 GiB log (target < 0.5 s), sequential read from page cache (target >= 2 GB/s)
# Prints a markdown table (paste it into bench/RESULTS.md). Usage: bash bench/storage/run.sh
# Knobs: RAFTMQ_BENCH_DIR (default build/bench_data, must be on the disk you measure).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
bash tools/setup.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target storage_bench >/dev/null

export RAFTMQ_BENCH_DIR=${RAFTMQ_BENCH_DIR:-$root/build/bench_data}
mkdir -p "$RAFTMQ_BENCH_DIR"
trap 'rm -rf "$RAFTMQ_BENCH_DIR"' EXIT

echo "measuring dd (1 GiB, bs=1M, conv=fdatasync)..." >&2
dd_line=$(dd if=/dev/zero of="$RAFTMQ_BENCH_DIR/dd.tmp" bs=1M count=1024 conv=fdatasync 2>&1 | tail -1)
rm -f "$RAFTMQ_BENCH_DIR/dd.tmp"
dd_seconds=$(awk '{for (i = 1; i <= NF; ++i) if ($i == "s,") print $(i-1)}' <<<"$dd_line")
dd_mbps=$(awk -v s="$dd_seconds" 'BEGIN { printf "%.1f", 1073741824 / s / 1e6 }')

echo "measuring fio (4 KiB write + fdatasync, 80 MiB)..." >&2
fio_iops=$(fio --name=append4k --filename="$RAFTMQ_BENCH_DIR/fio.tmp" --rw=write --bs=4k \
  --size=80m --ioengine=sync --fdatasync=1 --minimal | awk -F';' '{printf "%.0f", $49}')
rm -f "$RAFTMQ_BENCH_DIR/fio.tmp"

echo "running storage_bench..." >&2
csv=$(build/release/bench/storage_bench --benchmark_format=csv 2>/dev/null)
# csv: name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,...
field() { awk -F',' -v n="$1" -v c="$2" 'index($1, n) == 2 { print $c }' <<<"$csv"; }
group_mbps=$(awk -v b="$(field BM_AppendGroupCommit 6)" 'BEGIN { printf "%.1f", b / 1e6 }')
sync_each=$(awk -v v="$(field BM_AppendSyncEach 7)" 'BEGIN { printf "%.0f", v }')
reopen_ms=$(field BM_Reopen 3)
read_gbps=$(awk -v b="$(field BM_SequentialRead 6)" 'BEGIN { printf "%.2f", b / 1e9 }')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
cat <<TABLE
Storage, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r); command: bash bench/storage/run.sh

| measurement | RaftMQ | reference (same run) | ratio | target |
|---|---|---|---|---|
| append, 1 KiB records, fdatasync per 1 MiB group | ${group_mbps} MB/s | dd bs=1M conv=fdatasync ${dd_mbps} MB/s | $(ratio "$group_mbps" "$dd_mbps") | >= 85% |
| append 4 KiB + fdatasync each | ${sync_each} /s | fio 4k fdatasync ${fio_iops} /s | $(ratio "$sync_each" "$fio_iops") | >= 90% |
| reopen of a 1 GiB log | $(printf '%.1f' "$reopen_ms") ms | | | < 500 ms |
| sequential read, page cache | ${read_gbps} GB/s | | | >= 2 GB/s |
TABLE
