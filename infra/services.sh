# The two application services (coupon, timesale) as background processes. Sourced by stack.sh.
# Each service runs as two processes, as in the design's diagram: its HTTP API (`<name>`, pid file and log
# `<name>.pid`/`<name>.log`) and its Kafka consumer (`<name>-consumer`), the consumer at a lower CPU
# priority (`nice`, SERVICE_CONSUMER_NICE) so that settling a backlog never takes the CPU the accept path
# needs: under a flood the lag grows and drains afterwards.
# shellcheck shell=bash

SERVICES=(coupon timesale)
SERVICES_READY_TIMEOUT="${SERVICES_READY_TIMEOUT:-60}"
SERVICE_CONSUMER_NICE="${SERVICE_CONSUMER_NICE:-10}"

service_port() { case "$1" in coupon) printf '%s' "$COUPON_PORT" ;; timesale) printf '%s' "$TIMESALE_PORT" ;; esac; }
# Only the service name is matched: a service may rewrite its process title.
service_pid() { read_live_pid "$(pid_file "$1")" "$1"; }
consumer_pid() { read_live_pid "$(pid_file "$1-consumer")" "$1"; }
service_health() { curl -fs -m 2 -o /dev/null "http://localhost:$(service_port "$1")/health" 2>/dev/null; }

# True when the entry point exists; it is developed separately and may not be there yet.
services_available() {
  [[ -f "$ROOT_DIR/src/main.ts" ]] && return 0
  log services "src/main.ts does not exist yet; coupon and timesale are not started"
  return 1
}

# The services' environment, as NAME=value words for `env`. The local ports are passed so that src/config.ts
# derives the Redis and PostgreSQL URLs from them (LOCAL_*_PORT overrides included); external URLs pass
# through untouched and win. A local Kafka cluster is given every broker (so a start survives one being
# down), and the replication factor its topics are created with.
service_env() {
  printf '%s\n' \
    "KAFKA_BROKERS=${KAFKA_BROKERS:-$(kafka_bootstrap)}" \
    "KAFKA_REPLICATION_FACTOR=${KAFKA_REPLICATION_FACTOR:-$(kafka_replication_factor)}" \
    "LOCAL_KAFKA_PORT=$LOCAL_KAFKA_PORT" "LOCAL_REDIS_PORT=$LOCAL_REDIS_PORT" "LOCAL_PG_PORT=$LOCAL_PG_PORT" \
    "COUPON_PORT=$COUPON_PORT" "TIMESALE_PORT=$TIMESALE_PORT"
}

# spawn_node <pid/log name> <nice> <args...>: one detached node process of a service.
spawn_node() {
  local name="$1" niceness="$2" node="$ROOT_DIR/node_modules/.bin/node" vars=()
  shift 2
  printf '\n===== [stack] %s start %s =====\n' "$name" "$(date -Is)" >>"$LOG_DIR/$name.log"
  mapfile -t vars < <(service_env)
  (
    cd "$ROOT_DIR" || exit 1
    # `env` keeps the pid: it execs nice, then setsid, then nohup, then node.
    env "${vars[@]}" nice -n "$niceness" setsid nohup "$node" src/main.ts "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null 9>&- &
    echo $! >"$(pid_file "$name")"
  )
  log "$name" "starting (pid $(cat "$(pid_file "$name")"), nice $niceness, log ${LOG_DIR#"$ROOT_DIR"/}/$name.log)"
}

service_launch() { # service_launch <name>
  local name="$1" port pid node="$ROOT_DIR/node_modules/.bin/node"
  port="$(service_port "$name")"
  [[ -x "$node" ]] || die "$name" "node_modules/.bin/node missing; run: bash infra/stack.sh install"
  ensure_local_dirs
  if pid="$(service_pid "$name")"; then
    log "$name" "API already running (pid $pid, port $port)"
  else
    require_free_port "$name" "$port"
    spawn_node "$name" 0 "$name" --no-consumer
  fi
  if pid="$(consumer_pid "$name")"; then
    log "$name-consumer" "already running (pid $pid)"
  else
    spawn_node "$name-consumer" "$SERVICE_CONSUMER_NICE" "$name" --no-http --instance stack
  fi
}

service_wait_ready() { # service_wait_ready <name> <deadline-epoch>
  local name="$1" deadline="$2" pid
  while ! service_health "$name"; do
    if ! pid="$(service_pid "$name")"; then
      show_log_tail "$LOG_DIR/$name.log" 40
      die "$name" "the process exited during startup (see ${LOG_DIR#"$ROOT_DIR"/}/$name.log)"
    fi
    if (( $(date +%s) >= deadline )); then
      show_log_tail "$LOG_DIR/$name.log" 40
      die "$name" "/health on port $(service_port "$name") not answering after ${SERVICES_READY_TIMEOUT}s (pid $pid)"
    fi
    sleep 0.3
  done
  if ! consumer_pid "$name" >/dev/null; then
    show_log_tail "$LOG_DIR/$name-consumer.log" 40
    die "$name-consumer" "the consumer exited during startup (see ${LOG_DIR#"$ROOT_DIR"/}/$name-consumer.log)"
  fi
  log "$name" "ready on http://localhost:$(service_port "$name") (API pid $(service_pid "$name" || echo '?'), consumer pid $(consumer_pid "$name" || echo '?'))"
}

services_start() {
  services_available || return 0
  local s deadline vars=()
  # The topics are created once, before the services start: two services creating the same topics at
  # the same moment can fail on a fresh cluster, where a replicated topic takes a while to show up.
  log services "creating missing topics (node src/main.ts topics)"
  mapfile -t vars < <(service_env)
  (cd "$ROOT_DIR" && env "${vars[@]}" LOG_LEVEL=warn "$ROOT_DIR/node_modules/.bin/node" src/main.ts topics 9>&-) ||
    die services "could not create the Kafka topics (see above)"
  deadline=$(( $(date +%s) + SERVICES_READY_TIMEOUT ))
  for s in "${SERVICES[@]}"; do service_launch "$s"; done
  for s in "${SERVICES[@]}"; do service_wait_ready "$s" "$deadline"; done
}

# service_stop <name>: the API first (no new requests), then the consumer, which finishes its batch and
# commits its offsets on SIGTERM.
service_stop() {
  local name="$1" pid
  if pid="$(service_pid "$name")"; then
    log "$name" "stopping the API (pid $pid)"
    stop_pid "$name" "$pid" "${SERVICES_STOP_TIMEOUT:-30}"
  fi
  rm -f "$(pid_file "$name")"
  if pid="$(consumer_pid "$name")"; then
    log "$name-consumer" "stopping (pid $pid)"
    stop_pid "$name-consumer" "$pid" "${SERVICES_STOP_TIMEOUT:-30}"
  fi
  rm -f "$(pid_file "$name-consumer")"
  log "$name" "stopped"
}

services_stop() {
  local s
  for s in "${SERVICES[@]}"; do service_stop "$s"; done
}

services_status() {
  local s pid
  for s in "${SERVICES[@]}"; do
    if pid="$(service_pid "$s")"; then
      printf '%-9s running   pid %-7s http://localhost:%s (API)\n' "$s" "$pid" "$(service_port "$s")"
    else
      printf '%-9s stopped   %-11s http://localhost:%s (API)\n' "$s" "" "$(service_port "$s")"
    fi
    if pid="$(consumer_pid "$s")"; then
      printf '%-9s running   pid %-7s consumer (nice %s)\n' "$s" "$pid" "$(ps -o ni= -p "$pid" | tr -d ' ')"
    else
      printf '%-9s stopped   %-11s consumer\n' "$s" ""
    fi
  done
}

print_summary() {
  local kafka redis pg
  kafka="${KAFKA_BROKERS:-$(kafka_bootstrap)}"
  redis="$(redact_url "${REDIS_URL:-redis://127.0.0.1:$LOCAL_REDIS_PORT}")"
  pg="postgres://promotion:promotion@127.0.0.1:$LOCAL_PG_PORT/promotion"
  [[ -n "${DATABASE_URL:-}" ]] && pg="$(redact_url "$DATABASE_URL") (external)"
  cat <<EOF

[stack] everything is up:
  Kafka        $kafka   (bin/kafka-topics --bootstrap-server $kafka --list)$(
    ((KAFKA_SIZE > 1)) && ! is_external kafka && printf '\n               %s brokers, replication factor %s, min.insync.replicas %s' \
      "$KAFKA_SIZE" "$(kafka_replication_factor)" "$(kafka_min_isr)")
  Redis        $redis
  PostgreSQL   $pg
EOF
  if service_pid coupon >/dev/null; then
    printf '  coupon API   http://localhost:%s   docs: http://localhost:%s/docs\n' "$COUPON_PORT" "$COUPON_PORT"
  fi
  if service_pid timesale >/dev/null; then
    printf '  timesale API http://localhost:%s   docs: http://localhost:%s/docs\n' "$TIMESALE_PORT" "$TIMESALE_PORT"
  fi
  printf '  logs         %s/   (bash infra/stack.sh logs <component>)\n\n' "${LOG_DIR#"$ROOT_DIR"/}"
}
