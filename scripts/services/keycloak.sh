#!/usr/bin/env bash
# Keycloak, the identity provider the hub's sign-in is tested against (OpenID Connect, realm kho).
#   scripts/services/keycloak.sh start    idempotent; waits until the realm's discovery answers
#   scripts/services/keycloak.sh stop     by PID
#   scripts/services/keycloak.sh status   exit 0 when running and healthy, 1 otherwise
#   scripts/services/keycloak.sh reset    stop, forget the realm's database, start (re-imports)
#
# No Docker and no tarball download: the distribution is org.keycloak:keycloak-quarkus-dist (zip)
# from the Maven registry (`mvn dependency:copy`, cached like the Kafka jars), unzipped once and
# started with `kc.sh start-dev` on 127.0.0.1. The realm is imported at start from
# services/keycloak/realm-kho.json (a realm that already exists is kept: `reset` re-imports).
# Keycloak 26 wants Java 21 or newer: a Temurin/OpenJDK 21+ under /usr/lib/jvm is preferred, the
# default java is used when it is new enough.
#
# Hub settings: KHO_OIDC_ISSUER_URL=http://127.0.0.1:$KHO_SVC_KEYCLOAK_PORT/realms/kho
#               KHO_OIDC_CLIENT_ID=kho, KHO_OIDC_CLIENT_SECRET_FILE=<file holding kho-dev-client-secret>
# The admin console (http://127.0.0.1:18080/admin) takes admin / admin (development only).
#
# Environment (all optional):
#   KHO_SVC_KEYCLOAK_PORT      port (18080)
#   KHO_SVC_KEYCLOAK_VERSION   keycloak-quarkus-dist version (26.5.6)
#   KHO_SVC_KEYCLOAK_TIMEOUT   seconds to wait for the realm (180)
#   KHO_SVC_KEYCLOAK_HEAP      JVM max heap (768m)
#
# Files under $KHO_SERVICES_DIR/keycloak/: dist/ (the zip), keycloak-<version>/ (unzipped; its
# data/ holds the H2 database), logs/keycloak.log, keycloak.pid.
set -euo pipefail
SVC_NAME=keycloak
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

src="$KHO_ROOT/services/keycloak"
dir="$(svc_dir keycloak)"
port="${KHO_SVC_KEYCLOAK_PORT:-18080}"
version="${KHO_SVC_KEYCLOAK_VERSION:-26.5.6}"
timeout="${KHO_SVC_KEYCLOAK_TIMEOUT:-180}"
heap="${KHO_SVC_KEYCLOAK_HEAP:-768m}"
home="$dir/keycloak-$version"
pidfile="$dir/keycloak.pid"
logdir="$dir/logs"
log="$logdir/keycloak.log"
url="http://127.0.0.1:$port/realms/kho/.well-known/openid-configuration"

healthy() { curl -fsS -o /dev/null --max-time 5 "$url" 2>/dev/null; }

# Prints a JAVA_HOME whose java is 21 or newer: the newest JDK under /usr/lib/jvm, else the
# default java's home.
java_home() {
  local candidate v
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -V -r); do
    candidate=${candidate%/}
    [[ -x $candidate/bin/java ]] || continue
    v=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [[ ${v%%.*} =~ ^[0-9]+$ ]] && ((${v%%.*} >= 21)); then
      printf '%s' "$candidate"
      return 0
    fi
  done
  command -v java >/dev/null || return 1
  v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [[ ${v%%.*} =~ ^[0-9]+$ ]] && ((${v%%.*} >= 21)) || return 1
  java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p'
}

need_tools() {
  local missing=()
  command -v mvn >/dev/null || missing+=(maven)
  command -v curl >/dev/null || missing+=(curl)
  command -v unzip >/dev/null || missing+=(unzip)
  ((${#missing[@]} == 0)) || svc_apt_install "${missing[@]}"
  java_home >/dev/null || svc_apt_install openjdk-21-jre-headless
  java_home >/dev/null || svc_die "Keycloak $version needs Java 21 or newer (none under /usr/lib/jvm, nor on PATH)"
}

# The distribution: fetched once per version, unzipped once.
fetch_dist() {
  [[ -x $home/bin/kc.sh ]] && return 0
  local zip="$dir/dist/keycloak-quarkus-dist-$version.zip"
  if [[ ! -s $zip ]]; then
    svc_log "fetching keycloak-quarkus-dist $version with Maven (first time: ~160 MB) ..."
    mkdir -p "$dir/dist" "$logdir"
    if ! mvn -B -q dependency:copy "-Dartifact=org.keycloak:keycloak-quarkus-dist:$version:zip" \
        -DoutputDirectory="$dir/dist" >"$logdir/mvn.log" 2>&1; then
      tail -n 30 "$logdir/mvn.log" >&2
      svc_die "mvn could not fetch keycloak-quarkus-dist $version (full output: $logdir/mvn.log)"
    fi
  fi
  svc_log "unzipping Keycloak $version"
  rm -rf "$dir/unzip.new"
  unzip -q "$zip" -d "$dir/unzip.new" || svc_die "could not unzip $zip"
  rm -rf "$home"
  mv "$dir/unzip.new/keycloak-$version" "$home"
  rm -rf "$dir/unzip.new"
}

prepare_realm() {
  mkdir -p "$home/data/import"
  cmp -s "$src/realm-kho.json" "$home/data/import/realm-kho.json" \
    || install -m 0644 "$src/realm-kho.json" "$home/data/import/realm-kho.json"
}

start() {
  if svc_pid_alive "$pidfile"; then
    if svc_wait_http "$url" "$timeout"; then
      svc_log "already running (pid $(cat "$pidfile")), http://127.0.0.1:$port"
      return 0
    fi
    tail -n 30 "$log" >&2 || true
    svc_die "pid $(cat "$pidfile") is alive but $url does not answer; try: $0 stop"
  fi
  rm -f "$pidfile"
  svc_port_taken "$port" && svc_die "port $port is already in use by a process not started from $dir (set KHO_SVC_KEYCLOAK_PORT?)"

  local t0=$SECONDS jdk
  need_tools
  jdk=$(java_home)
  fetch_dist
  prepare_realm
  mkdir -p "$logdir"
  if [[ -f $log ]] && (($(stat -c %s "$log") > 20 * 1024 * 1024)); then mv -f "$log" "$log.1"; fi
  printf '\n===== %s keycloak.sh start (port %s, %s) =====\n' "$(date -u +%FT%TZ)" "$port" "$jdk" >>"$log"

  # setsid: Keycloak outlives this shell. The inner shell writes its PID, then becomes kc.sh,
  # which execs java: the PID file names the JVM.
  (
    cd "$home"
    exec 9>&-
    export JAVA_HOME="$jdk" PATH="$jdk/bin:$PATH"
    export JAVA_OPTS_KC_HEAP="-Xms128m -Xmx$heap"
    export KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin
    exec nohup setsid bash -c 'echo $$ >"$0"; exec bin/kc.sh start-dev "$@"' "$pidfile" \
      --http-host=127.0.0.1 "--http-port=$port" --import-realm --health-enabled=false \
      >>"$log" 2>&1 </dev/null
  ) &

  svc_wait_pidfile "$pidfile" 30
  svc_wait_ready healthy "$timeout" "$(cat "$pidfile")" \
    "Keycloak did not serve the realm kho within ${timeout}s" "$log"
  svc_log "running (pid $(cat "$pidfile")) in $((SECONDS - t0))s: http://127.0.0.1:$port/realms/kho"
}

stop() {
  if svc_pid_alive "$pidfile"; then
    local pid
    pid=$(cat "$pidfile")
    svc_stop_pid "$pidfile" 30
    svc_log "stopped (pid $pid)"
  else
    rm -f "$pidfile"
    svc_log "not running"
  fi
}

status() {
  if svc_pid_alive "$pidfile" && healthy; then
    echo "keycloak: running (pid $(cat "$pidfile")) http://127.0.0.1:$port/realms/kho"
    return 0
  fi
  if svc_pid_alive "$pidfile"; then
    echo "keycloak: pid $(cat "$pidfile") alive but $url does not answer"
  else
    echo "keycloak: not running"
  fi
  return 1
}

# reset: a fresh database, so the realm file is imported again.
reset() {
  stop
  rm -rf "$home/data/h2"
  start
}

lock() {
  exec 9>"$dir/.lock"
  command -v flock >/dev/null && flock -w "$((timeout + 60))" 9 || true
}

case ${1:-status} in
  start) lock; start ;;
  stop) lock; stop ;;
  status) status ;;
  reset) lock; reset ;;
  *) echo "usage: $0 start|stop|status|reset" >&2; exit 2 ;;
esac
