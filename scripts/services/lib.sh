# Shared helpers for the service scripts in this folder. Source it; do not run it.
# Every service keeps its data, logs and PID file under $KHO_SERVICES_DIR/<name>/.
set -euo pipefail

KHO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KHO_SERVICES_DIR="${KHO_SERVICES_DIR:-$KHO_ROOT/.services}"

# Ports, each overridable from the environment.
KHO_SVC_KAFKA_PORT="${KHO_SVC_KAFKA_PORT:-19092}"
KHO_SVC_KAFKA_CONTROLLER_PORT="${KHO_SVC_KAFKA_CONTROLLER_PORT:-19093}"
KHO_SVC_PG_PORT="${KHO_SVC_PG_PORT:-15432}"
KHO_SVC_REDIS_PORT="${KHO_SVC_REDIS_PORT:-16379}"
KHO_SVC_SOLR_PORT="${KHO_SVC_SOLR_PORT:-18983}"
KHO_SVC_CKAN_PORT="${KHO_SVC_CKAN_PORT:-15000}"
KHO_SVC_MARIADB_PORT="${KHO_SVC_MARIADB_PORT:-13306}"
KHO_SVC_MQTT_PORT="${KHO_SVC_MQTT_PORT:-11883}"

svc_log() { printf '[%s] %s\n' "${SVC_NAME:-services}" "$*" >&2; }
svc_die() { svc_log "ERROR: $*"; exit 1; }

# svc_dir NAME -> prints and creates $KHO_SERVICES_DIR/NAME
svc_dir() { mkdir -p "$KHO_SERVICES_DIR/$1" && printf '%s' "$KHO_SERVICES_DIR/$1"; }

# svc_pid_alive PIDFILE -> 0 if the PID in the file is a live process
svc_pid_alive() {
  local pidfile=$1
  [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# svc_port_taken PORT -> 0 if something already accepts TCP connections on 127.0.0.1:PORT
svc_port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# svc_make_traversable USER PATH -> chmod o+x every directory above PATH that USER cannot
# search, so that a service dropping root for USER reaches its files under $KHO_SERVICES_DIR
svc_make_traversable() {
  local user=$1 d
  d=$(dirname "$2")
  while [[ $d != / ]]; do
    if ! runuser -u "$user" -- test -x "$d"; then
      svc_log "chmod o+x $d ($user must reach ${2})"
      chmod o+x "$d"
    fi
    d=$(dirname "$d")
  done
}

# svc_disable_system_unit UNIT -> when systemd runs this host, stops and disables the unit that
# a Debian package has just started on its default port (our copy runs on its own port/data)
svc_disable_system_unit() {
  [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null || return 0
  if systemctl is-enabled --quiet "$1" 2>/dev/null || systemctl is-active --quiet "$1" 2>/dev/null; then
    svc_log "stopping and disabling the package's own $1 service (ours runs separately)"
    systemctl disable --now "$1" >/dev/null 2>&1 || true
  fi
}

# svc_wait_port PORT SECONDS -> waits until 127.0.0.1:PORT accepts TCP connections
svc_wait_port() {
  local port=$1 deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# svc_wait_ready CHECK SECONDS PID WHAT LOG... -> runs the command CHECK every 0.2 s until it
# succeeds; when SECONDS pass, or the process PID (empty: none watched) has exited, shows the
# last lines of each LOG and dies with WHAT
svc_wait_ready() {
  local check=$1 seconds=$2 pid=$3 what=$4
  shift 4
  local deadline=$((SECONDS + seconds))
  until "$check"; do
    if { [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; } || ((SECONDS >= deadline)); then
      tail -n 30 "$@" >&2 || true
      svc_die "$what"
    fi
    sleep 0.2
  done
}

# svc_wait_pidfile PIDFILE SECONDS -> waits until a daemon has written its PID file
svc_wait_pidfile() {
  local deadline=$((SECONDS + $2))
  until [[ -s $1 ]]; do
    ((SECONDS < deadline)) || svc_die "no PID file $1"
    sleep 0.2
  done
}

# svc_socket_dir DIR FALLBACK -> DIR, or FALLBACK when a Unix socket path inside DIR would pass
# the 107-byte limit of sun_path
svc_socket_dir() {
  if ((${#1} + 20 > 100)); then printf '%s' "$2"; else printf '%s' "$1"; fi
}

# svc_wait_http URL SECONDS -> waits until URL answers 2xx
svc_wait_http() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# svc_stop_pid PIDFILE [SECONDS] -> TERM, wait, then KILL; removes the PID file
svc_stop_pid() {
  local pidfile=$1 grace=${2:-30}
  if svc_pid_alive "$pidfile"; then
    local pid deadline=$((SECONDS + grace))
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# svc_apt_install PKG... -> installs Debian packages that are missing (apt-get update once)
svc_apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  svc_log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# svc_main ACTION ALLOWED... -> runs the script's function named ACTION if it is one of ALLOWED
#   svc_main "${1:-status}" start stop status
svc_main() {
  local action=$1 allowed
  shift
  for allowed in "$@"; do
    if [[ $action == "$allowed" ]]; then
      "$action"
      return
    fi
  done
  local IFS='|'
  echo "usage: $0 $*" >&2
  exit 2
}
