#!/usr/bin/env bash
# The main job, from a fresh clone: set up, build (release) and run.
# Until the broker lands, "run" means: write a demo segmented commit log with group commits,
# read it back, and verify and summarize it with mqlogdump.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"

demo_dir=${RAFTMQ_DEMO_DIR:-build/demo_log}
rm -rf "$demo_dir"
echo "== writing a demo commit log in $demo_dir"
build/release/examples/segmented_log_demo "$demo_dir" 100000
echo "== mqlogdump --verify (every segment, every record's CRC)"
build/release/tools/mqlogdump/mqlogdump --verify --quiet "$demo_dir"
echo "== the first records"
build/release/tools/mqlogdump/mqlogdump --count 5 "$demo_dir"
echo "== done: inspect it yourself with build/release/tools/mqlogdump/mqlogdump --help"
