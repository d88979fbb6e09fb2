#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The fault-injection suite (`npm run test:chaos`). It runs on a stack of its own (LOCAL_DIR .local/chaos,
# Kafka 29092+, Redis 26380, PostgreSQL 25433) because its scenarios kill and restart Kafka, Redis and
# PostgreSQL; the default stack and anyone using it are never touched. Steps: install what is missing,
# wipe and start the chaos stack (single broker; the cluster scenario switches it to three brokers), run
# the scenarios one at a time, print their summaries, stop the stack even on failure.
#   bash infra/chaos.sh [test files, default test/chaos/*.test.ts test/chaos/cluster/*.test.ts]
# Environment: CHAOS_LOCAL_DIR, CHAOS_KAFKA_PORT (29092; controllers on +1, cluster nodes on +2, +4),
# CHAOS_REDIS_PORT (26380), CHAOS_PG_PORT (25433), CHAOS_KEEP=1 leaves the stack running afterwards.
set -euo pipefail

export LOCAL_DIR="${CHAOS_LOCAL_DIR:-.local/chaos}"
export LOCAL_KAFKA_PORT="${CHAOS_KAFKA_PORT:-29092}"
export LOCAL_KAFKA_CONTROLLER_PORT=$((LOCAL_KAFKA_PORT + 1))
export LOCAL_REDIS_PORT="${CHAOS_REDIS_PORT:-26380}"
export LOCAL_PG_PORT="${CHAOS_PG_PORT:-25433}"
# The suite kills these components: they are always the chaos stack's own, never external ones.
unset KAFKA_BROKERS REDIS_URL DATABASE_URL KAFKA_CLUSTER_SIZE

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT_DIR"
[[ "$LOCAL_DIR" != "$ROOT_DIR/.local" ]] ||
  die chaos "CHAOS_LOCAL_DIR must not be the default stack's .local: the suite wipes and kills its stack"

before="$(now_ms)"
bash infra/stack.sh install
log chaos "fresh stack in ${LOCAL_DIR#"$ROOT_DIR"/}"
bash infra/stack.sh reset >/dev/null
# shellcheck disable=SC2317 # runs from the EXIT trap
stop_stack() {
  local rc=$?
  if [[ "${CHAOS_KEEP:-}" == 1 ]]; then
    log chaos "CHAOS_KEEP=1: the stack keeps running (LOCAL_DIR=${LOCAL_DIR#"$ROOT_DIR"/} bash infra/stack.sh stop)"
  else
    bash infra/stack.sh stop >/dev/null 2>&1 || warn chaos "stopping the chaos stack failed"
  fi
  return "$rc"
}
trap stop_stack EXIT
trap 'exit 130' INT TERM # so that the EXIT trap stops the stack on Ctrl-C too
bash infra/stack.sh start

export CHAOS_LOCAL_DIR="$LOCAL_DIR"
export CHAOS_REPORT="$LOG_DIR/chaos-report.txt"
: >"$CHAOS_REPORT"
# The test process's own clients (policy checks, topic readers) use the same stack as the scenarios.
export KAFKA_BROKERS="localhost:$LOCAL_KAFKA_PORT"
export REDIS_URL="redis://127.0.0.1:$LOCAL_REDIS_PORT"
export DATABASE_URL="postgres://promotion:promotion@127.0.0.1:$LOCAL_PG_PORT/promotion"

run_tests() {
  log chaos "node --test $*"
  "$ROOT_DIR/node_modules/.bin/node" --test --test-concurrency=1 --test-timeout=300000 "$@" || rc=$?
}
rc=0
if (( $# > 0 )); then run_tests "$@"
else
  # Single-broker scenarios first, then the cluster ones, so the layout switches once. Two runs, because
  # node --test orders the files of one run by itself.
  shopt -s nullglob
  run_tests test/chaos/*.test.ts
  cluster=(test/chaos/cluster/*.test.ts)
  (( ${#cluster[@]} == 0 )) || run_tests "${cluster[@]}"
fi

printf '\n[stack] chaos: ===== summary (%s) =====\n' "${CHAOS_REPORT#"$ROOT_DIR"/}"
cat "$CHAOS_REPORT"
log chaos "$( ((rc == 0)) && echo passed || echo FAILED) in $(elapsed_since "$before");" \
  "process logs in ${LOG_DIR#"$ROOT_DIR"/}/chaos-*.log"
exit "$rc"
