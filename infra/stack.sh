#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Local stack: Kafka (KRaft), Redis and PostgreSQL as the project's own processes under .local/ (LOCAL_DIR),
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
# shellcheck source=topology.sh
source "$INFRA_DIR/topology.sh"

INFRA_COMPONENTS=(kafka redis postgres)

usage() {
  cat <<'EOF'
Usage: bash infra/stack.sh <command> [--cluster | --topology cluster] [component]

Commands:
  install              install what is missing: redis-server, postgresql-15 (apt), the Kafka jars
                       (Maven Central), npm packages. Does nothing when all are present.
  start [component]    start kafka, redis and postgres (or just the one named) under LOCAL_DIR
  stop [component]     stop the services, then kafka, redis and postgres (or just the one named)
  status               one line per component: running/stopped, pid, address
  logs [component]     tail a log (follows when run in a terminal); components below
  reset                stop everything and delete all local data and logs (keeps the Kafka jars)
  up                   install + start + start the coupon and timesale services, print addresses
  down                 stop the services and the infrastructure
  -h, --help           this text

  --cluster            with start/up: Kafka as three brokers (KRaft, each also a controller),
                       replication factor 3, min.insync.replicas 2 (same as KAFKA_CLUSTER_SIZE=3).
                       stop/status/logs follow the layout that runs; no flag needed.
  --topology cluster   with up: the production shape on this machine (docs/deployment.md): 3 Kafka
                       brokers, Redis Cluster of 3 masters + 3 replicas, PgBouncer (transaction pooling)
                       in front of PostgreSQL, per service 2 API instances (--no-consumer) behind HAProxy
                       on COUPON_PORT / TIMESALE_PORT (health check /ready) and 2 consumer processes.
                       stop/down/status follow it without the flag. --topology single is the default.

Components: kafka, redis, postgres, coupon, timesale (logs also: maven); in cluster mode also
kafka-1, kafka-2, kafka-3 for one broker (e.g. `stop kafka-2`, then `start kafka-2`).

Environment:
  KAFKA_BROKERS        set => Kafka is external and not started locally (default localhost:9092)
  REDIS_URL            set => Redis is external (default redis://127.0.0.1:6380)
  DATABASE_URL         set => PostgreSQL is external
                       (default postgres://promotion:promotion@127.0.0.1:5433/promotion)
  LOCAL_DIR            the stack's data, logs and pid files (.local, relative to the repository);
                       another LOCAL_DIR plus other ports runs a second, independent stack
  KAFKA_CLUSTER_SIZE   1 (default) or 3 brokers; --cluster sets 3
  LOCAL_KAFKA_PORT     broker port (9092; cluster: 9092, 9094, 9096)
  LOCAL_KAFKA_CONTROLLER_PORT  KRaft controller port (9093; cluster: 9093, 9095, 9097)
  LOCAL_REDIS_PORT     local Redis port (6380)
  LOCAL_PG_PORT        local PostgreSQL port (5433)
  COUPON_PORT          coupon service port (3001); TIMESALE_PORT (3003)
  KAFKA_HEAP_OPTS      broker heap (-Xms512m -Xmx1g); KAFKA_OPTS: extra broker JVM options
  KAFKA_READY_TIMEOUT  seconds to wait for the broker (90); SERVICES_READY_TIMEOUT (60)
  SERVICE_CONSUMER_NICE  CPU niceness of the services' consumer processes (10; their APIs run at 0)
  JAVA_HOME            Java 17+ to use instead of 'java' on PATH
  Topology cluster only (external KAFKA_BROKERS / REDIS_URL / DATABASE_URL are ignored there):
  LOCAL_REDIS_CLUSTER_PORT  first Redis Cluster node (7001; the six nodes on 7001-7006)
  LOCAL_REDIS_CLUSTER_BUS_PORT  their cluster bus ports (first one; default LOCAL_REDIS_CLUSTER_PORT + 10000)
  LOCAL_PGBOUNCER_PORT      PgBouncer (6432)
  LOCAL_API_PORT            first API instance (3101: coupon 3101-3102, timesale 3103-3104)
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

# kafka-<id> names one broker of the cluster layout; validated against the nodes of the layout.
kafka_node_arg() { # kafka_node_arg <component>  ->  node id, or nothing for a component that is not one
  [[ "$1" =~ ^kafka-([0-9]+)$ ]] || return 0
  local id="${BASH_REMATCH[1]}"
  (( KAFKA_SIZE > 1 && id >= 1 && id <= KAFKA_SIZE )) ||
    die kafka "no broker '$1' in this stack (Kafka runs as $KAFKA_SIZE node(s); start the cluster with --cluster)"
  printf '%s' "$id"
}

cmd_start() {
  local requested="${1:-}" comps before node=""
  kafka_resolve_layout "$CLUSTER_SIZE" start
  node="$(kafka_node_arg "$requested")"
  [[ -n "$node" ]] && requested=kafka
  comps="$(pick_components "${INFRA_COMPONENTS[@]}" -- "$requested")"
  before="$(now_ms)"
  ensure_local_dirs
  # Kafka's JVM needs the longest to boot, so it starts first and is waited for last.
  # shellcheck disable=SC2086 # $node is empty (every node) or one id
  [[ "$comps" == *kafka* ]] && { if is_external kafka; then kafka_start $node; else kafka_launch $node; fi; }
  [[ "$comps" == *redis* ]] && redis_start
  [[ "$comps" == *postgres* ]] && postgres_start
  # shellcheck disable=SC2086
  [[ "$comps" == *kafka* ]] && kafka_wait_ready $node
  log stack "started in $(elapsed_since "$before")"
}

cmd_stop() {
  local requested="${1:-}" comps c node=""
  kafka_resolve_layout "$CLUSTER_SIZE" stop
  node="$(kafka_node_arg "$requested")"
  if [[ -n "$node" ]]; then
    kafka_stop "$node"
    return 0
  fi
  comps="$(pick_components coupon timesale "${INFRA_COMPONENTS[@]}" -- "$requested")"
  # The topology's balancer, services, PgBouncer and Redis Cluster go first, then what every stack has.
  if [[ -z "$requested" ]] && topology_running; then topology_down; fi
  # Services first: they must not see their dependencies vanish while they still hold work.
  if [[ "$comps" == *coupon* || "$comps" == *timesale* ]]; then
    if [[ -z "$requested" ]]; then services_stop
    else service_stop "$requested"
    fi
  fi
  for c in "${INFRA_COMPONENTS[@]}"; do
    [[ "$comps" == *"$c"* ]] && "${c}_stop"
  done
  return 0
}

cmd_status() {
  kafka_resolve_layout "$CLUSTER_SIZE" status
  kafka_status
  if topology_running; then
    postgres_status
    topology_status
    return 0
  fi
  redis_status
  postgres_status
  services_status
}

cmd_logs() {
  local files=() comps c requested="${1:-}"
  kafka_resolve_layout "$CLUSTER_SIZE" logs
  if [[ -n "$(kafka_node_arg "$requested")" ]]; then comps="$requested"
  else
    comps="$(pick_components kafka redis postgres coupon timesale maven -- "$requested")"
    # "kafka" means every node of the layout.
    if [[ "$comps" == *kafka* ]]; then
      comps="${comps/kafka/}"
      for c in $(kafka_nodes); do comps+=" $(kafka_node_name "$c")"; done
    fi
  fi
  for c in $comps; do
    [[ -f "$LOG_DIR/$c.log" ]] && files+=("$LOG_DIR/$c.log")
    [[ -f "$LOG_DIR/$c-consumer.log" ]] && files+=("$LOG_DIR/$c-consumer.log")
  done
  (( ${#files[@]} )) || die logs "no log files yet in ${LOG_DIR#"$ROOT_DIR"/}"
  if [[ -t 1 ]]; then exec tail -n 50 -F "${files[@]}"; else tail -n 100 "${files[@]}"; fi
}

cmd_reset() {
  cmd_stop
  # The other Kafka layout may have been left running by hand; it goes too.
  if kafka_any_running 1; then kafka_layout 1; kafka_stop; fi
  if kafka_any_running 3; then kafka_layout 3; kafka_stop; fi
  log stack "deleting local data and logs under ${LOCAL_DIR#"$ROOT_DIR"/} (the Kafka jars are kept)"
  rm -rf "$KAFKA_HOME/data" "$KAFKA_HOME/config" "$KAFKA_HOME/cluster" "$KAFKA_HOME/logs" \
    "$REDIS_DIR" "$PG_DIR" "$LOG_DIR" "$RUN_DIR" "$REDIS_CLUSTER_DIR" "$PGBOUNCER_DIR" "$HAPROXY_DIR"
}

cmd_up() {
  if [[ "$TOPOLOGY" == cluster ]]; then
    # The topology runs its own local nodes only: connection variables of an external stack do not apply.
    unset KAFKA_BROKERS REDIS_URL DATABASE_URL
    topology_up
    return 0
  fi
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

# Explicit Kafka cluster size for this command: --cluster, else KAFKA_CLUSTER_SIZE, else none (the layout
# then follows what runs; see kafka_resolve_layout).
CLUSTER_SIZE="$KAFKA_CLUSTER_SIZE"
TOPOLOGY=single

main() {
  local cmd="${1:-}" args=() a
  [[ $# -gt 0 ]] && shift
  while (( $# > 0 )); do
    case "$1" in
      --cluster) CLUSTER_SIZE=3 ;;
      --topology) TOPOLOGY="${2:-}"; shift ;;
      --topology=*) TOPOLOGY="${1#--topology=}" ;;
      *) args+=("$1") ;;
    esac
    shift
  done
  [[ "$TOPOLOGY" == single || "$TOPOLOGY" == cluster ]] ||
    die stack "unknown topology '$TOPOLOGY' (expected single or cluster)"
  [[ "$TOPOLOGY" == single || "$cmd" == up ]] ||
    die stack "--topology cluster goes with 'up' (npm start -- --topology cluster)"
  (( ${#args[@]} <= 1 )) || die stack "too many arguments: ${args[*]}"
  case "$cmd" in
    install | start | stop | reset | up | down) take_stack_lock ;;
  esac
  case "$cmd" in
    install) install_all ;;
    start) cmd_start "${args[@]}" ;;
    stop) cmd_stop "${args[@]}" ;;
    status) cmd_status ;;
    logs) cmd_logs "${args[@]}" ;;
    reset) cmd_reset ;;
    up) cmd_up ;;
    down) cmd_down ;;
    -h | --help | help) usage ;;
    "") usage; exit 2 ;;
    *) printf '[stack] unknown command: %s\n\n' "$cmd" >&2; usage >&2; exit 2 ;;
  esac
}

main "$@"
