# Shared helpers for the local stack scripts. Source it; it does not run anything by itself.
# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source it

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INFRA_DIR="$ROOT_DIR/infra"
# Everything one stack owns (data, logs, pid files, its lock) lives under LOCAL_DIR, so a second stack with
# its own LOCAL_DIR and LOCAL_*_PORTs runs beside the default one (the chaos suite does). Relative paths
# are taken from the repository root.
LOCAL_DIR="${LOCAL_DIR:-.local}"
[[ "$LOCAL_DIR" == /* ]] || LOCAL_DIR="$ROOT_DIR/$LOCAL_DIR"
LOCAL_DIR="${LOCAL_DIR%/}"
RUN_DIR="$LOCAL_DIR/run"
LOG_DIR="$LOCAL_DIR/logs"

LOCAL_KAFKA_PORT="${LOCAL_KAFKA_PORT:-9092}"
LOCAL_KAFKA_CONTROLLER_PORT="${LOCAL_KAFKA_CONTROLLER_PORT:-9093}"
LOCAL_REDIS_PORT="${LOCAL_REDIS_PORT:-6380}"
LOCAL_PG_PORT="${LOCAL_PG_PORT:-5433}"
COUPON_PORT="${COUPON_PORT:-3001}"
TIMESALE_PORT="${TIMESALE_PORT:-3003}"

# Brokers of 1 (default) or 3 (`start --cluster`); see infra/kafka.sh.
KAFKA_CLUSTER_SIZE="${KAFKA_CLUSTER_SIZE:-}"

KAFKA_HOME="$LOCAL_DIR/kafka"
# The jars are not state: every stack on this checkout shares the default stack's copy.
KAFKA_LIBS="$ROOT_DIR/.local/kafka/libs"

# ---------------------------------------------------------------- logging

log() { # log <component> <message...>
  local c="$1"; shift
  printf '[stack] %s: %s\n' "$c" "$*"
}
warn() {
  local c="$1"; shift
  printf '[stack] %s: WARNING: %s\n' "$c" "$*" >&2
}
die() {
  local c="$1"; shift
  printf '[stack] %s: ERROR: %s\n' "$c" "$*" >&2
  exit 1
}

# Print the end of a log file indented, so a failure message carries its own evidence.
show_log_tail() { # show_log_tail <file> [lines]
  local f="$1" n="${2:-30}"
  [[ -s "$f" ]] || return 0
  printf '[stack] ---- last %s lines of %s ----\n' "$n" "$f" >&2
  tail -n "$n" "$f" | sed 's/^/    /' >&2
  printf '[stack] ----\n' >&2
}

ensure_local_dirs() {
  mkdir -p "$RUN_DIR" "$LOG_DIR"
}

now_ms() { date +%s%3N; }
elapsed_since() { # elapsed_since <start-ms>  ->  "4.2 s"
  local ms=$(( $(now_ms) - $1 ))
  printf '%d.%d s' $(( ms / 1000 )) $(( ms % 1000 / 100 ))
}

# ---------------------------------------------------------------- waiting

# wait_for <timeout-seconds> <command...>: poll every 0.2 s until the command succeeds.
wait_for() {
  local timeout="$1"; shift
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < deadline )) || return 1
    sleep 0.2
  done
}

# ---------------------------------------------------------------- ports

# A plain TCP connect works on machines without ss/lsof/netcat.
port_open() { # port_open <port> [host]
  local port="$1" host="${2:-127.0.0.1}"
  timeout 1 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
}

port_owner() { # best effort description of who listens on a port
  local port="$1" line=""
  if command -v ss >/dev/null 2>&1; then
    line="$(ss -ltnpH "sport = :$port" 2>/dev/null || true)"
    line="$(grep -o 'users:(([^)]*))' <<<"$line" || true)"
  fi
  line="${line%%$'\n'*}"
  printf '%s' "${line:-unknown process}"
}

# Fail fast when a port we are about to use belongs to someone else.
require_free_port() { # require_free_port <component> <port>
  local c="$1" port="$2"
  if port_open "$port"; then
    die "$c" "port $port is already in use by $(port_owner "$port"), which is not the stack's own $c." \
      "Stop it, or choose another port (see 'bash infra/stack.sh --help')."
  fi
}

# ---------------------------------------------------------------- pid files

pid_file() { printf '%s/%s.pid' "$RUN_DIR" "$1"; }

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# The pid in <file> if that process is alive and its command line contains <marker>;
# guards against a stale pid file whose number was reused by an unrelated process.
read_live_pid() { # read_live_pid <file> <marker>
  local file="$1" marker="$2" pid cmdline
  [[ -s "$file" ]] || return 1
  pid="$(head -n1 "$file" | tr -dc '0-9')"
  pid_alive "$pid" || return 1
  # Read whole, then matched: `tr | grep -q` would fail under pipefail on a long command line (Kafka's
  # classpath), as grep exits at the first match and tr dies of SIGPIPE.
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$marker"* ]] || return 1
  printf '%s' "$pid"
}

# Stop a process (and its process group when it leads one): SIGTERM, wait, then SIGKILL.
stop_pid() { # stop_pid <component> <pid> [timeout-seconds]
  local c="$1" pid="$2" timeout="${3:-30}" target="$2"
  pid_alive "$pid" || return 0
  [[ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" == "$pid" ]] && target="-$pid"
  kill -TERM -- "$target" 2>/dev/null || true
  if ! wait_for "$timeout" bash -c "! kill -0 $pid"; then
    warn "$c" "pid $pid did not exit within ${timeout}s after SIGTERM; sending SIGKILL"
    kill -KILL -- "$target" 2>/dev/null || true
    wait_for 10 bash -c "! kill -0 $pid" || die "$c" "pid $pid survived SIGKILL"
  fi
}

# ---------------------------------------------------------------- borrowing the stack

# The infrastructure components (kafka, redis, postgres) that neither run in this stack nor are external,
# one per line. `status` is read whole before it is matched: piped into `grep -q`, it would die of SIGPIPE
# once grep had its match, and under pipefail every running component would look stopped.
stack_components_down() {
  local status component
  status="$(bash "$INFRA_DIR/stack.sh" status 2>/dev/null)" || die stack "'infra/stack.sh status' failed"
  for component in kafka redis postgres; do
    # kafka-1.. when the stack runs the three-broker cluster (start --cluster).
    grep -Eq "^${component}(-[0-9]+)?[[:space:]]+(running|external)" <<<"$status" ||
      printf '%s\n' "$component"
  done
}

# Makes sure kafka, redis and postgres run for the rest of the calling shell, and stops on its exit only
# those it had to start: what ran before (`npm start`, another test run) keeps running. Sets an EXIT trap.
stack_hold() {
  local down
  down="$(stack_components_down)"
  STACK_STARTED_HERE=()
  [[ -z "$down" ]] || mapfile -t STACK_STARTED_HERE <<<"$down"
  ((${#STACK_STARTED_HERE[@]} > 0)) || return 0
  log stack "starting ${STACK_STARTED_HERE[*]} (stopped again on exit)"
  trap stack_release EXIT
  bash "$INFRA_DIR/stack.sh" start
}

# shellcheck disable=SC2317 # runs from the EXIT trap set by stack_hold
stack_release() {
  local component
  for component in "${STACK_STARTED_HERE[@]}"; do
    env -u KAFKA_BROKERS -u REDIS_URL -u DATABASE_URL bash "$INFRA_DIR/stack.sh" stop "$component" >/dev/null 2>&1 || true
  done
}

# ---------------------------------------------------------------- misc

# A component is external when its connection variable is set: then nothing starts locally.
external_var() {
  case "$1" in
    kafka) printf 'KAFKA_BROKERS' ;;
    redis) printf 'REDIS_URL' ;;
    postgres) printf 'DATABASE_URL' ;;
  esac
}
# URLs may carry passwords; logs and status lines show them without.
redact_url() { sed -E 's#//[^/@]*@#//***@#' <<<"$1"; }

is_external() {
  local v; v="$(external_var "$1")"
  [[ -n "$v" && -n "${!v:-}" ]]
}

# Java binary and its major version (8 for "1.8.0_x", 17 for "17.0.15").
java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then printf '%s' "$JAVA_HOME/bin/java"
  else command -v java || true
  fi
}
java_major() {
  local v
  v="$("$(java_bin)" -version 2>&1 || true)"
  v="$(sed -n 's/.*version "\([^"]*\)".*/\1/p' <<<"$v")"
  v="${v%%$'\n'*}"
  [[ "$v" == 1.* ]] && v="${v#1.}"
  printf '%s' "${v%%[.+-]*}"
}
require_java() {
  local jb major
  jb="$(java_bin)"
  [[ -n "$jb" ]] || die java "no 'java' found (PATH or JAVA_HOME). Kafka needs Java 17 or newer:" \
    "apt-get install openjdk-17-jre-headless"
  major="$(java_major)"
  if ! [[ "$major" =~ ^[0-9]+$ ]] || (( major < 17 )); then
    die java "$jb is Java '${major:-?}', Kafka needs 17 or newer:" \
      "apt-get install openjdk-17-jre-headless, or point JAVA_HOME at a newer JDK"
  fi
}

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$INFRA_DIR/pom.xml"; }
