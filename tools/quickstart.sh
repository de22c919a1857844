#!/usr/bin/env bash
# The main job, from a fresh clone: set up, build (release), and start a local 3-broker
# cluster on 127.0.0.1 (tools/cluster.sh), with a demo topic, then show how to use it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target mqbroker mqadmin

export RAFTMQ_BIN=build/release
bash tools/cluster.sh start
mqadmin=build/release/tools/mqadmin/mqadmin
$mqadmin updateTopic --topic demo --queues 8 >/dev/null
cat <<TEXT

RaftMQ is running: 3 brokers on 127.0.0.1:9871-9873 (data and logs in build/cluster).
Try it (every mqadmin command has --help; see docs/mqadmin.md):

  $mqadmin sendMessage --topic demo --tag hello --body 'Hello, RaftMQ'
  $mqadmin consumeMessage --topic demo --group demo-readers --from earliest --count 1

  $mqadmin clusterList          # groups, leaders, terms, commit indexes
  $mqadmin topicStatus --topic demo

Stop the cluster:  bash tools/cluster.sh stop
TEXT
