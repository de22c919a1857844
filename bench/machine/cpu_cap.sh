#!/usr/bin/env bash
# Does this machine freeze when busy? stall_meter (a thread waking every 0.5 ms) under four
# loads that involve no RaftMQ code: idle; 2 threads burning CPU; fio writing 1 KiB blocks with
# an fdatasync each at a fixed rate (the host's disk work for this VM); both together.
# A VM whose host caps its CPU with a CFS quota (100 ms period) freezes at one phase of every
# 100 ms window once guest CPU + host-side I/O work pass the cap: stalls then appear in the
# last two rows only, clustered in one tenth of the window.
# Usage: bash bench/machine/cpu_cap.sh [FSYNCS_PER_S (default 2000)] [SECONDS (default 3)]
set -euo pipefail
cd "$(dirname "$0")/../.."
rate=${1:-2000} secs=${2:-3}
meter=${RAFTMQ_BIN:-build/release}/bench/stall_meter
[ -x "$meter" ] || { echo "cpu_cap.sh: build stall_meter first (cmake --build build/release --target stall_meter)" >&2; exit 1; }
command -v fio >/dev/null || { echo "cpu_cap.sh: fio missing (bash tools/setup.sh --bench)" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/cpu_cap.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
fio_load() { # runs fio in the background for SECONDS + 2
  fio --name=cap --directory="$dir" --rw=write --bs=1k --size=64m --ioengine=sync --fdatasync=1 \
    --numjobs=2 --rate_iops=$((rate / 2)) --runtime=$((secs + 2)) --time_based \
    --output-format=json >"$dir/fio.json" 2>/dev/null &
  sleep 1
}
row() { # LABEL ARGS...
  local label=$1; shift
  "$meter" --seconds "$secs" "$@" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("| %s | %d | %.0f | %.1f %% | %.1f | %s |" % (sys.argv[1], r["stalls"], r["stalled_ms"],
      100 * r["stalled_share"], r["longest_ms"], r["phase_tenths"]))' "$label"
}
echo "cpu_cap: $(date -u '+%F %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${secs} s per row"
echo
echo "| load (no RaftMQ) | stalls >= 3 ms | stalled ms | share | longest ms | stalls per 10 ms tenth of 100 ms |"
echo "|---|---:|---:|---:|---:|---|"
row "idle"
row "2 threads burning CPU" --spin 2
fio_load; row "fio ${rate} x (1 KiB write + fdatasync)/s"; wait
fio_load; row "both" --spin 2; wait
