#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The fault suite of the cluster topology (`npm run test:cluster`). It starts the topology of
# infra/topology.sh from scratch on a stack of its own (LOCAL_DIR .local/cluster-test, every port derived
# from CLUSTER_TEST_PORT_BASE), prints how long that took and the memory it uses, runs test/cluster/*.test.ts
# one file at a time (the Redis Cluster client, cross-instance answers, the seed burst per strategy through
# HAProxy, v3 bursts under faults), prints the scenario summaries, and stops the topology even on failure.
#   bash infra/cluster-test.sh [test files, default test/cluster/*.test.ts]
# Environment: CLUSTER_TEST_LOCAL_DIR (.local/cluster-test), CLUSTER_TEST_PORT_BASE (31000: Kafka +92/+94/+96,
# controllers +93/+95/+97, PostgreSQL +433, PgBouncer +432, Redis Cluster +1..+6 (bus +11..+16), API instances +101..+104,
# HAProxy +301 (coupon) and +303 (timesale)), CLUSTER_TEST_KEEP=1 leaves the topology running afterwards,
# CHAOS_FLOWS=coupon|timesale limits the fault scenarios to one flow.
set -euo pipefail

base="${CLUSTER_TEST_PORT_BASE:-31000}"
export LOCAL_DIR="${CLUSTER_TEST_LOCAL_DIR:-.local/cluster-test}"
export LOCAL_KAFKA_PORT=$((base + 92)) LOCAL_KAFKA_CONTROLLER_PORT=$((base + 93))
export LOCAL_PG_PORT=$((base + 433)) LOCAL_PGBOUNCER_PORT=$((base + 432)) LOCAL_REDIS_PORT=$((base + 380))
export LOCAL_REDIS_CLUSTER_PORT=$((base + 1)) LOCAL_REDIS_CLUSTER_BUS_PORT=$((base + 11)) LOCAL_API_PORT=$((base + 101))
export COUPON_PORT=$((base + 301)) TIMESALE_PORT=$((base + 303))
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
# The suite kills these components: they are always the topology's own, never external ones.
unset KAFKA_BROKERS REDIS_URL DATABASE_URL KAFKA_CLUSTER_SIZE REDIS_CLUSTER_NODES

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT_DIR"
[[ "$LOCAL_DIR" != "$ROOT_DIR/.local" ]] ||
  die cluster-test "CLUSTER_TEST_LOCAL_DIR must not be the default stack's .local: the suite kills its nodes"

before="$(now_ms)"
bash infra/stack.sh install
bash infra/stack.sh reset >/dev/null
# shellcheck disable=SC2317 # runs from the EXIT trap
stop_topology() {
  local rc=$?
  if [[ "${CLUSTER_TEST_KEEP:-}" == 1 ]]; then
    log cluster-test "CLUSTER_TEST_KEEP=1: the topology keeps running (LOCAL_DIR=${LOCAL_DIR#"$ROOT_DIR"/} bash infra/stack.sh stop)"
  else
    bash infra/stack.sh stop >/dev/null 2>&1 || warn cluster-test "stopping the topology failed"
  fi
  return "$rc"
}
trap stop_topology EXIT
trap 'exit 130' INT TERM
started="$(now_ms)"
bash infra/stack.sh up --topology cluster
log cluster-test "topology started in $(elapsed_since "$started")"
# Resident memory of every process of the topology: the pid files, and PostgreSQL's postmaster with its
# backends.
rss_of() { ps -o rss= "$@" 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
pids=()
for f in "$RUN_DIR"/*.pid "$LOCAL_DIR"/pgbouncer/pgbouncer.pid "$LOCAL_DIR"/haproxy/haproxy.pid; do
  [[ -s "$f" ]] && pids+=("$(head -n1 "$f" | tr -dc '0-9')")
done
postmaster="$(head -n1 "$LOCAL_DIR/postgres/data/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
rss_kb=$(( $(rss_of -p "$(IFS=,; echo "${pids[*]}")") + $(rss_of -p "$postmaster") + $(rss_of --ppid "$postmaster") ))
log cluster-test "memory: $((rss_kb / 1024)) MiB resident in the topology's ${#pids[@]} processes and PostgreSQL"
free -m | sed 's/^/    /'

export CLUSTER_TOPOLOGY_DIR="$LOCAL_DIR"
export CHAOS_REPORT="$LOG_DIR/cluster-report.txt"
: >"$CHAOS_REPORT"
rc=0
files=("$@")
(( ${#files[@]} > 0 )) || files=(test/cluster/redis-cluster.test.ts test/cluster/instances.test.ts test/cluster/bursts.test.ts test/cluster/faults.test.ts)
log cluster-test "node --test ${files[*]}"
"$ROOT_DIR/node_modules/.bin/node" --test --test-concurrency=1 --test-timeout=300000 "${files[@]}" || rc=$?

printf '\n[stack] cluster-test: ===== summary (%s) =====\n' "${CHAOS_REPORT#"$ROOT_DIR"/}"
cat "$CHAOS_REPORT"
log cluster-test "$( ((rc == 0)) && echo passed || echo FAILED) in $(elapsed_since "$before"); logs in ${LOG_DIR#"$ROOT_DIR"/}/"
exit "$rc"
