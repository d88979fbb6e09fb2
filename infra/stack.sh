#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Local stack: Kafka (KRaft), Redis and PostgreSQL as the project's own processes under .local/,
# plus the coupon and timesale services. Usage: bash infra/stack.sh --help
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=install.sh
source "$INFRA_DIR/install.sh"
# shellcheck source=kafka.sh
source "$INFRA_DIR/kafka.sh"
# shellcheck source=redis.sh
source "$INFRA_DIR/redis.sh"
# shellcheck source=postgres.sh
source "$INFRA_DIR/postgres.sh"
# shellcheck source=services.sh
source "$INFRA_DIR/services.sh"

INFRA_COMPONENTS=(kafka redis postgres)

usage() {
  cat <<'EOF'
Usage: bash infra/stack.sh <command> [component]

Commands:
  install              install what is missing: redis-server, postgresql-15 (apt), the Kafka jars
                       (Maven Central), npm packages. Does nothing when all are present.
  start [component]    start kafka, redis and postgres (or just the one named) under .local/
  stop [component]     stop the services, then kafka, redis and postgres (or just the one named)
  status               one line per component: running/stopped, pid, address
  logs [component]     tail a log (follows when run in a terminal); components below
  reset                stop everything and delete all local data and logs (keeps the Kafka jars)
  up                   install + start + start the coupon and timesale services, print addresses
  down                 stop the services and the infrastructure
  -h, --help           this text

Components: kafka, redis, postgres, coupon, timesale (logs also: maven).

Environment:
  KAFKA_BROKERS        set => Kafka is external and not started locally (default localhost:9092)
  REDIS_URL            set => Redis is external (default redis://127.0.0.1:6380)
  DATABASE_URL         set => PostgreSQL is external
                       (default postgres://promotion:promotion@127.0.0.1:5433/promotion)
  LOCAL_KAFKA_PORT     local broker port (9092); LOCAL_KAFKA_CONTROLLER_PORT (9093)
  LOCAL_REDIS_PORT     local Redis port (6380)
  LOCAL_PG_PORT        local PostgreSQL port (5433)
  COUPON_PORT          coupon service port (3001); TIMESALE_PORT (3003)
  KAFKA_HEAP_OPTS      broker heap (-Xms512m -Xmx1g); KAFKA_OPTS: extra broker JVM options
  KAFKA_READY_TIMEOUT  seconds to wait for the broker (90); SERVICES_READY_TIMEOUT (60)
  JAVA_HOME            Java 17+ to use instead of 'java' on PATH
EOF
}

# Validates an optional component argument against the allowed list.
pick_components() { # pick_components <allowed...> -- [requested]
  local allowed=() a
  while [[ "$1" != -- ]]; do allowed+=("$1"); shift; done
  shift
  if [[ -z "${1:-}" ]]; then printf '%s\n' "${allowed[@]}"; return; fi
  for a in "${allowed[@]}"; do [[ "$a" == "$1" ]] && { printf '%s\n' "$1"; return; }; done
  die stack "unknown component '$1' (expected one of: ${allowed[*]})"
}

cmd_start() {
  if [[ "${1:-}" == --cluster ]]; then
    die kafka "--cluster (three brokers, replication factor 3) is not implemented yet;" \
      "kafka_write_config in infra/kafka.sh is parameterised for it"
  fi
  local comps before
  comps="$(pick_components "${INFRA_COMPONENTS[@]}" -- "${1:-}")"
  before="$(now_ms)"
  ensure_local_dirs
  # Kafka's JVM needs the longest to boot, so it starts first and is waited for last.
  [[ "$comps" == *kafka* ]] && { if is_external kafka; then kafka_start; else kafka_launch; fi; }
  [[ "$comps" == *redis* ]] && redis_start
  [[ "$comps" == *postgres* ]] && postgres_start
  [[ "$comps" == *kafka* ]] && kafka_wait_ready
  log stack "started in $(elapsed_since "$before")"
}

cmd_stop() {
  local comps c
  comps="$(pick_components coupon timesale "${INFRA_COMPONENTS[@]}" -- "${1:-}")"
  # Services first: they must not see their dependencies vanish while they still hold work.
  if [[ "$comps" == *coupon* || "$comps" == *timesale* ]]; then
    if [[ -z "${1:-}" ]]; then services_stop
    else
      local pid
      if pid="$(service_pid "$1")"; then log "$1" "stopping (pid $pid)"; stop_pid "$1" "$pid" 30; fi
      rm -f "$(pid_file "$1")"
    fi
  fi
  for c in "${INFRA_COMPONENTS[@]}"; do
    [[ "$comps" == *"$c"* ]] && "${c}_stop"
  done
  return 0
}

cmd_status() {
  kafka_status
  redis_status
  postgres_status
  services_status
}

cmd_logs() {
  local files=() comps c
  comps="$(pick_components kafka redis postgres coupon timesale maven -- "${1:-}")"
  for c in $comps; do
    [[ -f "$LOG_DIR/$c.log" ]] && files+=("$LOG_DIR/$c.log")
  done
  (( ${#files[@]} )) || die logs "no log files yet in ${LOG_DIR#"$ROOT_DIR"/}"
  if [[ -t 1 ]]; then exec tail -n 50 -F "${files[@]}"; else tail -n 100 "${files[@]}"; fi
}

cmd_reset() {
  cmd_stop
  log stack "deleting local data and logs (Kafka jars in ${KAFKA_LIBS#"$ROOT_DIR"/} are kept)"
  rm -rf "$KAFKA_DATA_DIR" "$KAFKA_CONFIG_DIR" "$KAFKA_HOME/logs" "$REDIS_DIR" "$PG_DIR" "$LOG_DIR" "$RUN_DIR"
}

cmd_up() {
  install_all
  cmd_start
  services_start
  print_summary
}

cmd_down() {
  cmd_stop
}

# Serialises commands that start or stop things, so two concurrent callers (a test run and a
# developer, say) cannot launch a second broker or stop one half-way through a start.
# fd 9 holds the lock; every daemon launch closes it ("9>&-") so the lock ends with this command.
take_stack_lock() {
  ensure_local_dirs
  exec 9>"$RUN_DIR/stack.lock"
  flock -w "${STACK_LOCK_TIMEOUT:-300}" 9 || die stack "another infra/stack.sh command is still running"
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    install | start | stop | reset | up | down) take_stack_lock ;;
  esac
  case "$cmd" in
    install) install_all ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    reset) cmd_reset ;;
    up) cmd_up ;;
    down) cmd_down ;;
    -h | --help | help) usage ;;
    "") usage; exit 2 ;;
    *) printf '[stack] unknown command: %s\n\n' "$cmd" >&2; usage >&2; exit 2 ;;
  esac
}

main "$@"
