#!/usr/bin/env bash
# Raft figures of record, side by side with the disk's own limit, in one run (about 45 s):
#   fio 4 KiB write + fdatasync each (5 s)  vs  3 Drivers on RaftLogStore, 1 KiB entries, with
#   (and 3 such streams at once, 5 s)           1..256 closed-loop proposers (group commit)
#   raft_core_bench: the pure core, 3 nodes in one thread, no I/O (target >= 1M entries/s batched)
# Prints markdown tables (paste them into bench/RESULTS.md). Usage: bash bench/raft/run.sh
# Knobs: RAFTMQ_BENCH_DIR (default build/bench_data, must be on the disk you measure).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
bash tools/setup.sh --bench >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target raft_core_bench raft_disk_bench >/dev/null

export RAFTMQ_BENCH_DIR=${RAFTMQ_BENCH_DIR:-$root/build/bench_data}
mkdir -p "$RAFTMQ_BENCH_DIR"
trap 'rm -rf "$RAFTMQ_BENCH_DIR"' EXIT

echo "measuring fio (4 KiB write + fdatasync, 5 s)..." >&2
fio_iops=$(fio --name=append4k --filename="$RAFTMQ_BENCH_DIR/fio.tmp" --rw=write --bs=4k \
  --size=64m --runtime=5 --time_based --ioengine=sync --fdatasync=1 --minimal |
  awk -F';' '{printf "%.0f", $49}')
rm -f "$RAFTMQ_BENCH_DIR/fio.tmp"
# Three nodes sync three logs at once; on some filesystems concurrent fdatasyncs share journal
# commits and each stream runs faster than one alone. The same pattern, three files at once:
echo "measuring fio (3 concurrent streams of 4 KiB write + fdatasync, 5 s)..." >&2
mkdir -p "$RAFTMQ_BENCH_DIR/fio3"
fio3_iops=$(fio --name=append4k --directory="$RAFTMQ_BENCH_DIR/fio3" --rw=write --bs=4k \
  --size=64m --runtime=5 --time_based --ioengine=sync --fdatasync=1 --numjobs=3 \
  --group_reporting --minimal | awk -F';' '{printf "%.0f", $49 / 3}')
rm -rf "$RAFTMQ_BENCH_DIR/fio3"

echo "running raft_disk_bench..." >&2
disk_csv=$(build/release/bench/raft_disk_bench --benchmark_format=csv 2>/dev/null)
echo "running raft_core_bench..." >&2
core_csv=$(build/release/bench/raft_core_bench --benchmark_format=csv 2>/dev/null)

# field <csv> <benchmark name> <column>: the column named in the csv header, for the benchmark
# whose name is exactly <benchmark name> or starts with "<benchmark name>/".
field() {
  awk -F',' -v n="$2" -v c="$3" '
    NR == 1 { gsub(/"/, ""); for (i = 1; i <= NF; ++i) if ($i == c) k = i; next }
    { name = $1; gsub(/"/, "", name) }
    k && (name == n || index(name, n "/") == 1) { print $k; exit }' <<<"$1"
}
fmt() { awk -v v="$1" -v d="$2" 'BEGIN { printf "%.*f", d, v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

cat <<HEAD
Raft, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r); command: bash bench/raft/run.sh

3 nodes in one process, 1 KiB entries, each node on its own thread and RaftLogStore directory,
real fdatasync; closed-loop proposers on the leader; latency = Propose -> applied on the leader.

fio 4k write + fdatasync, same run: ${fio_iops}/s for one stream; ${fio3_iops}/s per stream with 3
streams at once (the three nodes' logs share the disk the same way).

| proposers | committed entries/s | p50 commit | p99 commit | entries per fdatasync | leader fdatasync/s | commit rate / fio fsync rate | target |
|---|---|---|---|---|---|---|---|
HEAD
for p in 1 16 64 256; do
  name="BM_DiskCommit/proposers:$p"
  rate=$(field "$disk_csv" "$name" entries_per_s)
  p50=$(field "$disk_csv" "$name" p50_us)
  p99=$(field "$disk_csv" "$name" p99_us)
  per_sync=$(field "$disk_csv" "$name" entries_per_sync)
  syncs=$(field "$disk_csv" "$name" syncs_per_s)
  target=$([ "$p" -gt 1 ] && echo "> 1" || echo "")
  echo "| $p | $(fmt "$rate" 0) | $(fmt "$(awk -v v="$p50" 'BEGIN{print v/1000}')" 2) ms" \
    "| $(fmt "$(awk -v v="$p99" 'BEGIN{print v/1000}')" 2) ms | $(fmt "$per_sync" 1)" \
    "| $(fmt "$syncs" 0) | $(ratio "$rate" "$fio_iops") | $target |"
done

cat <<HEAD

The pure core (raft_core_bench): 3 RawNodes on MemoryStorage in one thread, zero-latency
in-memory network, no fsync; entries/s of CPU time of that one thread.

| batching | committed entries/s | Ready cycles per entry | messages per entry | target |
|---|---|---|---|---|
HEAD
for spec in "BM_CoreCommit/batch:1|off (1 proposal per cycle)" \
            "BM_CoreCommit/batch:64|64 proposals per cycle" \
            "BM_CoreCommit/batch:256|256 proposals per cycle" \
            "BM_CoreCommit/batch:1024|1024 proposals per cycle" \
            "BM_CoreCommitProposeBatch/batch:256|256 per cycle, one ProposeBatch call"; do
  name=${spec%%|*}
  label=${spec#*|}
  rate=$(field "$core_csv" "$name" entries_per_s)
  target=$([ "$name" = "BM_CoreCommit/batch:1" ] && echo "" || echo ">= 1000000")
  echo "| $label | $(fmt "$rate" 0) | $(fmt "$(field "$core_csv" "$name" cycles_per_entry)" 3)" \
    "| $(fmt "$(field "$core_csv" "$name" msgs_per_entry)" 3) | $target |"
done
