#!/usr/bin/env bash
# Sets up, builds and runs every test. `CI=true` also runs the suite under ASan+UBSan.
# Usage: bash tools/test.sh [ctest args...]   e.g. bash tools/test.sh -L storage
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh
jobs=$(nproc)

run_preset() {
  local preset=$1; shift
  echo "== $preset: configure + build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== $preset: ctest"
  ctest --preset "$preset" -j "$jobs" "$@"
}

run_preset debug "$@"
if [ "${CI:-}" = "true" ]; then
  # Integration tests start real brokers and check failover time: they run in the debug pass;
  # under ASan the same processes would measure the sanitizer, not the broker.
  run_preset asan -LE integration "$@"
fi
echo "== all tests passed"
