#!/usr/bin/env bash
# Proves the style check can fail: plants forbidden includes in a scratch copy and expects
# check_layers.sh to reject each one, then expects a clean tree to pass.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

expect() {  # expect <want-exit> <file> <content>
  local want=$1 file=$2 content=$3
  rm -rf "$scratch"/*
  mkdir -p "$scratch/$(dirname "$file")"
  printf '%s\n' "$content" >"$scratch/$file"
  "$here/check_layers.sh" "$scratch" >/dev/null
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $file with '$content' exited $got, want $want"
    exit 1
  fi
}

expect 1 storage/log/x.cc '#include "raft/raft.h"'
expect 1 storage/base/x.h '#include "storage/fs/filesystem.h"'
expect 1 raft/x.cc '#include <thread>'
expect 1 raft/x.cc '#include "asio.hpp"'
expect 1 raft/x.cc '#include "storage/fs/filesystem.h"'
expect 1 raft/x.cc '#include "storage/base/clock.h"'
expect 1 client/x.cc '#include "broker/core/replica.h"'
expect 1 client/protocol/x.cc '#include "client/producer.h"'
expect 1 broker/x.cc '#include "client/producer.h"'
expect 0 raft/x.cc '#include "storage/base/prng.h"'
expect 0 raft/durable/x.cc '#include "storage/log/segmented_log.h"'
expect 0 broker/x.cc '#include "client/protocol/frame.h"'
expect 0 storage/log/x.cc '#include <thread>'
echo "style self-test: every planted violation was caught"
