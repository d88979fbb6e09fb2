# Installation of everything the local stack needs. Sourced by stack.sh and kafka-tool.sh.
# Every step checks first, so a second run downloads nothing and takes well under a second.
# shellcheck shell=bash

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

as_root() {
  if (( EUID == 0 )); then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  else die install "need root to run: $* (re-run as root, or install it yourself)"
  fi
}

# Debian packages that are missing, as "package:reason" words.
missing_apt_packages() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || missing+=(redis-server)
  [[ -x "$PG_BIN/postgres" && -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] || missing+=(postgresql-15)
  command -v psql >/dev/null 2>&1 || missing+=(postgresql-client-15)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v ps >/dev/null 2>&1 || missing+=(procps)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  # The dashboard's browser test (Debian's Chromium, a Korean font for its labels) and the alert-rule check.
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  [[ -d /usr/share/fonts/truetype/nanum ]] || missing+=(fonts-nanum)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  # The cluster topology's load balancer and connection pooler (infra/topology.sh).
  command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
  command -v pgbouncer >/dev/null 2>&1 || missing+=(pgbouncer)
  printf '%s\n' "${missing[@]}"
}

install_apt_packages() {
  local pkgs=()
  mapfile -t pkgs < <(missing_apt_packages | sed '/^$/d')
  (( ${#pkgs[@]} )) || return 0
  log install "apt packages: ${pkgs[*]}"
  command -v apt-get >/dev/null 2>&1 || die install "apt-get not found; install these yourself: ${pkgs[*]}"

  # Package postinst scripts would start a system redis/postgres on boot ports; a policy-rc.d that
  # answers 101 ("action forbidden") stops that. An existing policy file is left untouched.
  local policy=/usr/sbin/policy-rc.d ours=0
  if [[ ! -e "$policy" ]]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    ours=1
  fi
  local rc=0 apt_log="$LOG_DIR/apt.log"
  {
    # The package lists may be missing on a fresh image; an update is cheap and only runs here.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 \
        --no-install-recommends "${pkgs[@]}"
  } >>"$apt_log" 2>&1 || rc=$?
  (( ours )) && as_root rm -f "$policy"
  if (( rc != 0 )); then
    show_log_tail "$apt_log" 30
    die install "apt-get install ${pkgs[*]} failed (exit $rc, full output in ${apt_log#"$ROOT_DIR"/})"
  fi
  log install "installed ${pkgs[*]} (apt output in ${apt_log#"$ROOT_DIR"/})"
  stop_system_services
}

# Belt and braces for systems where policy-rc.d is ignored (e.g. systemd): our ports must stay free.
stop_system_services() {
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    as_root systemctl disable --now redis-server postgresql prometheus haproxy pgbouncer >/dev/null 2>&1 || true
  fi
  local pid
  # Only the package's own server (Debian starts it on 6379): the stacks' servers (6380, or another
  # stack's port) show "redis-server 127.0.0.1:<port>" as their title too and must be left alone.
  for pid in $(pgrep -x redis-server 2>/dev/null || true); do
    [[ "$(tr '\0' ' ' </proc/"$pid"/cmdline)" == *:6379* ]] || continue
    log install "stopping the system redis-server started by the package (pid $pid)"
    as_root kill "$pid" 2>/dev/null || true
  done
  if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters -h 2>/dev/null | awk '$4 == "online" {print $1, $2}' | while read -r ver name; do
      log install "stopping the system PostgreSQL cluster $ver/$name started by the package"
      as_root pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 || true
    done
  fi
}

# Kafka broker and tool jars from Maven Central. The marker records the version and pom checksum,
# so an unchanged pom skips Maven completely.
install_kafka_jars() {
  local version marker want lock_fd
  version="$(kafka_version)"
  marker="$KAFKA_LIBS/.installed"
  want="kafka=$version pom=$(sha256sum "$INFRA_DIR/pom.xml" | cut -c1-16)"
  [[ -f "$marker" && "$(cat "$marker")" == "$want" ]] && return 0

  # A tool wrapper and the stacks may all get here on a fresh checkout; one resolves, the others wait.
  # The lock sits beside the shared jars, not in one stack's run directory.
  ensure_local_dirs
  mkdir -p "$(dirname "$KAFKA_LIBS")"
  exec {lock_fd}>"$KAFKA_LIBS.lock"
  flock -w 600 "$lock_fd" || die kafka "timed out waiting for another Kafka jar installation"
  if [[ -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
    exec {lock_fd}>&-
    return 0
  fi

  require_java
  command -v mvn >/dev/null 2>&1 || install_apt_packages
  command -v mvn >/dev/null 2>&1 || die kafka "Maven ('mvn') is needed to fetch the Kafka jars"
  log kafka "resolving Apache Kafka $version jars from Maven Central into ${KAFKA_LIBS#"$ROOT_DIR"/} (first run only)"
  local tmp="$KAFKA_LIBS.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! mvn -q -B -Dstyle.color=never -f "$INFRA_DIR/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$LOG_DIR/maven.log" 2>&1; then
    show_log_tail "$LOG_DIR/maven.log" 40
    die kafka "Maven could not resolve the Kafka jars (full output in ${LOG_DIR#"$ROOT_DIR"/}/maven.log)"
  fi
  # Swap the whole directory so a version change never leaves old jars on the classpath.
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  printf '%s' "$want" >"$marker"
  exec {lock_fd}>&-
  log kafka "installed $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars ($(du -sh "$KAFKA_LIBS" | cut -f1))"
}

install_npm_packages() {
  [[ -f "$ROOT_DIR/package.json" ]] || return 0
  local lock="$ROOT_DIR/package-lock.json" stamp="$ROOT_DIR/node_modules/.package-lock.json"
  if [[ -d "$ROOT_DIR/node_modules" && -f "$stamp" ]] && ! [[ -f "$lock" && "$lock" -nt "$stamp" ]]; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 || install_apt_packages
  # `npm install`, not `npm ci`: the lock file pins every version, but the registry reachable here does not
  # carry every platform's optional binary package (e.g. @biomejs/cli-darwin-x64), so the lock cannot list
  # them and `npm ci` refuses it as out of sync. `npm install` keeps the pinned versions and skips those.
  log npm "npm install (node_modules missing or older than package-lock.json)"
  (cd "$ROOT_DIR" && npm install --no-audit --no-fund --loglevel=error) || die npm "npm install failed (see above)"
  touch "$stamp"
}

install_all() {
  ensure_local_dirs
  local before; before="$(now_ms)"
  install_apt_packages
  require_java
  install_kafka_jars
  install_npm_packages
  log install "all dependencies present ($(elapsed_since "$before"))"
}
