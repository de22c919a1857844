#!/usr/bin/env bash
# Installs every build and test dependency of RaftMQ from Debian 12 packages; with --bench, also
# what only the benchmark scripts in bench/ use (CI and the tests need none of it).
# Idempotent and fast when everything is present (one dpkg-query, no apt-get call).
# Usage: bash tools/setup.sh [--bench]
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config ccache git
  libasio-dev libflatbuffers-dev flatbuffers-compiler liblz4-dev libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev   # libFuzzer targets (fuzz preset)
)
bench_packages=(
  fio                        # reference disk measurements in bench/
)
case "${1:-}" in
  "") ;;
  --bench) packages+=("${bench_packages[@]}") ;;
  *) echo "usage: bash tools/setup.sh [--bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root (or install sudo)" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
