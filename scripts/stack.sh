#!/usr/bin/env bash
# The topology of docker-compose.yml as processes on this machine's real services (started by
# scripts/services.sh): every service of the compose file whose command is `kho ...` runs here
# with that same command, read from docker-compose.yml, so that the two cannot drift apart:
#   - the API (`kho serve`), as many processes as the compose file's replicas (scale), on
#     127.0.0.1:18101, 18102, ... No reverse proxy here (Caddy terminates TLS in the compose
#     stack only): each API process is reached on its own port.
#   - each worker (masking, dossier → evidence feed, 766 index, publish --watch, the connectors
#     in --follow), its --metrics-port moved from the compose file's 9100 to 18111, 18112, ...
#     and /etc/kho/connectors/ read from deploy/connectors/.
# Pid files and logs: .services/stack/<name>.pid|.log; the processes run from the hub's data
# folder .services/stack/data (KHO_DATA_DIR; the dossier connector's inbox/ is there).
#
#   scripts/stack.sh up       idempotent; waits until every API answers /healthz and every
#                             worker's /metrics answers; exits 1 naming a process that stopped
#   scripts/stack.sh status   each process with its pid and health; exit 1 if one is down
#   scripts/stack.sh down     SIGTERM to each (workers first), then waits for it to finish its
#                             batch and exit (KHO_STACK_STOP_TIMEOUT seconds, default 60)
#
# The hub's settings come from the environment; unset ones point at the shared services with a
# database of the stack's own (kho_stack, created on first use):
#   KHO_BUS_URL        kafka://kho:kho@127.0.0.1:19092 (the development broker's account)
#   KHO_DATABASE_URL   postgresql://kho:kho@127.0.0.1:15432/kho_stack
#   KHO_PORTAL_URL     ckan+http://127.0.0.1:15000, with KHO_CKAN_API_TOKEN from
#                      .services/ckan/sysadmin.token
#   KHO_MQTT_ADDRESS   127.0.0.1:11883 (Mosquitto, read by the salinity connector)
# Ports: KHO_STACK_API_PORT (first API port, 18101), KHO_STACK_METRICS_PORT (first worker
# metrics port, 18111); KHO_STACK_DIR moves .services/stack.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
action=${1:-status}
stack=${KHO_STACK_DIR:-$repo/.services/stack}
python=$repo/.venv/bin/python
# `kho` of the compose file's commands: the same entry point as the console script
# (hub/app/__main__.py), which an editable install made before a move of the package can leave stale
kho=("$python" -m hub.app)
api_port=${KHO_STACK_API_PORT:-18101}
metrics_port=${KHO_STACK_METRICS_PORT:-18111}
stop_timeout=${KHO_STACK_STOP_TIMEOUT:-60}

say() { printf '[stack] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

[[ -x $python ]] || die "no $python: run make install first"

# One line per process, in start order (the APIs first): name, kind (api|worker), port, and the
# compose file's command with this machine's ports and paths.
processes() {
  "$python" - "$repo/docker-compose.yml" "$api_port" "$metrics_port" "$repo" <<'EOF'
import sys

import yaml

path, api_port, metrics_port, repo = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
services = yaml.safe_load(open(path, encoding="utf-8"))["services"]
apis, workers = [], []
for name, service in services.items():
    command = service.get("command")
    if not isinstance(command, list) or command[:1] != ["kho"]:
        continue
    if any(not word or any(c.isspace() for c in word) for word in command):
        sys.exit(f"stack: {name}: a word of its command holds a space")
    command = [w.replace("/etc/kho/connectors/", f"{repo}/deploy/connectors/") for w in command]
    if command[1] == "serve":
        for replica in range(int(service.get("scale", 1))):
            port = api_port + len(apis)
            argv = command[:2] + ["--host", "127.0.0.1", "--port", str(port)]
            apis.append(f"{name}-{replica + 1} api {port} {' '.join(argv)}")
    else:
        port = metrics_port + len(workers)
        at = command.index("--metrics-port")
        argv = command[: at + 1] + [str(port)] + command[at + 2 :]
        workers.append(f"{name} worker {port} {' '.join(argv)}")
print("\n".join(apis + workers))
EOF
}

configure() {
  local token_file=$repo/.services/ckan/sysadmin.token
  : "${KHO_BUS_URL:=kafka://kho:kho@127.0.0.1:${KHO_SVC_KAFKA_PORT:-19092}}"
  : "${KHO_DATABASE_URL:=postgresql://kho:kho@127.0.0.1:${KHO_SVC_PG_PORT:-15432}/kho_stack}"
  : "${KHO_PORTAL_URL:=ckan+http://127.0.0.1:${KHO_SVC_CKAN_PORT:-15000}}"
  if [[ -z ${KHO_CKAN_API_TOKEN:-} && -f $token_file ]]; then KHO_CKAN_API_TOKEN=$(cat "$token_file"); fi
  : "${KHO_MQTT_ADDRESS:=127.0.0.1:${KHO_SVC_MOSQUITTO_PORT:-11883}}"
  : "${KHO_DATA_DIR:=$stack/data}"
  # the rate limits' counts (when on), shared by the API processes as in docker-compose.yml
  : "${KHO_RATE_LIMIT_STORAGE_URL:=redis://127.0.0.1:${KHO_SVC_REDIS_PORT:-16379}/2}"
  export KHO_BUS_URL KHO_DATABASE_URL KHO_PORTAL_URL KHO_MQTT_ADDRESS KHO_DATA_DIR
  export KHO_RATE_LIMIT_STORAGE_URL
  [[ -z ${KHO_CKAN_API_TOKEN:-} ]] || export KHO_CKAN_API_TOKEN
}

# 0 if the URL answers 2xx within 3 s
answers() {
  "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' "$1" \
    >/dev/null 2>&1
}

health_url() { # kind port
  if [[ $1 == api ]]; then echo "http://127.0.0.1:$2/healthz"; else echo "http://127.0.0.1:$2/metrics"; fi
}

alive() { [[ -f $stack/$1.pid ]] && kill -0 "$(cat "$stack/$1.pid")" 2>/dev/null; }

ensure_database() {
  [[ $KHO_DATABASE_URL == postgresql* ]] || return 0
  "$python" - "$KHO_DATABASE_URL" <<'EOF'
import sys

from rich.console import Console

from bench.harness import ensure_database, libpq_url

ensure_database(libpq_url(sys.argv[1]), Console(stderr=True))
EOF
}

start() { # name kind port argv...
  local name=$1 kind=$2 port=$3
  shift 3
  if alive "$name"; then
    say "$name already runs (pid $(cat "$stack/$name.pid"))"
    return
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "$name: port $port is taken by another process"
  fi
  (cd "$KHO_DATA_DIR" && exec "${kho[@]}" "${@:2}") >>"$stack/$name.log" 2>&1 </dev/null &
  echo $! >"$stack/$name.pid"
  say "$name started (pid $!): kho ${*:2}"
}

wait_healthy() { # name kind port
  local name=$1 url
  url=$(health_url "$2" "$3")
  for _ in $(seq 240); do
    answers "$url" && return 0
    if ! alive "$name"; then
      tail -n 20 "$stack/$name.log" >&2 || true
      die "$name stopped; its log: $stack/$name.log"
    fi
    sleep 0.5
  done
  die "$name does not answer $url after 120 s; its log: $stack/$name.log"
}

up() {
  configure
  mkdir -p "$stack" "$KHO_DATA_DIR/inbox/tthc-dossiers"
  ensure_database
  local name kind port argv
  local -a started=()
  # the APIs first (they answer /healthz once the hub is built), then the workers
  while read -r name kind port argv; do
    read -ra words <<<"$argv"
    start "$name" "$kind" "$port" "${words[@]}"
    if [[ $kind == api ]]; then wait_healthy "$name" "$kind" "$port"; fi
    started+=("$name $kind $port")
  done < <(processes)
  for entry in "${started[@]}"; do
    read -r name kind port <<<"$entry"
    wait_healthy "$name" "$kind" "$port"
  done
  say "up: ${#started[@]} processes; scripts/stack.sh status shows them"
}

status() {
  local name kind port argv rc=0 pid health
  printf '%-26s %-7s %-8s %-6s %s\n' PROCESS KIND PID PORT HEALTH
  while read -r name kind port argv; do
    pid=-
    [[ -f $stack/$name.pid ]] && pid=$(cat "$stack/$name.pid")
    if ! alive "$name"; then
      health="down"
      rc=1
    elif answers "$(health_url "$kind" "$port")"; then
      if [[ $kind == api ]]; then health="healthy (/healthz)"; else health="running (/metrics)"; fi
    else
      health="running, $(health_url "$kind" "$port") does not answer"
      rc=1
    fi
    printf '%-26s %-7s %-8s %-6s %s\n' "$name" "$kind" "$pid" "$port" "$health"
  done < <(processes)
  return $rc
}

down() {
  local name kind port argv pid
  local -a order=()
  while read -r name kind port argv; do order=("$name" "${order[@]}"); done < <(processes)
  # SIGTERM to every one at once (workers before the APIs), then wait for each
  for name in "${order[@]}"; do
    alive "$name" && kill -TERM "$(cat "$stack/$name.pid")" 2>/dev/null || true
  done
  for name in "${order[@]}"; do
    [[ -f $stack/$name.pid ]] || continue
    pid=$(cat "$stack/$name.pid")
    for _ in $(seq $((stop_timeout * 5))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name (pid $pid) still runs after ${stop_timeout}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    else
      say "$name (pid $pid) stopped"
    fi
    rm -f "$stack/$name.pid"
  done
}

case $action in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
